"""BSP with exact coverage fractions and restoration rates, by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.restoration.bare_surface import bare_layer, bsp_table, rate_tables, restoration_rate

GRID = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 40), 4, 4)


def test_bare_layer():
    ndvi = np.array([[0.1, 0.5, np.nan, 0.39]])
    water = np.array([[False, False, False, True]])
    out = bare_layer(ndvi, water, 0.4)
    assert out[0, :2].tolist() == [1, 0] and np.isnan(out[0, 2]) and np.isnan(out[0, 3])


def test_bsp_by_hand_with_partial_pixels():
    ndvi = np.full((4, 4), 0.8, np.float32)
    ndvi[0, 0] = ndvi[0, 1] = 0.1  # bare
    ndvi[1, 1] = np.nan  # no observation
    water = np.zeros((4, 4), bool)
    water[1, 0] = True
    # mine A: the 2 x 2 top-left pixels; mine B: half of pixel (0, 2) and all of (0, 3)
    mines = gpd.GeoDataFrame({"mine_id": ["A", "B"]}, geometry=[box(0, 20, 20, 40), box(25, 30, 40, 40)],
                             crs=GRID.crs)
    out = bsp_table({2016: ndvi, 2017: np.full((4, 4), 0.1, np.float32)}, water, mines, GRID, 0.4).set_index(
        ["mine_id", "year"])
    a = out.loc[("A", 2016)]
    assert a["valid_px"] == pytest.approx(2) and a["bare_px"] == pytest.approx(2)  # (1,0) water, (1,1) missing
    assert a["bsp_pct"] == pytest.approx(100)
    b = out.loc[("B", 2016)]
    assert b["valid_px"] == pytest.approx(1.5) and b["bare_px"] == pytest.approx(0)
    assert out.loc[("A", 2017), "bsp_pct"] == pytest.approx(100)
    assert out.loc[("A", 2017), "valid_px"] == pytest.approx(3)


def test_mine_without_valid_pixel_gives_nan():
    mines = gpd.GeoDataFrame({"mine_id": ["A"]}, geometry=[box(0, 30, 10, 40)], crs=GRID.crs)
    out = bsp_table({2016: np.full((4, 4), np.nan, np.float32)}, np.zeros((4, 4), bool), mines, GRID)
    assert out["valid_px"].iloc[0] == 0 and np.isnan(out["bsp_pct"].iloc[0])


def test_duplicate_mine_ids():
    mines = gpd.GeoDataFrame({"mine_id": ["A", "A"]}, geometry=[box(0, 30, 10, 40)] * 2, crs=GRID.crs)
    with pytest.raises(ValueError, match=r"duplicate mine_id values \['A'\]"):
        bsp_table({2016: np.zeros((4, 4), np.float32)}, np.zeros((4, 4), bool), mines, GRID)


def test_restoration_rate_conventions():
    bare = pd.Series([4.0, 2.0, 0.0])
    assert restoration_rate(bare, 4.0, "base").tolist() == [0, 50, 100]
    printed = restoration_rate(bare, 4.0, "printed")
    assert printed[:2].tolist() == [0, 100] and np.isnan(printed[2])
    assert np.isnan(restoration_rate(pd.Series([1.0]), 0.0, "base")[0])
    with pytest.raises(ValueError, match="'other'"):
        restoration_rate(bare, 4.0, "other")


def test_rate_tables_sum_by_subregion():
    bsp = pd.DataFrame({"mine_id": ["A", "A", "B", "B"], "year": [2016, 2017, 2016, 2017],
                        "valid_px": [10, 10, 10, 0], "bare_px": [10, 5, 6, 0]})
    mines = pd.DataFrame({"mine_id": ["A", "B"], "subregion": ["up", "up"]})
    by_sub, by_mine = rate_tables(bsp, mines, pixel_km2=0.01, base_year=2016)
    row = by_sub[(by_sub["subregion"] == "up") & (by_sub["year"] == 2017)].iloc[0]
    assert row["bare_km2_base"] == pytest.approx(0.16) and row["bare_km2"] == pytest.approx(0.05)
    assert row["rr_pct"] == pytest.approx(100 * (0.16 - 0.05) / 0.16)
    assert set(by_sub["subregion"]) == {"up", "all"}
    a = by_mine[(by_mine["mine_id"] == "A") & (by_mine["year"] == 2017)].iloc[0]
    assert a["rr_pct"] == pytest.approx(50)
    assert np.isnan(by_mine[(by_mine["mine_id"] == "B") & (by_mine["year"] == 2017)]["rr_pct"].iloc[0])


def test_rate_tables_with_a_subregion_named_all():
    bsp = pd.DataFrame({"mine_id": ["A", "A"], "year": [2016, 2017], "valid_px": [10, 10], "bare_px": [10, 5]})
    by_sub, _ = rate_tables(bsp, pd.DataFrame({"mine_id": ["A"], "subregion": ["all"]}), 0.01, 2016)
    assert len(by_sub) == 2 and by_sub["bare_km2"].tolist() == pytest.approx([0.1, 0.05])
