"""Mann–Kendall trend test and Sen's slope, per mine and per pixel (methods.md §6.2, §6.4).

Per series we call :func:`pymannkendall.original_test`. For whole rasters :func:`mann_kendall_grid` computes the
same quantities vectorised over pixels (pymannkendall loops in Python per series, which is ~10⁴x too slow for
10⁸ pixels); tests check it against pymannkendall pixel by pixel, ties and NaNs included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from minerestore.numeric import nan_percentile

if TYPE_CHECKING:  # pandas only for the per-mine tables: the per-pixel trend-map jobs do not import it
    import pandas as pd

GRID_FIELDS = ("slope", "intercept", "z", "p", "tau", "s", "var_s", "trend", "n")
#: The restoration statuses of :func:`classify`, in the order tables and figures list them.
STATUSES = ("abandoned", "active", "no_trend", "insufficient")


def mann_kendall_grid(stack: np.ndarray, alpha: float, block_rows: int = 256,
                      years: list[int] | None = None) -> dict[str, np.ndarray]:
    """Mann–Kendall original test and Sen's slope for every pixel of a yearly stack.

    Parameters
    ----------
    stack : ndarray (years, rows, cols) float; NaN = missing (skipped as in pymannkendall).
    alpha : significance level (config ``thresholds.mk_alpha``).
    block_rows : rows processed at a time (memory ~ years² x block_rows x cols x 8 bytes).
    years : the year of each layer (increasing, evenly spaced or not); None = 0, 1, 2, … (pymannkendall's
        positions: the slope is per layer).

    Returns
    -------
    dict of ndarray (rows, cols): ``slope`` (Sen's slope: median of (x_j − x_i) / (year_j − year_i), per year;
    NaN pairs ignored, positions kept), ``intercept`` (Conover: nanmedian(x) − median(valid years − first year)
    x slope, the value at the first year), ``z`` (continuity-corrected),
    ``p`` (two-sided, normal), ``tau`` (S / (n(n−1)/2)), ``s``, ``var_s`` (tie-corrected), ``trend`` (int8:
    −1 significant decrease, 0 none, +1 significant increase) and ``n`` (valid values) — float64 except
    ``trend``/``n``. Pixels with n < 2 (where pymannkendall raises ZeroDivisionError) get tau NaN, z 0, p 1,
    trend 0 and slope NaN.

    Raises
    ------
    ValueError
        If ``stack`` is not 3-D, ``alpha`` is not in (0, 1) or ``years`` is not one increasing year per layer.

    References
    ----------
    Mann (1945), Kendall (1975), Sen (1968), Conover (1980); pymannkendall ``original_test`` (methods.md §6.2).
    """
    if stack.ndim != 3:
        raise ValueError(f"stack must be (years, rows, cols), got shape {stack.shape}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    t, rows, cols = stack.shape
    times = np.arange(t, dtype=np.float64) if years is None else np.asarray(years, np.float64)
    if times.shape != (t,) or np.any(np.diff(times) <= 0):
        raise ValueError(f"years {years} must give one increasing year per layer of the {t}-layer stack")
    out = {k: np.empty((rows, cols), np.int8 if k == "trend" else np.float64) for k in GRID_FIELDS}
    for r in range(0, rows, block_rows):
        block = _mk_block(stack[:, r : r + block_rows].astype(np.float64), alpha, times - times[0])
        for k in GRID_FIELDS:
            out[k][r : r + block_rows] = block[k]
    return out


def _mk_block(x: np.ndarray, alpha: float, times: np.ndarray) -> dict[str, np.ndarray]:
    t = x.shape[0]
    valid = np.isfinite(x)
    n = valid.sum(axis=0).astype(np.float64)
    ties = np.zeros(x.shape[1:])
    pairs_i, pairs_j = np.triu_indices(t, k=1)
    slopes = (x[pairs_j] - x[pairs_i]) / (times[pairs_j] - times[pairs_i])[:, None, None]
    s = np.nansum(np.sign(x[pairs_j] - x[pairs_i]), axis=0)
    for i in range(t):
        same = np.sum((x == x[i]) & valid, axis=0)  # includes itself
        ties += np.where(valid[i], (same - 1) * (2 * same + 5), 0)
    var_s = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var_s), np.where(s < 0, (s + 1) / np.sqrt(var_s), 0.0))
        tau = s / (0.5 * n * (n - 1))
    p = 2 * (1 - ndtr(np.abs(z)))  # norm.cdf, without scipy.stats' import cost
    h = np.abs(z) > ndtri(1 - alpha / 2)
    slope = nan_percentile(slopes, 50.0)
    positions = np.where(valid, times[:, None, None], np.nan)
    intercept = nan_percentile(x, 50.0) - nan_percentile(positions, 50.0) * slope
    return {"slope": slope, "intercept": intercept, "z": z, "p": p, "tau": tau, "s": s, "var_s": var_s,
            "trend": (np.sign(z) * h).astype(np.int8), "n": n}


def exact_p(values: np.ndarray) -> float:
    """Exact two-sided Mann–Kendall p of a series without ties: P(|S| >= |s|) under H0, from the exact null
    distribution of Kendall's tau between time order and values (``scipy.stats.kendalltau(method="exact")``;
    S and tau are the same statistic up to the factor n(n−1)/2).

    Parameters
    ----------
    values : 1-D array of the finite values in time order (n >= 2, no ties).

    Raises
    ------
    ValueError
        If n < 2 or the series has ties (the exact distribution assumes none).
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n < 2:
        raise ValueError(f"exact p needs n >= 2, got {n}")
    if len(np.unique(values)) != n:
        raise ValueError("exact p needs a series without ties; use the normal approximation")
    from scipy import stats  # the per-mine tests only: scipy.stats costs most of a trend tile's start-up

    return float(stats.kendalltau(np.arange(n), values, method="exact").pvalue)


