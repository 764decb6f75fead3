"""Mann–Kendall and Sen's slope: the grid function equals pymannkendall pixel by pixel (hypothesis: ties, NaNs,
short series), exact small-sample p, status rules, per-mine table."""

import warnings

import numpy as np
import pandas as pd
import pymannkendall as mk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from minerestore.restoration.trend import classify, exact_p, mann_kendall_grid, mann_kendall_table

# the schema's defaults (the study's values): thresholds.mk_alpha, restoration.min_years, restoration.exact_p_max_n
ALPHA, MIN_YEARS, EXACT_P_MAX_N = 0.05, 5, 10
FIELDS = {"slope": "slope", "intercept": "intercept", "z": "z", "p": "p", "tau": "Tau", "s": "s", "var_s": "var_s"}
TREND = {"increasing": 1, "decreasing": -1, "no trend": 0}

# values from a small set so ties are frequent; NaN for missing years
values = st.one_of(st.just(np.nan), st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0]), st.floats(-100, 100))


def check_against_pymannkendall(stack, alpha):
    grid = mann_kendall_grid(stack, alpha, block_rows=2)
    for r in range(stack.shape[1]):
        for c in range(stack.shape[2]):
            series = stack[:, r, c]
            n = int(np.isfinite(series).sum())
            assert grid["n"][r, c] == n
            if n < 2:  # pymannkendall divides by zero there
                assert grid["trend"][r, c] == 0 and grid["p"][r, c] == 1
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                ref = mk.original_test(series, alpha=alpha)
            for ours, theirs in FIELDS.items():
                np.testing.assert_allclose(grid[ours][r, c], getattr(ref, theirs), rtol=1e-9, atol=1e-9,
                                           equal_nan=True, err_msg=f"{ours} of {series}")
            assert grid["trend"][r, c] == TREND[ref.trend]


@settings(max_examples=150, deadline=None)
@given(stack=arrays(np.float64, st.tuples(st.integers(1, 9), st.integers(1, 3), st.integers(1, 3)), elements=values),
       alpha=st.sampled_from([0.01, 0.05, 0.1]))
def test_grid_equals_pymannkendall(stack, alpha):
    check_against_pymannkendall(stack, alpha)


def test_grid_on_a_realistic_stack():
    rng = np.random.default_rng(1)
    years = np.arange(7)[:, None, None]
    stack = 0.5 + 0.03 * years * rng.choice([-1, 0, 1], size=(1, 20, 20)) + rng.normal(0, 0.02, (7, 20, 20))
    stack[rng.uniform(size=stack.shape) < 0.1] = np.nan
    check_against_pymannkendall(np.round(stack, 2), 0.05)


def test_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="years, rows, cols"):
        mann_kendall_grid(np.zeros((3, 3)), ALPHA)
    with pytest.raises(ValueError, match="alpha"):
        mann_kendall_grid(np.zeros((3, 2, 2)), alpha=1.5)


@pytest.mark.parametrize("s,n,expected", [(15, 7, 0.0302), (17, 7, 0.0107), (10, 5, 0.0167), (6, 4, 0.0833),
                                          (1, 7, 1.0)])
def test_exact_p_matches_methods_table(s, n, expected):
    assert exact_p(series_with_s(s, n)) == pytest.approx(expected, abs=1e-4)
    assert exact_p(series_with_s(-s, n)) == exact_p(series_with_s(s, n))


def series_with_s(s: int, n: int) -> np.ndarray:
    """A series of n distinct values whose Mann–Kendall S is s: a permutation with (n(n−1)/2 − s)/2 inversions."""
    inversions = (n * (n - 1) // 2 - s) // 2
    out = []
    for i in range(n):  # insert value i before k larger-positioned ones: k more inversions (Lehmer code)
        k = min(inversions, len(out))
        out.insert(len(out) - k, i)
        inversions -= k
    x = np.array(out, float)
    assert sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n)) == s
    return x


def test_exact_p_by_enumeration():
    from itertools import permutations

    n = 6
    perms = list(permutations(range(n)))
    scores = [sum(np.sign(p[j] - p[i]) for i in range(n) for j in range(i + 1, n)) for p in perms]
    for s in (5, 9, 15):
        x = np.array(perms[scores.index(s)], float)
        assert exact_p(x) == pytest.approx(np.mean(np.abs(scores) >= s))


def test_exact_p_refuses_ties():
    with pytest.raises(ValueError, match="ties"):
        exact_p(np.array([1.0, 2.0, 2.0, 3.0]))


@pytest.mark.parametrize("s,p,n,status", [(-15, 0.01, 7, "abandoned"), (15, 0.01, 7, "active"),
                                          (-15, 0.2, 7, "no_trend"), (-6, 0.01, 4, "insufficient")])
def test_classify(s, p, n, status):
    assert classify(s, p, n, alpha=0.05, min_years=5) == status


def table(series: dict) -> pd.DataFrame:
    years = list(range(2016, 2023))
    return pd.DataFrame([{"mine_id": k, "year": y, "bsp_pct": v} for k, vals in series.items()
                         for y, v in zip(years, vals)])


