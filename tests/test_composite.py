"""Compositing: hand-computed medians and percentiles, counts, seasons, and invariants (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from minerestore.composite.season import COMPOSITE_BANDS, composite, nan_percentile
from minerestore.indices import ndvi
from minerestore.sources.common import in_season

BANDS = ("blue", "green", "red", "nir", "swir1", "swir2")


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
    c = composite(o, (2,))
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
    c = composite([obs([0.1], [0.5], [0])], (1,))
    assert np.isnan(c["red"][0]) and np.isnan(c["ndvi"][0]) and np.isnan(c["lst"][0])
    assert c["n_obs"][0] == 0
    empty = composite([], (2, 2))
    assert np.isnan(empty["nir"]).all() and (empty["n_obs"] == 0).all()


def test_lst_only_observations_do_not_count_as_reflectance():
    lst_only = {"lst": np.array([290.0], np.float32), "clear": np.array([True]), "snow": np.array([False])}
    c = composite([obs([0.1], [0.5], [1]), lst_only], (1,))
    assert c["lst"][0] == pytest.approx(290.0)
    assert c["n_obs"][0] == 1
    assert c["red"][0] == pytest.approx(0.1)


@pytest.mark.parametrize("month,start,end,expected", [
    (6, 6, 9, True), (9, 6, 9, True), (5, 6, 9, False), (10, 6, 9, False),
    (12, 11, 2, True), (1, 11, 2, True), (3, 11, 2, False),
])
def test_season_with_wrap(month, start, end, expected):
    assert in_season(month, start, end) is expected


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
    c = composite(o, (3,))
    shuffled = composite([o[i] for i in order], (3,))
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
    stack=arrays(np.float32, st.tuples(st.integers(1, 9), st.integers(1, 5)),
                 elements=st.one_of(st.just(np.nan), st.floats(-1, 1, width=32))),
    q=st.floats(0, 100),
)
def test_nan_percentile_equals_numpy(stack, q):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(stack.astype(np.float64), q, axis=0)
    np.testing.assert_allclose(nan_percentile(stack, q), expected, rtol=1e-5, atol=1e-6)
