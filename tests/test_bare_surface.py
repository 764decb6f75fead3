"""BSP with exact coverage fractions and restoration rates, by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.indices import bare_layer
from minerestore.restoration.bare_surface import bsp_table, rate_tables, restoration_rate

GRID = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 40), 4, 4)
BSP_NDVI, CONVENTION = 0.4, "base"  # the schema's defaults (the study's): thresholds.bsp_ndvi, restoration.rr_convention


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


def test_bsp_over_the_whole_mine_counts_its_pit_lake_as_bare():
    """The study's Eq. 1: S_t is the whole mine. A 3 x 3 px mine: a vegetated top row (NDVI 0.6), a pit lake in
    its centre (NDVI -0.3, in the water mask), four bare pixels (0.2) and one without a clear observation.
    Whole mine: 5 bare of 8 observed = 62.5 %; without the water mask's pixels: 4 of 7 = 57.14 %."""
    ndvi = np.array([[0.6, 0.6, 0.6, 0.9],
                     [0.2, -0.3, 0.2, 0.9],
                     [np.nan, 0.2, 0.2, 0.9],
                     [0.9, 0.9, 0.9, 0.9]], np.float32)
    water = np.zeros((4, 4), bool)
    water[1, 1] = True
    mine = gpd.GeoDataFrame({"mine_id": ["pit"]}, geometry=[box(0, 10, 30, 40)], crs=GRID.crs)
    whole = bsp_table({2016: ndvi}, None, mine, GRID, BSP_NDVI).iloc[0]
    assert (whole["valid_px"], whole["bare_px"], whole["unobserved_px"]) == pytest.approx((8, 5, 1))
    assert whole["bsp_pct"] == pytest.approx(62.5)
    land = bsp_table({2016: ndvi}, water, mine, GRID, BSP_NDVI).iloc[0]
    assert (land["valid_px"], land["bare_px"], land["unobserved_px"]) == pytest.approx((7, 4, 1))
    assert land["bsp_pct"] == pytest.approx(400 / 7)


def test_mine_without_valid_pixel_gives_nan():
    mines = gpd.GeoDataFrame({"mine_id": ["A"]}, geometry=[box(0, 30, 10, 40)], crs=GRID.crs)
    out = bsp_table({2016: np.full((4, 4), np.nan, np.float32)}, np.zeros((4, 4), bool), mines, GRID, BSP_NDVI)
    assert out["valid_px"].iloc[0] == 0 and np.isnan(out["bsp_pct"].iloc[0])
    assert out["unobserved_px"].iloc[0] == pytest.approx(1)


@pytest.mark.bad_input
def test_a_mine_smaller_than_a_pixel_has_no_bsp(caplog):
    """A mine of a quarter pixel (5 m x 5 m on 10 m pixels): its BSP would be the bare share of a fraction of one
    pixel; it is NaN with a warning naming the mine, while a two-pixel mine keeps its BSP."""
    mines = gpd.GeoDataFrame({"mine_id": ["tiny", "two"]}, geometry=[box(0, 35, 5, 40), box(20, 30, 40, 40)],
                             crs=GRID.crs)
    out = bsp_table({2016: np.full((4, 4), 0.1, np.float32)}, None, mines, GRID, BSP_NDVI).set_index("mine_id")
    assert out.loc["tiny", "valid_px"] == pytest.approx(0.25) and np.isnan(out.loc["tiny", "bsp_pct"])
    assert out.loc["two", "bsp_pct"] == pytest.approx(100)
    assert "1 mine-years of 1 mines have less than one pixel's area observed (smallest 0.25 px, mine tiny)" in \
        caplog.text


def test_duplicate_mine_ids():
    mines = gpd.GeoDataFrame({"mine_id": ["A", "A"]}, geometry=[box(0, 30, 10, 40)] * 2, crs=GRID.crs)
    with pytest.raises(ValueError, match=r"duplicate mine_id values \['A'\]"):
        bsp_table({2016: np.zeros((4, 4), np.float32)}, np.zeros((4, 4), bool), mines, GRID, BSP_NDVI)


def test_restoration_rate_conventions():
    bare = pd.Series([4.0, 2.0, 0.0])
    assert restoration_rate(bare, 4.0, "base").tolist() == [0, 50, 100]
    printed = restoration_rate(bare, 4.0, "printed")
    assert printed[:2].tolist() == [0, 100] and np.isnan(printed[2])
    assert np.isnan(restoration_rate(pd.Series([1.0]), 0.0, "base")[0])
    with pytest.raises(ValueError, match="'other'"):
        restoration_rate(bare, 4.0, "other")


