"""Mine statistics of the object-based study (its Tables 5-8, Fig. 5), its classifier comparison (Fig. 8) and the
accuracy by mine type of the DeepLabV3 / OBIA study (Fig. 6): tables by hand, the kernel density's total, the
terrain of a DEM plane, and the warnings of a missing type field."""

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from minerestore.identify import accuracy, classifiers, statistics
from minerestore.identify.reference import mine_types
from minerestore.raster.grid import Grid

CRS = "EPSG:32650"
GRID = Grid(CRS, Affine(10, 0, 400000, 0, -10, 3301000), 200, 200)
OPTIONS = {"area_classes_km2": [0.01, 0.05], "elevation_band_m": 100, "slope_bands_deg": [2, 6, 15, 25],
           "river_bands_km": [0.5, 1]}


def mines_frame():
    """Three square mines: 0.0025, 0.01 and 0.04 km² (50, 100 and 200 m a side)."""
    geoms = [box(400100, 3300800, 400150, 3300850), box(400500, 3300500, 400600, 3300600),
             box(401000, 3299500, 401200, 3299700)]
    return gpd.GeoDataFrame({"mine_id": ["M1", "M2", "M3"], "area_km2": [0.0025, 0.01, 0.04],
                             "subregion": ["upstream", "upstream", "downstream"]}, geometry=geoms, crs=CRS)


def test_tables_by_class_by_hand():
    mines = mines_frame()
    attributes = statistics.mine_attributes(mines, terrain_table=None, river_km=pd.Series([0.2, 0.6, 3.0]),
                                            types=pd.Series(["coal", "", "coal"]), options=OPTIONS)
    assert attributes["area_class"].astype(str).tolist() == ["< 0.01 km²", "0.01–0.05 km²", "0.01–0.05 km²"]
    assert attributes["mine_type"].tolist() == ["coal", "unknown", "coal"]
    assert "elevation_band" not in attributes  # no DEM
    area = statistics.by_class(attributes, "area_class").set_index("area_class")
    assert area["mines"].tolist() == [1, 2, 0, 3]  # the empty >= 0.05 class is kept; then all
    assert area.loc["0.01–0.05 km²", "total_area_km2"] == pytest.approx(0.05)
    assert area.loc["0.01–0.05 km²", "mean_area_km2"] == pytest.approx(0.025)
    assert area.loc["0.01–0.05 km²", "area_pct"] == pytest.approx(100 * 0.05 / 0.0525)
    assert np.isnan(area.loc[">= 0.05 km²", "mean_area_km2"]) and area.loc["all", "mines_pct"] == 100
    river = statistics.by_class(attributes, "river_band").set_index("river_band")
    assert river["mines"].tolist() == [1, 1, 1, 3]
    sub = statistics.by_class(attributes, "subregion").set_index("subregion")
    assert sub.loc["upstream", "mines"] == 2 and sub.loc["downstream", "total_area_km2"] == pytest.approx(0.04)


def test_terrain_of_a_dem_plane(tmp_path):
    """A plane rising 1 m per 10 m pixel eastward: slope atan(0.1) = 5.71°; a mine's mean elevation is that of its
    centre column."""
    cols = np.arange(GRID.width, dtype=np.float32)
    dem = np.broadcast_to(100 + cols, GRID.shape).astype(np.float32)
    with rasterio.open(tmp_path / "dem.tif", "w", **GRID.profile(1)) as dst:
        dst.write(dem, 1)
    mines = mines_frame()
    table = statistics.terrain(mines, GRID, str(tmp_path / "dem.tif"), 64)
    np.testing.assert_allclose(table["slope_deg"], np.degrees(np.arctan(0.1)), rtol=1e-4)
    centre_cols = [(g.centroid.x - 400000) / 10 - 0.5 for g in mines.geometry]
    np.testing.assert_allclose(table["elevation_m"], 100 + np.array(centre_cols), rtol=1e-5)
    attributes = statistics.mine_attributes(mines, terrain_table=table, river_km=None, types=None, options=OPTIONS)
    assert attributes["slope_band"].astype(str).unique().tolist() == ["2–6 °"]
    assert attributes["elevation_band"].astype(str).tolist() == ["100–200 m", "100–200 m", "200–300 m"]
    assert statistics.by_class(attributes, "elevation_band")["elevation_band"].tolist() == ["100–200 m", "200–300 m",
                                                                                         "all"]


def test_river_distance_and_kernel_density():
    mines = mines_frame()
    rivers = gpd.GeoDataFrame(geometry=[Point(400000, 3300000).buffer(1).boundary], crs=CRS)
    km = statistics.river_distance_km(mines, rivers)
    assert km.iloc[2] == pytest.approx((np.hypot(1000, 300) - 1) / 1000, rel=1e-3)  # to its corner
    density, coarse, h = statistics.kernel_density(mines, GRID, cell_m=20, bandwidth_km=0.03)
    assert h == 0.03 and coarse.resolution == 20 and density.shape == (100, 100)
    # mines per km² integrate to the three mines (every kernel lies well inside the grid)
    assert density.sum() * (0.02**2) == pytest.approx(3, rel=1e-3)
    _, _, scott = statistics.kernel_density(mines, GRID, cell_m=20, bandwidth_km=None)
    points = np.column_stack([mines.centroid.x, mines.centroid.y])
    assert scott == pytest.approx(points.std(axis=0).mean() * 3 ** (-1 / 6) / 1000)


