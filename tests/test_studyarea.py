"""Study area and sub-regions."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry import LineString, box

from minerestore.mask import studyarea
from minerestore.raster.grid import Grid

GRID = Grid("EPSG:32650", Affine(100, 0, 0, 0, -100, 3000), 60, 30)  # 6 km x 3 km


def rivers():
    return gpd.GeoDataFrame({"kind": ["main_stem", "tributary"]},
                            geometry=[LineString([(0, 1500), (6000, 1500)]), LineString([(3000, 3000), (3000, 1500)])],
                            crs=GRID.crs)


def test_buffer_is_clipped_to_region():
    area = studyarea.river_buffer(rivers(), 1000, GRID)
    assert area.within(box(*GRID.bounds).buffer(1e-6))
    # main stem band y 500–2500 over 6 km, plus the tributary band (2 km wide) above it up to the edge at y 3000
    assert area.area == pytest.approx(6000 * 2000 + 2000 * 500, rel=1e-3)
    with pytest.raises(ValueError, match="does not overlap"):
        studyarea.river_buffer(gpd.GeoDataFrame(geometry=[LineString([(1e6, 0), (1e6 + 10, 0)])], crs=GRID.crs), 10, GRID)


def test_main_stem_oriented_by_dem():
    def rising_east(xs, ys):  # source in the east
        return 100 + np.asarray(xs) / 15

    stem = studyarea.main_stem(rivers(), rising_east)
    assert stem.coords[0][0] == 6000
    assert studyarea.main_stem(rivers()).coords[0][0] == 0  # no DEM: as digitised


def test_dem_sampled_at_the_ends_on_the_grid(tmp_path):
    """The elevation of a point is that of the grid pixel it falls in, clipped to the grid; nodata is NaN."""
    import rasterio

    from minerestore.raster.read import sample_float

    dem = np.tile(np.arange(GRID.width, dtype=np.float32), (GRID.height, 1)) * 10  # 10 m per column eastwards
    dem[0, 0] = -9999
    with rasterio.open(tmp_path / "dem.tif", "w", **{**GRID.profile(1), "nodata": -9999}) as dst:
        dst.write(dem[None])
    values = sample_float(tmp_path / "dem.tif", GRID, [250, 5999, 9000, 50], [1500, 1500, 1500, 2990])
    np.testing.assert_array_equal(values[:3], [20, 590, 590])  # columns 2 and 59; x 9000 is clipped to column 59
    assert np.isnan(values[3])


def test_split_matches_the_pixel_partition():
    """The Voronoi split agrees with the nearest-third of every pixel centre (a brute-force distance), except
    within a pixel of the equidistance lines."""
    stem = LineString([(0, 1500), (2500, 2600), (6000, 400)])
    area = stem.buffer(1000).intersection(box(*GRID.bounds))
    zones = studyarea.split_by_flow_distance(area, stem, GRID).set_index("subregion")
    length = stem.length
    from shapely.ops import substring

    thirds = [substring(stem, length * i / 3, length * (i + 1) / 3) for i in range(3)]
    xs, ys = np.meshgrid(*GRID.xy_centres())
    agree = disagree = 0
    for x, y in zip(np.ravel(xs), np.ravel(ys)):
        p = shapely.Point(x, y)
        if not area.contains(p):
            continue
        d = np.array([t.distance(p) for t in thirds])
        if np.sort(d)[1] - d.min() < GRID.resolution:  # on an equidistance line, to a pixel
            continue
        inside = [n for n in studyarea.SUBREGIONS if zones.loc[n, "geometry"].contains(p)]
        agree += inside == [studyarea.SUBREGIONS[int(d.argmin())]]
        disagree += inside != [studyarea.SUBREGIONS[int(d.argmin())]]
    assert agree > 500 and disagree == 0
    assert sum(g.area for g in zones.geometry) == pytest.approx(area.area, rel=1e-9)


def test_split_into_thirds_of_flow_distance():
    area = studyarea.river_buffer(rivers(), 1000, GRID)
    zones = studyarea.finish(studyarea.split_by_flow_distance(area, studyarea.main_stem(rivers()), GRID))
    assert zones["subregion"].tolist() == ["upstream", "midstream", "downstream"]
    assert zones["area_km2"].sum() == pytest.approx(area.area / 1e6, rel=1e-6)
    up = zones.set_index("subregion").geometry
    assert up["upstream"].centroid.x < up["midstream"].centroid.x < up["downstream"].centroid.x
    assert studyarea.assign_subregion(gpd.GeoDataFrame(geometry=[box(5000, 1400, 5200, 1600)]), zones) == ["downstream"]


def test_subregions_from_polygons():
    area = box(0, 0, 100, 100)
    zones = gpd.GeoDataFrame({"zone": ["a", "b", "b"]}, geometry=[box(-10, 0, 50, 100), box(50, 0, 80, 100),
                                                                  box(80, 0, 200, 100)], crs=GRID.crs)
    out = studyarea.from_polygons(area, zones, "zone", GRID.crs, 1.0, "zones.gpkg")
    assert sorted(out["subregion"]) == ["a", "b"]
    assert out.geometry.area.sum() == pytest.approx(10000)
    with pytest.raises(KeyError, match="zones.gpkg: sub-region file has no attribute 'subregion'"):
        studyarea.from_polygons(area, zones, "subregion", GRID.crs, 1.0, "zones.gpkg")


@pytest.mark.bad_input
def test_subregions_covering_part_of_the_study_area_do_not_shrink_it(caplog):
    """Sub-regions of the west half of a 100 m x 100 m study area: the east half stays in it, as the sub-region
    'unassigned' (before, the study area became the west half: every area and count halved, nothing said)."""
    area = box(0, 0, 100, 100)
    zones = gpd.GeoDataFrame({"zone": ["west"]}, geometry=[box(-10, -10, 50, 110)], crs=GRID.crs)
    out = studyarea.from_polygons(area, zones, "zone", GRID.crs, 1.0, "zones.gpkg").set_index("subregion")
    assert out.geometry.area.to_dict() == {"west": pytest.approx(5000), "unassigned": pytest.approx(5000)}
    assert "zones.gpkg: its polygons leave 50.0 % of the study area (0.005 km²) uncovered" in caplog.text
    caplog.clear()  # a sliver under half a pixel is no sub-region
    zones = gpd.GeoDataFrame({"zone": ["all"]}, geometry=[box(0, 0, 100, 99.996)], crs=GRID.crs)
    assert studyarea.from_polygons(area, zones, "zone", GRID.crs, 1.0, "zones.gpkg")["subregion"].tolist() == ["all"]
    assert "uncovered" not in caplog.text


def test_subregions_from_a_river_attribute():
    rivers = gpd.GeoDataFrame({"basin": ["north", "south"]},
                              geometry=[LineString([(0, 2500), (6000, 2500)]), LineString([(0, 500), (6000, 500)])],
                              crs=GRID.crs)
    area = box(*GRID.bounds)
    zones = studyarea.finish(studyarea.from_river_attribute(area, rivers, "basin", GRID)).set_index("subregion")
    assert set(zones.index) == {"north", "south"}
    assert zones.loc["north"].geometry.centroid.y > zones.loc["south"].geometry.centroid.y
    assert zones["area_km2"].sum() == pytest.approx(18.0)
    assert zones.loc["north", "area_km2"] == pytest.approx(9.0, rel=0.05)


def test_study_area_reads_the_dem_only_for_main_stem_thirds():
    """The DEM orients the main stem; with sub-regions from a river attribute it is never read."""
    calls = []

    def elevation(xs, ys):
        calls.append(len(xs))
        return 1000.0 - np.asarray(xs) / 10  # downhill to the east: upstream in the west

    named = rivers().assign(basin=["a", "b"])
    zones = studyarea.study_area(GRID, named, None, None, elevation, buffer_km=1.0, subregion_field="basin")
    assert set(zones["subregion"]) == {"a", "b"} and not calls
    zones = studyarea.study_area(GRID, rivers(), None, None, elevation, buffer_km=1.0,
                                 subregion_field="basin").set_index("subregion")
    assert calls == [2] and set(zones.index) == {"upstream", "midstream", "downstream"}
    assert zones.loc["upstream"].geometry.centroid.x < zones.loc["downstream"].geometry.centroid.x
    with pytest.raises(ValueError, match="my_aoi.gpkg: the AOI does not overlap"):
        aoi = gpd.GeoDataFrame(geometry=[box(9000, 9000, 9100, 9100)], crs=GRID.crs)
        studyarea.study_area(GRID, None, aoi, None, elevation, buffer_km=1.0, subregion_field="basin",
                               aoi_name="my_aoi.gpkg")


@pytest.mark.bad_input
def test_three_d_river_lines_give_the_study_area_of_their_two_d_lines(tmp_path):
    """River lines with z (e.g. draped on a DEM) are read as 2-D lines: the same sub-regions and areas."""
    def elevation(xs, ys):
        return 1000.0 - np.asarray(xs) / 10

    flat = rivers()
    draped = flat.set_geometry(shapely.force_3d(flat.geometry.values, 250.0), crs=GRID.crs)
    draped.to_file(tmp_path / "rivers.gpkg")
    from minerestore.raster.vector import read_vector

    read = read_vector(tmp_path / "rivers.gpkg", GRID.crs, "lines")
    assert not read.geometry.has_z.any()
    got = studyarea.study_area(GRID, read, None, None, elevation, buffer_km=1.0,
                               subregion_field="basin").sort_values("subregion")
    want = studyarea.study_area(GRID, flat, None, None, elevation, buffer_km=1.0,
                                subregion_field="basin").sort_values("subregion")
    assert got["subregion"].tolist() == want["subregion"].tolist()
    np.testing.assert_allclose(got["area_km2"], want["area_km2"])


@pytest.mark.bad_input
def test_a_study_area_cut_by_the_grid_is_reported(caplog):
    """An AOI half outside the region grid (bounds smaller than it, or scenes covering half of it): the study
    area is the half inside, and the cut is warned with its share."""
    aoi = gpd.GeoDataFrame(geometry=[box(3000, 0, 9000, 3000)], crs=GRID.crs)  # the grid spans x 0-6000
    zones = studyarea.study_area(GRID, None, aoi, None, None, buffer_km=1.0, subregion_field="basin", aoi_name="my_aoi.gpkg")
    assert zones["area_km2"].sum() == pytest.approx(9.0)
    assert "my_aoi.gpkg reaches beyond the region grid" in caplog.text and "50.0 % of it (9.00 km²)" in caplog.text
    caplog.clear()
    studyarea.study_area(GRID, None, gpd.GeoDataFrame(geometry=[box(100, 100, 5000, 2900)], crs=GRID.crs), None,
                         None, buffer_km=1.0, subregion_field="basin")
    assert "reaches beyond" not in caplog.text