def sen_line(years, values) -> tuple[float, float]:
    """Sen's slope of a yearly series and its intercept at the first of ``years`` (Conover, as pymannkendall):
    ``value ≈ intercept + slope x (year − years[0])``.

    Parameters
    ----------
    years : the years, increasing (evenly spaced or not); the slope is per year whatever the spacing.
    values : one value per year; NaN = missing (skipped, the years of the others kept).

    Returns
    -------
    (slope, intercept), both NaN with fewer than two values (scipy ``theilslopes``).
    """
    years, values = np.asarray(years, float), np.asarray(values, float)
    valid = np.isfinite(values)
    if valid.sum() < 2:
        return np.nan, np.nan
    from scipy import stats  # as exact_p: the per-pixel trend jobs do not import scipy.stats

    fit = stats.theilslopes(values[valid], years[valid] - years[0])
    return float(fit.slope), float(fit.intercept)


def classify(s: float, p: float, n: int, alpha: float, min_years: int) -> str:
    """Restoration status of a mine from its BSP trend (methods.md §6.2): ``insufficient`` when fewer than
    ``min_years`` valid years (never reported as no trend), ``abandoned`` for a significant decrease of the bare
    share (restoring), ``active`` for a significant increase, else ``no_trend``."""
    if n < min_years:
        return "insufficient"
    if p < alpha and s < 0:
        return "abandoned"
    if p < alpha and s > 0:
        return "active"
    return "no_trend"


def mann_kendall_table(bsp: pd.DataFrame, years: list[int], alpha: float, min_years: int,
                       exact_max_n: int) -> pd.DataFrame:
    """Mann–Kendall test of every mine's BSP series.

    Parameters
    ----------
    bsp : DataFrame mine_id, year, bsp_pct (NaN = no valid pixel that year; the value is skipped).
    years : the analysis years, increasing (evenly spaced or not); every mine must have a row for each. Sen's
        slope is the median of the pairwise slopes over the actual years (scipy ``theilslopes``), so it is per
        year whatever the spacing; the intercept is the value at the first year (Conover, as pymannkendall).
    alpha : significance level of the test and the status (config ``thresholds.mk_alpha``).
    min_years : fewer valid years than this give status ``insufficient`` (config ``restoration.min_years``).
    exact_max_n : the exact p (:func:`exact_p`) is computed for n <= this when the series has no ties and used for
        the status; otherwise the normal approximation's p is used (config ``restoration.exact_p_max_n``).

    Returns
    -------
    DataFrame: mine_id, n, trend, h, p, z, tau, s, var_s, sen_slope (BSP points per year), intercept, p_exact
    (NaN where not computed), p_used, status.

    Raises
    ------
    ValueError
        Naming the years missing from the table.
    """
    import pandas as pd

    import pymannkendall as mk

    columns = ["mine_id", "n", "trend", "h", "p", "z", "tau", "s", "var_s", "sen_slope", "intercept", "p_exact",
               "p_used", "status"]
    if bsp.empty:
        return pd.DataFrame(columns=columns)
    bsp = bsp.astype({"year": int, "bsp_pct": float})
    present = set(bsp["year"].unique())
    missing = [y for y in years if y not in present]
    if missing:
        raise ValueError(f"BSP has no value for years {missing}; check the composites of those years")
    rows = []
    for mine_id, group in bsp.groupby("mine_id", sort=True):
        series = group.set_index("year")["bsp_pct"].reindex(years).to_numpy(dtype=float)
        valid = series[np.isfinite(series)]
        n = len(valid)
        res = mk.original_test(series, alpha=alpha) if n >= 2 else None
        slope, intercept = sen_line(years, series)
        s = float(res.s) if res else 0.0
        p_exact = exact_p(valid) if res and n <= exact_max_n and len(np.unique(valid)) == n else np.nan
        p_used = p_exact if np.isfinite(p_exact) else (float(res.p) if res else 1.0)
        rows.append({
            "mine_id": mine_id, "n": n, "trend": res.trend if res else "no trend", "h": bool(res.h) if res else False,
            "p": float(res.p) if res else np.nan, "z": float(res.z) if res else np.nan,
            "tau": float(res.Tau) if res else np.nan, "s": s, "var_s": float(res.var_s) if res else np.nan,
            "sen_slope": slope, "intercept": intercept,
            "p_exact": p_exact, "p_used": p_used, "status": classify(s, p_used, n, alpha, min_years),
        })
    return pd.DataFrame(rows, columns=columns)


def status_counts(table: pd.DataFrame, mines: pd.DataFrame, column: str = "status") -> pd.DataFrame:
    """Mines per class (``column`` of ``table``: the restoration status, or the InSAR class) and sub-region
    (``subregion`` of ``mines``), plus ``all`` counted once whatever the sub-regions are called: subregion,
    ``column``, n_mines."""
    import pandas as pd

    table = table.merge(mines[["mine_id", "subregion"]], on="mine_id", how="left")
    parts = [table[table["subregion"] != "all"], table.assign(subregion="all")]
    return pd.concat(parts).groupby(["subregion", column]).size().rename("n_mines").reset_index()
