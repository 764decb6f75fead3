"""Compositing: hand-computed medians and percentiles, counts, seasons, and invariants (hypothesis)."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from minerestore.composite.season import COMPOSITE_BANDS, composite, read_ingested, season_acquisitions
from minerestore.indices import ndvi
from minerestore.numeric import _sorting_network, nan_percentile, nan_sort
from minerestore.seasons import epoch_years, in_season, season_dates, season_year, year_batches

BANDS = ("blue", "green", "red", "nir", "swir1", "swir2")
# the schema's defaults (the study's): composite.ndvi_percentile, composite.statistic
PERCENTILE, STATISTIC = 90.0, "median"


def obs(red, nir, clear, snow=None, lst=None, fill=0.1):
    red, nir, clear = (np.asarray(a, dtype=float) for a in (red, nir, clear))
    clear = clear.astype(bool)
    out = {b: np.full(red.shape, fill, np.float32) for b in BANDS}
    out["red"], out["nir"] = red.astype(np.float32), nir.astype(np.float32)
    if lst is not None:
        out["lst"] = np.asarray(lst, np.float32)
    for b in out:
        out[b] = np.where(clear, out[b], np.nan).astype(np.float32)
    out["clear"] = clear
    out["snow"] = np.zeros(red.shape, bool) if snow is None else np.asarray(snow, bool)
    return out


def test_median_counts_and_percentile_by_hand():
    o = [
        obs([0.1, 0.2], [0.5, 0.3], [1, 1], lst=[300, 310]),
        obs([0.3, 0.2], [0.3, 0.3], [1, 0], snow=[0, 1], lst=[302, 999]),
        obs([0.2, 0.2], [0.6, 0.3], [1, 0], lst=[304, 999]),
    ]
    c = composite(o, (2,), PERCENTILE, STATISTIC)
    assert c["red"][0] == pytest.approx(0.2)  # median of 0.1, 0.3, 0.2
    assert c["red"][1] == pytest.approx(0.2)  # only one clear observation
    assert c["lst"].tolist() == pytest.approx([302, 310])
    ndvis = [(0.5 - 0.1) / 0.6, 0.0, (0.6 - 0.2) / 0.8]
    assert c["ndvi"][0] == pytest.approx(np.median(ndvis))
    assert c["ndvi_p90"][0] == pytest.approx(np.percentile(ndvis, 90))
    assert c["n_obs"].tolist() == [3, 1]
    assert c["n_snow"].tolist() == [0, 1]
    assert set(c) == set(COMPOSITE_BANDS)
    assert all(v.dtype == np.float32 for v in c.values())


def test_no_observation_gives_nan_and_zero_counts():
    c = composite([obs([0.1], [0.5], [0])], (1,), PERCENTILE, STATISTIC)
    assert np.isnan(c["red"][0]) and np.isnan(c["ndvi"][0]) and np.isnan(c["lst"][0])
    assert c["n_obs"][0] == 0
    empty = composite([], (2, 2), PERCENTILE, STATISTIC)
    assert np.isnan(empty["nir"]).all() and (empty["n_obs"] == 0).all()


def test_lst_only_observations_do_not_count_as_reflectance():
    lst_only = {"lst": np.array([290.0], np.float32), "clear": np.array([True]), "snow": np.array([False])}
    c = composite([obs([0.1], [0.5], [1]), lst_only], (1,), PERCENTILE, STATISTIC)
    assert c["lst"][0] == pytest.approx(290.0)
    assert c["n_obs"][0] == 1
    assert c["red"][0] == pytest.approx(0.1)


@pytest.mark.parametrize("month,start,end,expected", [
    (6, 6, 9, True), (9, 6, 9, True), (5, 6, 9, False), (10, 6, 9, False),
    (12, 11, 2, True), (1, 11, 2, True), (3, 11, 2, False),
])
def test_season_with_wrap(month, start, end, expected):
    assert in_season(month, start, end) is expected


@pytest.mark.bad_input
def test_a_season_across_the_new_year_is_one_season_per_analysis_year():
    """November–February: the season of 2019 is November 2018 to February 2019 (the year it ends in), so each
    analysis year pools one whole summer, not the end of one and the start of the next."""
    assert season_dates(2019, (11, 2)) == (date(2018, 11, 1), date(2019, 2, 28))
    assert season_dates(2020, (11, 2)) == (date(2019, 11, 1), date(2020, 2, 29))
    assert season_dates(2019, (6, 9)) == (date(2019, 6, 1), date(2019, 9, 30))
    assert season_dates(2019, (1, 12)) == (date(2019, 1, 1), date(2019, 12, 31))
    assert [season_year(date(*d), 11, 2) for d in ((2018, 11, 5), (2018, 12, 31), (2019, 1, 1), (2019, 2, 28),
                                                   (2019, 3, 1), (2019, 11, 1))] == [2019, 2019, 2019, 2019, None, 2020]
    assert [season_year(date(2019, m, 1), 6, 9) for m in (5, 6, 9, 10)] == [None, 2019, 2019, None]
    dates = ["2018-11-20", "2019-01-15", "2019-02-10", "2019-06-01", "2019-12-05", "2020-01-20"]
    table = pd.DataFrame({"path": [f"{d}.tif" for d in dates], "date": dates, "sensor": "sentinel2_l2a"})
    fed = {y: [a.date.isoformat() for a in season_acquisitions(table, [y], {"sentinel2"}, (11, 2))]
           for y in (2019, 2020)}
    assert fed == {2019: ["2018-11-20", "2019-01-15", "2019-02-10"], 2020: ["2019-12-05", "2020-01-20"]}


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)), st.integers(1, 12), st.integers(1, 12))
def test_a_day_in_a_season_lies_within_the_dates_of_its_season_year(day, start, end):
    year = season_year(day, start, end)
    assert (year is None) == (not in_season(day.month, start, end))
    if year is not None:
        first, last = season_dates(year, (start, end))
        assert first <= day <= last


def test_ndvi_by_hand():
    assert ndvi(np.array([0.1]), np.array([0.5]))[0] == pytest.approx(0.4 / 0.6)
    assert np.isnan(ndvi(np.array([0.0]), np.array([0.0]))[0])
    assert np.isnan(ndvi(np.array([np.nan]), np.array([0.3]))[0])


refl = arrays(np.float32, (4, 3), elements=st.floats(0.015625, 0.75, width=32))
clear_masks = arrays(bool, (4, 3))


@settings(max_examples=60, deadline=None)
@given(red=refl, nir=refl, clear=clear_masks, order=st.permutations(range(4)))
def test_median_within_clear_range_and_order_free(red, nir, clear, order):
    o = [obs(red[i], nir[i], clear[i]) for i in range(4)]
    c = composite(o, (3,), PERCENTILE, STATISTIC)
    shuffled = composite([o[i] for i in order], (3,), PERCENTILE, STATISTIC)
    np.testing.assert_array_equal(c["red"], shuffled["red"])
    np.testing.assert_array_equal(c["ndvi_p90"], shuffled["ndvi_p90"])
    for j in range(3):
        values = red[clear[:, j], j]
        assert c["n_obs"][j] == clear[:, j].sum()
        if values.size:
            assert values.min() - 1e-6 <= c["red"][j] <= values.max() + 1e-6
            assert c["ndvi"][j] <= c["ndvi_p90"][j] + 1e-6
        else:
            assert np.isnan(c["red"][j])


@settings(max_examples=100, deadline=None)
@given(
    stack=arrays(np.float32, st.tuples(st.integers(1, 70), st.integers(1, 5)),
                 elements=st.one_of(st.just(np.nan), st.floats(-1, 1, width=32))),
    q=st.floats(0, 100),
)
def test_nan_percentile_equals_numpy(stack, q):
    """Through the sorting network (up to 64 observations) and numpy's sort (beyond)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(stack.astype(np.float64), q, axis=0)
    np.testing.assert_allclose(nan_percentile(stack, q), expected, rtol=1e-5, atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(stack=arrays(np.float32, st.tuples(st.integers(0, 64), st.integers(1, 4)),
                    elements=st.one_of(st.just(np.nan), st.just(np.inf), st.floats(-1e6, 1e6, width=32))))
def test_nan_sort_equals_numpy_sort(stack):
    np.testing.assert_array_equal(nan_sort(stack), np.sort(stack, axis=0))


def test_sorting_network_sizes():
    """Batcher's odd-even merge sort has 1, 5 and 19 comparators for 2, 4 and 8 items (Knuth, TAOCP 3, §5.3.4);
    3 items keep 3 of the 4-item network's 5 (the two that reach the padding go)."""
    assert [len(_sorting_network(n)) for n in (1, 2, 3, 4, 8)] == [0, 1, 3, 5, 19]


def test_mean_statistic_by_hand():
    o = [obs([0.1], [0.5], [1], lst=[300]), obs([0.3], [0.3], [1], lst=[303]), obs([0.5], [0.6], [1], lst=[309])]
    c = composite(o, (1,), PERCENTILE, statistic="mean")
    assert c["red"][0] == pytest.approx(0.3)  # (0.1 + 0.3 + 0.5) / 3; the median would also be 0.3
    assert c["nir"][0] == pytest.approx(1.4 / 3)  # the median would be 0.5
    assert c["lst"][0] == pytest.approx(304.0)
    ndvis = [0.4 / 0.6, 0.0, 0.1 / 1.1]
    assert c["ndvi"][0] == pytest.approx(np.mean(ndvis))
    assert c["ndvi_p90"][0] == pytest.approx(np.percentile(ndvis, 90))  # the percentile layer stays a percentile
    cloudy = composite([obs([0.1], [0.5], [1]), obs([0.9], [0.9], [0])], (1,), PERCENTILE, statistic="mean")
    assert cloudy["red"][0] == pytest.approx(0.1)  # a masked observation does not count
    with pytest.raises(ValueError, match="statistic 'max'"):
        composite(o, (1,), PERCENTILE, statistic="max")


def test_ndvi_product_observations_replace_ndvi_from_reflectance():
    mod13 = {"ndvi": np.array([0.70, np.nan], np.float32), "clear": np.array([True, False]),
             "snow": np.array([False, False])}
    mod13b = {"ndvi": np.array([0.80, 0.60], np.float32), "clear": np.array([True, True]),
              "snow": np.array([False, False])}
    c = composite([obs([0.1, 0.1], [0.5, 0.5], [1, 1]), mod13, mod13b], (2,), PERCENTILE, statistic="mean")
    assert c["ndvi"].tolist() == pytest.approx([0.75, 0.60])  # the NDVI product, not (0.5 - 0.1) / 0.6
    assert c["red"].tolist() == pytest.approx([0.1, 0.1])
    assert c["n_obs"].tolist() == [1, 1]  # NDVI-only observations are not reflectance observations


def test_modis_band_5_is_composited_and_nan_for_other_sensors():
    modis = obs([0.1], [0.5], [1]) | {"swir1240": np.array([0.3], np.float32)}
    assert composite([modis], (1,), PERCENTILE, STATISTIC)["swir1240"][0] == pytest.approx(0.3)
    assert np.isnan(composite([obs([0.1], [0.5], [1])], (1,), PERCENTILE, STATISTIC)["swir1240"][0])


@pytest.mark.parametrize("window, expected", [(1, [2022]), (3, [2021, 2022, 2023]), (2, [2022, 2023]),
                                              (5, [2020, 2021, 2022, 2023, 2024])])
def test_epoch_years(window, expected):
    assert epoch_years(2022, window) == expected


@pytest.mark.parametrize("tile_pixels, batch_px, expected", [
    (128 * 128, 2 ** 20, {"2016-2022": list(range(2016, 2023))}),  # the tiny config's tiles: 64 years per job
    (1000 * 1000, 2 ** 20, {str(y): [y] for y in range(2016, 2023)}),  # the demo's 1 MP: one year per job
    (2048 * 2048, 2 ** 20, {str(y): [y] for y in range(2016, 2023)}),
    (250 * 250, 2 ** 18, {"2016-2019": [2016, 2017, 2018, 2019], "2020-2022": [2020, 2021, 2022]}),  # 4.19 -> 4
    (128 * 128, 0, {str(y): [y] for y in range(2016, 2023)}),  # 0: always one job per year
])
def test_year_batches(tile_pixels, batch_px, expected):
    assert year_batches(list(range(2016, 2023)), tile_pixels, batch_px) == expected


def test_year_batches_keep_listed_years_in_order():
    assert year_batches([2001, 2013], 41 * 41, 2 ** 20) == {"2001-2013": [2001, 2013]}


@given(st.lists(st.integers(1984, 2030), min_size=1, max_size=30, unique=True),
       st.integers(1, 10 ** 7), st.integers(0, 10 ** 8))
def test_year_batches_split_the_years_in_order_into_jobs_of_at_most_batch_px(years, tile_pixels, batch_px):
    batches = year_batches(years, tile_pixels, batch_px)
    assert [y for run in batches.values() for y in run] == years
    per_job = max(1, batch_px // tile_pixels)
    assert all(1 <= len(run) <= per_job for run in batches.values())
    assert all(len(run) == per_job for run in list(batches.values())[:-1])  # only the last run is short


@pytest.mark.parametrize("args", [([], 100, 10), ([2016], 0, 10), ([2016], 100, -1)])
def test_year_batches_reject_bad_arguments(args):
    with pytest.raises(ValueError, match="year_batches"):
        year_batches(*args)


@pytest.mark.parametrize("as_read", [False, True], ids=["dataframe", "read_ingested"])
def test_three_year_windows_feed_each_epoch_its_three_seasons(as_read, tmp_path):
    """The mining-cities design: years 2001–2022 every 3 years, window 3: the 2001 epoch pools the June–September
    scenes of 2000–2002, the 2022 epoch those of 2021–2023: every calendar year 2000–2023 feeds exactly one
    epoch, and a May scene (out of season) none. The same from the table as the composite jobs read it (csv)."""
    dates = ["2000-07-01", "2001-06-10", "2001-05-20", "2002-09-30", "2003-08-01", "2004-07-15", "2021-06-01",
             "2022-08-01", "2023-07-01"]
    table = pd.DataFrame({"path": [f"{d}.tif" for d in dates], "date": dates, "sensor": "modis_mod09a1"})
    table["year"] = pd.to_datetime(table["date"]).dt.year
    table["in_season"] = [in_season(m, 6, 9) for m in pd.to_datetime(table["date"]).dt.month]
    if as_read:
        table.to_csv(tmp_path / "acquisitions.csv", index=False)
        table = read_ingested(tmp_path / "acquisitions.csv")
    fed = {epoch: [a.date.isoformat() for a in season_acquisitions(table, epoch_years(epoch, 3), {"modis"}, (6, 9))]
           for epoch in range(2001, 2023, 3)}
    assert fed[2001] == ["2000-07-01", "2001-06-10", "2002-09-30"]
    assert fed[2004] == ["2003-08-01", "2004-07-15"]
    assert fed[2022] == ["2021-06-01", "2022-08-01", "2023-07-01"]
    assert fed[2007] == []


def test_ingested_table_without_a_column_is_refused(tmp_path):
    path = tmp_path / "acquisitions.csv"
    path.write_text("path,date,sensor\na.tif,2016-06-01,sentinel2_l2a\n")
    with pytest.raises(ValueError, match=r"acquisitions.csv: missing column\(s\) \['in_season'\]"):
        read_ingested(path)