def bsp_frame(rows):
    return pd.DataFrame(rows, columns=["mine_id", "year", "bsp_pct"])


def test_rate_tables_sum_bsp_times_area_by_subregion():
    bsp = bsp_frame([("A", 2016, 100), ("A", 2017, 50), ("B", 2016, 60), ("B", 2017, 20)])
    mines = pd.DataFrame({"mine_id": ["A", "B"], "subregion": ["up", "up"], "area_km2": [0.1, 0.1]})
    by_sub, by_mine = rate_tables(bsp, mines, base_year=2016, convention=CONVENTION)
    row = by_sub[(by_sub["subregion"] == "up") & (by_sub["year"] == 2017)].iloc[0]
    assert row["bare_km2_base"] == pytest.approx(0.16) and row["bare_km2"] == pytest.approx(0.07)
    assert row["rr_pct"] == pytest.approx(100 * (0.16 - 0.07) / 0.16)
    assert (row["n_mines"], row["n_left_out"]) == (2, 0)
    assert set(by_sub["subregion"]) == {"up", "all"}
    a = by_mine[(by_mine["mine_id"] == "A") & (by_mine["year"] == 2017)].iloc[0]
    assert a["rr_pct"] == pytest.approx(50)


def test_clouds_do_not_count_as_restoration():
    """A mine 100 % bare in both years, 30 % clouded in one: its BSP over the clear pixels is still 100 %, so
    RR = 0 (bare pixels among the clear ones x pixel area gave 30 % before)."""
    mines = pd.DataFrame({"mine_id": ["A"], "subregion": ["up"], "area_km2": [1.0]})
    ndvi = {2016: np.full((10, 10), 0.1, np.float32), 2017: np.full((10, 10), 0.1, np.float32)}
    ndvi[2017][:3] = np.nan  # 30 % cloud
    grid = Grid.from_bounds("EPSG:32650", (0, 0, 1000, 1000), 100)
    polygons = gpd.GeoDataFrame(mines, geometry=[box(0, 0, 1000, 1000)], crs=grid.crs)
    bsp = bsp_table(ndvi, np.zeros((10, 10), bool), polygons, grid, BSP_NDVI)
    by_sub, _ = rate_tables(bsp, mines, 2016, CONVENTION)
    assert by_sub["rr_pct"].tolist() == pytest.approx([0.0, 0.0, 0.0, 0.0])


def test_a_mine_without_a_bsp_is_left_out_of_both_sums_and_counted():
    bsp = bsp_frame([("A", 2016, 100), ("A", 2017, 50), ("B", 2016, np.nan), ("B", 2017, 20),
                     ("C", 2016, 40), ("C", 2017, np.nan)])
    mines = pd.DataFrame({"mine_id": ["A", "B", "C"], "subregion": ["up", "up", "down"], "area_km2": [0.2, 0.5, 1.0]})
    by_sub, by_mine = rate_tables(bsp, mines, 2016, CONVENTION)
    row = by_sub.set_index(["subregion", "year"]).loc[("all", 2017)]
    assert (row["n_mines"], row["n_left_out"]) == (1, 2)
    assert (row["bare_km2_base"], row["bare_km2"]) == pytest.approx((0.2, 0.1))
    down = by_sub.set_index(["subregion", "year"]).loc[("down", 2017)]
    assert (down["n_mines"], down["n_left_out"]) == (0, 1) and np.isnan(down["rr_pct"])
    base = by_sub.set_index(["subregion", "year"]).loc[("all", 2016)]
    assert (base["n_mines"], base["bare_km2"]) == (2, pytest.approx(0.6))
    assert by_mine.set_index(["mine_id", "year"])["rr_pct"].isna().loc[[("B", 2017), ("C", 2017)]].all()


def test_rate_tables_with_a_subregion_named_all():
    bsp = bsp_frame([("A", 2016, 100), ("A", 2017, 50)])
    mines = pd.DataFrame({"mine_id": ["A"], "subregion": ["all"], "area_km2": [0.1]})
    by_sub, _ = rate_tables(bsp, mines, 2016, CONVENTION)
    assert len(by_sub) == 2 and by_sub["bare_km2"].tolist() == pytest.approx([0.1, 0.05])