def test_mine_table():
    years = list(range(2016, 2023))
    out = mann_kendall_table(table({
        "restoring": [100, 90, 70, 40, 20, 10, 5],
        "active": [30, 40, 55, 60, 80, 90, 100],
        "constant": [80] * 7,
        "gappy": [100, np.nan, 70, np.nan, np.nan, 10, np.nan],  # 3 valid years
        "with_nan": [100, 90, np.nan, 40, 20, 10, 5],
    }), years, ALPHA, MIN_YEARS, EXACT_P_MAX_N).set_index("mine_id")
    assert out.loc["restoring", "status"] == "abandoned"
    assert out.loc["restoring", "p_exact"] == pytest.approx(2 / 5040)  # S = -21: only the reversed order
    assert out.loc["active", "status"] == "active"
    assert out.loc["constant", "status"] == "no_trend" and out.loc["constant", "sen_slope"] == 0
    assert out.loc["gappy", "status"] == "insufficient" and out.loc["gappy", "n"] == 3
    assert out.loc["with_nan", "n"] == 6 and out.loc["with_nan", "status"] == "abandoned"
    ref = mk.original_test([100, 90, np.nan, 40, 20, 10, 5])
    assert out.loc["with_nan", "sen_slope"] == pytest.approx(ref.slope)
    assert out.loc["with_nan", "z"] == pytest.approx(ref.z)


def test_ties_use_the_normal_p():
    out = mann_kendall_table(table({"tied": [100, 100, 100, 100, 100, 32, 0]}), list(range(2016, 2023)), ALPHA,
                             MIN_YEARS, EXACT_P_MAX_N)
    assert np.isnan(out.loc[0, "p_exact"]) and out.loc[0, "p_used"] == out.loc[0, "p"]


def test_missing_years_are_named():
    frame = table({"a": [1, 2, 3, 4, 5, 6, 7]})
    with pytest.raises(ValueError, match=r"no value for years \[2023, 2024\]"):
        mann_kendall_table(frame, list(range(2016, 2025)), ALPHA, MIN_YEARS, EXACT_P_MAX_N)


def test_spaced_years_give_slope_per_year():
    """Composites every 3 years (years.step): Sen's slope is per year, i.e. pymannkendall's per-step slope / 3."""
    years = [2001, 2004, 2007, 2010, 2013, 2016]
    values = [80.0, 71.0, 65.0, 50.0, 41.0, 35.0]
    bsp = pd.DataFrame({"mine_id": "A", "year": years, "bsp_pct": values})
    row = mann_kendall_table(bsp, years, ALPHA, MIN_YEARS, EXACT_P_MAX_N).iloc[0]
    assert row["sen_slope"] == pytest.approx(mk.original_test(values).slope / 3)
    assert row["sen_slope"] == pytest.approx(-3.0)  # median of pairwise (v_j - v_i) / (year_j - year_i), by hand
    grid = mann_kendall_grid(np.array(values)[:, None, None], ALPHA, years=years)
    assert grid["slope"][0, 0] == pytest.approx(-3.0) and grid["intercept"][0, 0] == pytest.approx(row["intercept"])


def test_unevenly_spaced_years_give_slope_per_year():
    """Years listed explicitly (years: [2001, 2002, 2005, 2013]): Sen's slope is the median of the pairwise slopes
    over the actual years, per mine and per pixel."""
    years, values = [2001, 2002, 2005, 2013], [90.0, 88.0, 70.0, 30.0]
    # pairwise slopes: -2, -5, -5, -6, -5.27, -5 -> median -5; intercept median(x) - median(t - 2001) * slope
    # = 79 - 2.5 * -5 = 91.5
    bsp = pd.DataFrame({"mine_id": "A", "year": years, "bsp_pct": values})
    row = mann_kendall_table(bsp, years, ALPHA, min_years=3, exact_max_n=EXACT_P_MAX_N).iloc[0]
    assert (row["sen_slope"], row["intercept"]) == (pytest.approx(-5.0), pytest.approx(91.5))
    grid = mann_kendall_grid(np.array(values)[:, None, None], ALPHA, years=years)
    assert (grid["slope"][0, 0], grid["intercept"][0, 0]) == (pytest.approx(-5.0), pytest.approx(91.5))
    assert row["s"] == grid["s"][0, 0] == -6  # the test itself only uses the order
    with pytest.raises(ValueError, match="increasing year per layer"):
        mann_kendall_grid(np.zeros((3, 1, 1)), ALPHA, years=[2001, 2001, 2002])


def test_status_counts_per_subregion_and_all_once():
    from minerestore.restoration.trend import status_counts

    table = pd.DataFrame({"mine_id": ["a", "b", "c"], "status": ["abandoned", "active", "abandoned"]})
    mines = pd.DataFrame({"mine_id": ["a", "b", "c"], "subregion": ["upstream", "upstream", "downstream"]})
    counts = status_counts(table, mines).set_index(["subregion", "status"])["n_mines"].to_dict()
    assert counts == {("all", "abandoned"): 2, ("all", "active"): 1, ("downstream", "abandoned"): 1,
                      ("upstream", "abandoned"): 1, ("upstream", "active"): 1}
