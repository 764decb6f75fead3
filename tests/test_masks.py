"""Mask rules and candidate cleaning on small arrays (methods.md §4)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from minerestore.seasons import period_dates
from minerestore.mask import land as masks
from minerestore.mask import patches
from minerestore.raster.grid import Grid


def test_water_ratio_and_buffer():
    history = np.zeros((10, 1, 9), np.uint8)
    history[:, 0, :] = 1
    history[:2, 0, 4] = 2  # 2 of 10 valid months water -> 0.2 > 0.1
    history[:1, 0, 1] = 2  # 1 of 10 -> 0.1, not > 0.1
    history[:, 0, 7] = 0  # never observed
    history[0, 0, 7] = 2  # ... except once, as water -> ratio 1
    w = masks.water_from_history(history, 0.1, 0, 10)
    assert w[0].tolist() == [False, False, False, False, True, False, False, True, False]
    buffered = masks.water_from_history(history, 0.1, 20, 10)  # 2 pixels
    assert buffered[0].tolist() == [False, False, True, True, True, True, True, True, True]


def test_mndwi_fallback():
    green = np.array([[[0.1, 0.1]], [[0.1, 0.3]], [[np.nan, 0.3]]])
    swir1 = np.array([[[0.05, 0.2]], [[0.2, 0.1]], [[np.nan, 0.1]]])
    # pixel 0: MNDWI > 0 in 1 of 2 valid years (0.5); pixel 1: 2 of 3 years
    w = masks.water_from_mndwi(green, swir1, threshold=0.0, ratio=0.5, buffer_m=0, resolution=10)
    assert w[0].tolist() == [False, True]


def test_vegetation_from_the_p90_of_the_period():
    p90 = np.array([[0.3, 0.2, np.nan, 0.26]])
    assert masks.vegetation(p90, 0.25)[0].tolist() == [True, False, False, True]


def test_snow_ratio():
    n_snow = np.array([[2, 0, 3]])
    n_obs = np.array([[6, 4, 2]])
    # ratios 2/8 = 0.25, 0/4, 3/5
    assert masks.snow(n_snow, n_obs, 0.2)[0].tolist() == [True, False, True]


def test_mask_periods_default_to_the_study_design():
    years = [2016, 2017, 2018]
    assert period_dates({}, years) == {
        "vegetation": [("2016-01-01", "2016-12-31"), ("2017-01-01", "2017-12-31"), ("2018-01-01", "2018-12-31")],
        "snow": [("2016-01-01", "2018-12-31")]}
    chosen = period_dates({"vegetation_dates": ["2015-06-23", "2016-06-23"], "snow_years": [2016, 2017]}, years)
    assert chosen == {"vegetation": [("2015-06-23", "2016-06-23")], "snow": [("2016-01-01", "2017-12-31")]}


def test_seasonal_snow_is_masked_from_every_month():
    """Snow lying only in April: invisible to the June-September composites, masked by the snow period, which
    counts every scene of the snow years (issue 13 item 4)."""
    from minerestore.composite.season import composite, period_acquisitions, season_acquisitions

    table = pd.DataFrame({"path": ["a.tif", "b.tif", "c.tif", "d.tif", "e.tif"],
                          "date": ["2016-04-10", "2016-06-15", "2016-07-15", "2016-08-15", "2017-04-10"],
                          "sensor": "sentinel2_l2a"})
    table["year"] = pd.to_datetime(table["date"]).dt.year
    table["in_season"] = pd.to_datetime(table["date"]).dt.month.between(6, 9)
    season = season_acquisitions(table, [2016], {"sentinel2"}, (6, 9))
    period = period_acquisitions(table, date(2016, 1, 1), date(2016, 12, 31), {"sentinel2"})
    assert [a.path for a in season] == ["b.tif", "c.tif", "d.tif"]
    assert [a.path for a in period] == ["a.tif", "b.tif", "c.tif", "d.tif"]

    def observation(snowy):
        bands = {b: np.full((1, 1), 0.2, np.float32) for b in ("blue", "green", "red", "nir", "swir1", "swir2")}
        return {**bands, "clear": np.array([[not snowy]]), "snow": np.array([[snowy]])}

    by_date = {"a.tif": True, "b.tif": False, "c.tif": False, "d.tif": False}  # April snow only
    for chosen, expected in ((season, False), (period, True)):
        c = composite([observation(by_date[a.path]) for a in chosen], (1, 1), 90.0, "median")  # the schema's defaults
        assert masks.snow(c["n_snow"], c["n_obs"], 0.2)[0, 0] == expected


def test_builtup_classes():
    assert masks.builtup(np.array([10, 50, 60, 50]), [50]).tolist() == [False, True, False, True]


def test_clean_removes_isolated_pixels_and_small_patches():
    m = np.zeros((12, 12), bool)
    m[1:5, 1:5] = True  # 16 px
    m[8:10, 8:10] = True  # 4 px
    m[0, 11] = True  # isolated
    square = patches.structuring_element("square", 0)
    out = patches.clean(m, square, 5 * 100, 10)  # 5 px minimum at 10 m
    assert out.sum() == 16 and out[1:5, 1:5].all()
    opened = patches.clean(m, patches.structuring_element("disk", 1), 0, 10)
    assert not opened[0, 11] and opened[2:4, 2:4].all()
    with pytest.raises(ValueError, match="'hexagon'"):
        patches.structuring_element("hexagon", 1)


def test_vectorise_patches():
    grid = Grid("EPSG:32650", Affine(10, 0, 1000, 0, -10, 2000), 6, 6)
    m = np.zeros((6, 6), bool)
    m[0:2, 0:2] = True
    m[2, 2] = True  # diagonal neighbour: same 8-connected patch
    m[5, 5] = True
    frame = patches.vectorise(m, grid)
    assert frame["candidate_id"].tolist() == ["C00001", "C00002"]
    assert frame["area_km2"].round(6).tolist() == [0.0005, 0.0001]


def test_filter_candidates_rules():
    rules = {"min_area_km2": 0.002, "max_area_km2": 1, "min_compactness": 0.1, "max_mean_slope_deg": 20,
             "min_brightness": 0.17, "min_ndvi_range": 0.15}
    f = pd.DataFrame({
        "area_m2": [5000, 5000, 5000, 1000, 5000, 5000],
        "compactness": [0.5, 0.5, 0.5, 0.5, 0.05, 0.5],
        "mean_slope": [5, 5, 5, 5, 5, 30],
        "mean_brightness": [0.2, 0.1, 0.1, 0.2, 0.2, 0.2],
        "mean_ndvi_range": [0.0, 0.3, 0.0, 0.3, 0.3, 0.3],
    })
    assert patches.filter_candidates(f, rules).tolist() == [True, True, False, False, False, False]


def test_water_from_occurrence():
    """JRC GSW occurrence (%): water where occurrence / 100 > ratio; 255 (never observed) is not water."""
    from minerestore.mask.land import water_from_occurrence

    occ = np.array([[0, 5, 10, 11, 100, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(water_from_occurrence(occ, 0.1, 0, 30),
                                  [[False, False, False, True, True, False]])
    grown = water_from_occurrence(np.pad(occ[:, 4:5], 3), 0.1, 30, 30)  # one water pixel, 30 m buffer at 30 m
    assert grown.sum() == 5


def test_area_table_and_shares_add_up_over_tiles():
    """Counts of two tiles add up; shares are of the study area; 'remaining' is what no mask covers."""
    import pandas as pd

    from minerestore.mask.land import area_shares, area_table

    inside = np.array([[True, True, False], [True, True, True]])
    masks = {"water": np.array([[1, 0, 255], [0, 0, 0]], np.uint8),
             "vegetation": np.array([[1, 1, 255], [0, 0, 0]], np.uint8),
             "snow": np.zeros((2, 3), np.uint8), "builtup": np.array([[0, 0, 255], [0, 0, 1]], np.uint8)}
    tile = area_table(masks, inside)
    counts = dict(zip(tile["class"], tile["n_px"]))
    assert counts == {"water": 1, "vegetation": 2, "snow": 0, "builtup": 1, "remaining": 2, "inside": 5}
    table = area_shares(pd.concat([tile, tile]), resolution=10.0).set_index("class")
    assert table.loc["vegetation", "area_km2"] == pytest.approx(4 * 100 / 1e6)
    assert table.loc["remaining", "share_pct"] == pytest.approx(40.0)
    assert list(table.index) == ["water", "vegetation", "snow", "builtup", "remaining"]
