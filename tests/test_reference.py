"""Reference mine polygons: repair, rejection and clipping, with messages per feature; real Amazon Mining Watch
polygons in a bounding box."""

import logging

import geopandas as gpd
import pandas as pd
import pytest
from conftest import AMAZON, need
from shapely.geometry import Polygon, box

from minerestore.identify.reference import load_reference

CRS = "EPSG:32650"
AREA = box(0, 0, 1000, 1000)


@pytest.mark.bad_input
def test_repair_drop_and_clip(caplog):
    bowtie = Polygon([(100, 100), (200, 200), (200, 100), (100, 200)])  # self-intersecting
    frame = gpd.GeoDataFrame(
        {"mine_id": ["a", "b", "c", "d"]},
        geometry=[box(10, 10, 50, 50), bowtie, Polygon(), box(900, 900, 1100, 1100)], crs=CRS)
    frame = pd.concat([frame, gpd.GeoDataFrame({"mine_id": ["e"]}, geometry=[box(2000, 0, 2100, 100)], crs=CRS)],
                      ignore_index=True)  # off the region
    with caplog.at_level(logging.WARNING):
        out = load_reference(frame, "ref.gpkg", CRS, AREA, "mine_id")
    assert out["mine_id"].tolist() == ["a", "b", "d"]
    assert out.geometry.is_valid.all()
    assert out.loc[2, "area_km2"] == pytest.approx(100 * 100 / 1e6)  # clipped to the region
    assert "feature 1 (b) invalid (Self-intersection" in caplog.text
    assert "feature 2 (c) has an empty geometry: dropped" in caplog.text
    assert "1 of 4 reference mines lie outside the region (left out) and 1 cross its edge" in caplog.text


def test_generated_ids_and_reprojection():
    frame = gpd.GeoDataFrame(geometry=[box(10, 10, 50, 50)], crs=CRS).to_crs("EPSG:4326")
    out = load_reference(frame, "ref.gpkg", CRS, AREA, id_field="code")
    assert out["mine_id"].tolist() == ["R00001"]
    assert out["area_km2"].iloc[0] == pytest.approx(0.0016, rel=1e-3)


@pytest.mark.bad_input
@pytest.mark.parametrize("frame,match", [
    (gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]), "ref.gpkg: the layer has no CRS"),
    (gpd.GeoDataFrame({"mine_id": ["x", "x"]}, geometry=[box(0, 0, 1, 1), box(2, 2, 3, 3)], crs=CRS),
     r"ref.gpkg: duplicate mine_id values \['x'\]"),
    (gpd.GeoDataFrame(geometry=[box(5000, 5000, 5100, 5100)], crs=CRS), "ref.gpkg: no reference mine lies inside"),
])
def test_rejected_layers(frame, match):
    with pytest.raises(ValueError, match=match):
        load_reference(frame, "ref.gpkg", CRS, AREA, "mine_id")


@pytest.mark.realdata
def test_real_amazon_polygons_in_a_bounding_box(caplog):
    """Amazon Mining Watch 2020 polygons, Tapajós gold-mining area (lon -57.5…-55.5, lat -7.5…-4.5), as reference."""
    folder = need(AMAZON)
    frame = gpd.read_file(folder / "mining_202000_simplified.geojson")
    crs = "EPSG:32721"  # UTM 21S
    region = gpd.GeoSeries([box(-57.5, -7.5, -55.5, -4.5)], crs="EPSG:4326").to_crs(crs).iloc[0]
    with caplog.at_level(logging.INFO):
        out = load_reference(frame, "mining_202000", crs, region, "mine_id")
    assert 50 < len(out) < len(frame)
    assert out.geometry.is_valid.all() and (out["area_km2"] > 0).all()
    assert out.crs.to_epsg() == 32721
    assert out.geometry.within(region.buffer(1)).all()
    print(f"{len(frame)} features read, {len(out)} inside the box, {out['area_km2'].sum():.1f} km²")