@pytest.mark.bad_input
def test_types_from_the_largest_overlap_or_a_warning_naming_the_field(caplog):
    mines = mines_frame()
    typed = gpd.GeoDataFrame({"kind": ["coal", "metal"]},
                             geometry=[box(400000, 3300700, 400600, 3301000), Point(401100, 3299600)], crs=CRS)
    assert mine_types(mines, typed, "kind", "rights.gpkg").tolist() == ["coal", "", "metal"]
    assert mine_types(mines, typed, None, "rights.gpkg") is None  # no type asked: no warning
    with caplog.at_level(logging.WARNING):
        assert mine_types(mines, typed, "mine_type", "rights.gpkg") is None
    assert "reference_type_field 'mine_type': rights.gpkg has no such field (it has ['kind'])" in caplog.text
    assert "the table of mines by type is skipped" in caplog.text


def test_accuracy_by_type_by_hand():
    reference = mines_frame()
    predicted = gpd.GeoDataFrame(geometry=[reference.geometry.iloc[0], box(400500, 3300500, 400600, 3300550)], crs=CRS)
    table = accuracy.by_type(predicted, reference, pd.Series(["coal", "coal", ""]), overlap=0.7).set_index("mine_type")
    # coal: M1 found whole (similarity 1), M2 half covered (not matched); unknown: M3 missed
    assert table.loc["coal", ["reference_mines", "matched"]].tolist() == [2, 1]
    assert table.loc["coal", "identification_rate"] == 0.5 and table.loc["coal", "mean_area_similarity"] == 1.0
    assert table.loc["unknown", "identification_rate"] == 0 and np.isnan(table.loc["unknown", "mean_area_similarity"])


def test_classifiers_on_separable_objects():
    """A signal feature (mines 3 sd above the others) and a feature in square metres: every classifier separates
    the test objects almost perfectly, and its F1, OA and kappa are those of its own confusion counts."""
    rng = np.random.default_rng(0)

    def objects(n):
        y = np.r_[np.zeros(n, int), np.ones(n, int)]
        return pd.DataFrame({"signal": rng.normal(3 * y, 1), "area_m2": rng.uniform(100, 1e5, 2 * n)}), y

    (x_train, y_train), (x_test, y_test) = objects(60), objects(40)
    table, roc = classifiers.compare(x_train, y_train, x_test, y_test, seed=0)
    assert table["classifier"].tolist() == list(classifiers.CLASSIFIERS)
    assert (table["auc"] > 0.85).all() and table.set_index("classifier").loc["logistic_regression", "auc"] > 0.93
    for row in table.itertuples():
        assert row.oa == pytest.approx((row.tp + row.tn) / 80) and row.tp + row.fn == 40
        assert row.f1 == pytest.approx(2 * row.tp / (2 * row.tp + row.fp + row.fn))
    first = roc.groupby("classifier").first()
    assert (first["fpr"] == 0).all() and (roc.groupby("classifier")["tpr"].last() == 1).all()
    with pytest.raises(ValueError, match="the test objects hold 0 mine and 40 other objects"):
        classifiers.compare(x_train, y_train, x_test.iloc[:40], y_test[:40], seed=0)
    assert classifiers.missing_class(y_train, y_test) is None
    assert "the training objects hold 60 mine and 0 other" in classifiers.missing_class(y_train[60:], y_test)


@pytest.mark.bad_input
def test_no_mine_gives_empty_tables_and_a_zero_density(tmp_path):
    """A study area where nothing is identified (an empty mines layer) gives tables of 0 mines, not a traceback
    (the empty terrain table had text columns: np.isfinite refused them)."""
    with rasterio.open(tmp_path / "dem.tif", "w", **GRID.profile(1)) as dst:
        dst.write(np.full(GRID.shape, 100, np.float32), 1)
    mines = mines_frame().iloc[:0]
    table = statistics.terrain(mines, GRID, str(tmp_path / "dem.tif"), 64)
    assert table.empty and table.dtypes.tolist() == [np.float64, np.float64]
    attributes = statistics.mine_attributes(mines, terrain_table=table, river_km=pd.Series([], dtype=float),
                                            types=None, options=OPTIONS)
    for by in ("area_class", "elevation_band", "slope_band", "river_band", "subregion"):
        rows = statistics.by_class(attributes, by).set_index(by)
        assert rows["mines"].sum() == 0 and rows.loc["all", "mines"] == 0
        assert np.isnan(rows.loc["all", "mines_pct"])
    density, _, _ = statistics.kernel_density(mines, GRID, cell_m=100, bandwidth_km=0.5)
    assert np.all(density == 0)
