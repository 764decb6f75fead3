"""The mining-area ecological index REM (Sun et al. 2022, reconstructed): wetness, vegetation (FVC × Rao's Q),
soil and imperviousness sub-indices combined by PCA weights (docs/methods.md, REM)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minerestore.ecology.pca import (
    DegenerateIndicator,
    _compute,
    _covariance,
    _is_dask,
    _minmax_stats,
    _xp,
    minmax,
    pc1,
)


def rao_q(values: np.ndarray, window: int) -> np.ndarray:
    """Rao's quadratic entropy of one continuous layer in a moving ``window`` x ``window``: Q = (1/N²) Σ_i Σ_j
    |x_i − x_j| over the N valid values of the window (Euclidean distance, equal weights; rasterdiv ``paRao``
    with alpha = 1, methods.md §2.2). NaN values are skipped; pixels whose window has no valid value are NaN.

    No maintained Python package computes Rao's Q on rasters (rasterdiv is R), so it is written here:
    sorting the window values gives Σ_{i<j} (x_(j) − x_(i)) = Σ_k x_(k) (2k − N + 1). Rows are processed in
    blocks, so memory stays near 32 MB of window values whatever the raster size.

    Parameters
    ----------
    values : ndarray (rows, cols) float.
    window : odd int >= 3.

    Returns
    -------
    ndarray (rows, cols) float32.

    Raises
    ------
    ValueError
        If ``window`` is not an odd integer >= 3.
    """
    if window < 3 or window % 2 == 0:
        raise ValueError(f"Rao's Q window must be odd and >= 3, got {window}")
    half = window // 2
    padded = np.pad(values.astype(np.float64), half, mode="constant", constant_values=np.nan)
    out = np.empty(values.shape, np.float32)
    k = np.arange(window * window)
    block = max(1, 2**22 // max(values.shape[1] * window * window, 1))  # ~32 MB of window values at a time
    for r0 in range(0, values.shape[0], block):
        rows = min(block, values.shape[0] - r0)
        part = padded[r0 : r0 + rows + 2 * half]
        views = np.lib.stride_tricks.sliding_window_view(part, (window, window)).reshape(rows, values.shape[1], -1)
        ordered = np.sort(views, axis=-1)  # NaN last
        n = np.sum(~np.isnan(ordered), axis=-1)
        weights = np.where(k < n[..., None], 2 * k - n[..., None] + 1, 0)
        total = np.nansum(ordered * weights, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = 2 * total / n.astype(np.float64) ** 2
        q[n == 0] = np.nan
        out[r0 : r0 + rows] = q
    return out


def fvc(ndvi, low_pct: float = 5.0, high_pct: float = 95.0, valid=None):
    """Fractional vegetation cover by the pixel dichotomy model: clip((NDVI − NDVI_soil) / (NDVI_veg − NDVI_soil),
    0, 1), NDVI_soil / NDVI_veg the ``low_pct`` / ``high_pct`` cumulative-frequency NDVI of the scene (methods.md
    §2.2, [S-FVC]). Percentiles are read from a 0.001-wide histogram of NDVI in [−1, 1], the same for numpy and
    dask arrays."""
    xp = _xp(ndvi)
    ok = xp.isfinite(ndvi) if valid is None else xp.isfinite(ndvi) & valid
    counts, edges = xp.histogram(xp.where(ok, ndvi, 2.0), bins=2000, range=(-1.0, 1.0))
    counts, = _compute(counts)
    cdf = np.cumsum(counts) / max(counts.sum(), 1)
    soil = float(edges[1:][np.searchsorted(cdf, low_pct / 100.0)])
    veg = float(edges[1:][np.searchsorted(cdf, high_pct / 100.0)])
    if not veg > soil:
        raise DegenerateIndicator(f"NDVI percentiles {low_pct}/{high_pct} coincide ({soil:g}): no vegetation contrast")
    return xp.clip((ndvi - soil) / (veg - soil), 0.0, 1.0)


def _rao_q_any(values, window: int):
    if _is_dask(values):
        half = window // 2
        return values.map_overlap(rao_q, depth=half, boundary=np.nan, window=window, dtype=np.float32)
    return rao_q(values, window)


@dataclass
class RemResult:
    """REM of one date: the index, its four sub-indices and the PCA weights (alpha, beta, gamma)."""

    rem: object
    i_wet: object
    i_veg: object
    i_soil: object
    i_imper: object
    weights: np.ndarray  # alpha (wet), beta (veg), gamma (soil)
    pc1_share: float


def rem(bands: dict, ndvi, coefficients: str = "landsat_oli", valid=None, window: int = 5,
        soil_index: str = "rndsi", fvc_percentiles: tuple[float, float] = (5.0, 95.0), materialise=None) -> RemResult:
    """Remote sensing Ecological index of Mining areas, REM = I_imper x (α I_wet + β I_veg + γ I_soil)
    (Sun et al. 2022, J. China Coal Soc.; formula as quoted by the Yangtze mine study). The sub-indices are the
    RECONSTRUCTION of methods.md §2.2 (the original definitions could not be retrieved), every choice a parameter:

    - I_wet = minmax(tasseled-cap wetness);
    - I_veg = minmax(FVC x (1 + PD_n)): FVC by pixel dichotomy (5 %/95 % NDVI), PD_n = minmax of Rao's Q of NDVI
      in a ``window`` x ``window`` moving window (plant diversity matters where vegetation is dense);
    - I_soil = minmax((1 − FVC) x minmax(soil index)), soil index RNDSI = minmax(NDSI') / minmax(TC brightness)
      with NDSI' = (SWIR2 − G)/(SWIR2 + G) (Deng et al. 2015; high for soil, low for rock and impervious), or SI;
    - I_imper = 1 − minmax(BCI), BCI = ((H + L)/2 − V) / ((H + L)/2 + V) of min–max normalised TC brightness H,
      greenness V and wetness L (Deng & Wu 2012): a multiplicative suppressor of rock and impervious land;
    - α, β, γ = squared PC1 loadings of a covariance PCA of (I_wet, I_veg, I_soil) (sum to 1);
    - REM min–max normalised to [0, 1] over the valid pixels.

    Parameters
    ----------
    bands : dict ``blue … swir2`` reflectance arrays (rows, cols), NaN = missing (numpy or dask).
    ndvi : NDVI array; valid : bool array (e.g. not water), optional.
    coefficients : tasseled-cap set (:data:`minerestore.indices.TASSELED_CAP`).
    materialise : callable dict -> dict, optional
        Stores the per-pixel base layers (tasseled cap, NDSI', SI, Rao's Q, NDVI, valid) once and returns readers of
        them (:func:`minerestore.raster.write.spill`), so the later passes of a streamed (dask) run do not recompute them.

    Returns
    -------
    RemResult.

    Raises
    ------
    DegenerateIndicator
        If a layer is constant over the valid pixels (names it).
    ValueError
        For an unknown ``soil_index``.
    """
    from minerestore.indices import tasseled_cap

    if soil_index not in ("rndsi", "si"):
        raise ValueError(f"soil index {soil_index!r}: expected 'rndsi' or 'si'")
    xp = _xp(ndvi, *bands.values())
    tc = {c: tasseled_cap(bands, c, coefficients) for c in ("brightness", "greenness", "wetness")}
    ok = xp.isfinite(ndvi) & xp.isfinite(tc["brightness"]) & xp.isfinite(tc["wetness"]) & xp.isfinite(tc["greenness"])
    if valid is not None:
        ok = ok & valid
    with np.errstate(divide="ignore", invalid="ignore"):
        ndsi = (bands["swir2"] - bands["green"]) / (bands["swir2"] + bands["green"])
        si = ((bands["swir1"] + bands["red"]) - (bands["nir"] + bands["blue"])) / (
            (bands["swir1"] + bands["red"]) + (bands["nir"] + bands["blue"]))
    pd_raw = _rao_q_any(xp.where(ok, ndvi, np.nan), window)
    if materialise is not None:
        base = materialise({**tc, "ndsi": ndsi, "si": si, "pd": pd_raw, "ndvi": ndvi, "ok": ok})
        tc = {c: base[c] for c in tc}
        ndsi, si, pd_raw, ndvi, ok = (base[k] for k in ("ndsi", "si", "pd", "ndvi", "ok"))
    stats = _minmax_stats({**tc, "ndsi": ndsi, "si": si, "pd": pd_raw}, ok)
    h, v, wet_n = (minmax(tc[c], *stats[c], name=f"TC {c}") for c in ("brightness", "greenness", "wetness"))
    cover = fvc(ndvi, *fvc_percentiles, valid=ok)
    veg_raw = cover * (1 + minmax(pd_raw, *stats["pd"], name="Rao's Q"))
    if soil_index == "rndsi":
        soil = minmax(ndsi, *stats["ndsi"], name="NDSI'") / xp.maximum(h, 0.05)
    else:
        soil = minmax(si, *stats["si"], name="SI")
    soil_stats = _minmax_stats({"soil": soil}, ok)["soil"]
    soil_raw = (1 - cover) * minmax(soil, *soil_stats, name=soil_index)
    with np.errstate(divide="ignore", invalid="ignore"):
        bci = ((h + wet_n) / 2 - v) / ((h + wet_n) / 2 + v)
    raw = {"i_wet": wet_n, "i_veg": veg_raw, "i_soil": soil_raw, "bci": bci}
    st = _minmax_stats(raw, ok)
    i_wet, i_veg, i_soil = (xp.where(ok, minmax(raw[k], *st[k], name=k), np.nan) for k in ("i_wet", "i_veg", "i_soil"))
    i_imper = xp.where(ok, 1 - minmax(bci, *st["bci"], name="BCI"), np.nan)
    cov, _ = _covariance([i_wet, i_veg, i_soil], ok)
    loadings, share = pc1(cov)
    weights = loadings**2 / np.sum(loadings**2)
    combined = i_imper * (weights[0] * i_wet + weights[1] * i_veg + weights[2] * i_soil)
    (low, high), = _minmax_stats({"rem": combined}, ok).values()
    return RemResult(minmax(combined, low, high, "REM"), i_wet, i_veg, i_soil, i_imper, weights, share)
