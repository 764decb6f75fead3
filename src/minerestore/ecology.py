"""Ecological indices: RSEI (Xu 2013) and the mining-area index REM (Sun et al. 2022, reconstructed).

Functions take 2-D numpy arrays (NaN = missing) or dask arrays of the whole area: global statistics (min/max,
covariance, NDVI percentiles) are reduced in one pass and the per-pixel work stays lazy, so a tiled dask array
gives the same result as one in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RSEI_INDICATORS = ("ndvi", "wet", "ndbsi", "lst")
GRADE_BREAKS = (0.2, 0.4, 0.6, 0.8)
GRADE_NAMES = ("poor", "fair", "moderate", "good", "excellent")


class DegenerateIndicator(ValueError):
    """An indicator is constant over the valid pixels, so it cannot be normalised (names the indicator)."""


def _is_dask(a) -> bool:
    return type(a).__module__.startswith("dask")


def _xp(*arrays):
    if any(_is_dask(a) for a in arrays):
        import dask.array as da

        return da
    return np


def _compute(*values):
    if any(_is_dask(v) for v in values):
        import dask

        return dask.compute(*values)
    return values


def _minmax_stats(arrays: dict, valid):
    """min and max of each array over ``valid`` (one reduction pass)."""
    xp = _xp(valid, *arrays.values())
    lows = [xp.nanmin(xp.where(valid, a, np.nan)) for a in arrays.values()]
    highs = [xp.nanmax(xp.where(valid, a, np.nan)) for a in arrays.values()]
    values = _compute(*lows, *highs)
    n = len(arrays)
    return {k: (float(values[i]), float(values[n + i])) for i, k in enumerate(arrays)}


def minmax(a, low: float, high: float, name: str = "indicator"):
    """(a − low) / (high − low).

    Raises
    ------
    DegenerateIndicator
        If high == low (a constant layer), naming ``name``.
    """
    if not high > low:
        raise DegenerateIndicator(f"{name} is constant ({low:g}) over the valid pixels; it cannot be normalised")
    return (a - low) / (high - low)


def _moments(layers: list, valid) -> np.ndarray:
    """Count, sums and sums of products (upper triangle) of layers over ``valid`` pixels, in one pass; moments of
    several parts (years, tiles) add up."""
    xp = _xp(valid, *layers)
    z = [xp.where(valid, a, 0.0) for a in layers]
    k = len(layers)
    sums = [xp.sum(a) for a in z]
    prods = [xp.sum(z[i] * z[j]) for i in range(k) for j in range(i, k)]
    return np.array(_compute(xp.sum(valid), *sums, *prods), float)


def _covariance_from(moments: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Covariance matrix (k x k) and count from :func:`_moments`."""
    n, sums, prods = float(moments[0]), moments[1:k + 1], iter(moments[k + 1:])
    mean = sums / n
    cov = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            cov[i, j] = cov[j, i] = (next(prods) - n * mean[i] * mean[j]) / (n - 1)
    return cov, n


def _covariance(layers: list, valid):
    """Covariance matrix (k x k) of layers over ``valid`` pixels, with the count (sums of products, one pass)."""
    return _covariance_from(_moments(layers, valid), len(layers))


def pc1(cov: np.ndarray) -> tuple[np.ndarray, float]:
    """First principal component of a covariance matrix: (loadings e1 of unit length, share λ1 / Σλ)."""
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    share = float(eigenvalues[-1] / eigenvalues.sum()) if eigenvalues.sum() > 0 else float("nan")
    return eigenvectors[:, -1], share


@dataclass
class RseiResult:
    """RSEI of one date (or of the pooled years)."""

    rsei: object  # ndarray or dask array (rows, cols) float, NaN where not valid
    loadings: np.ndarray  # oriented PC1 loadings (ndvi, wet, ndbsi, lst)
    pc1_share: float  # λ1 / Σλ
    bounds: dict  # indicator -> (min, max) used for normalisation
    pc1_bounds: tuple  # (min, max) of the oriented PC1 used for the final normalisation

    def __iter__(self):  # unpack as (rsei, loadings, pc1_share)
        return iter((self.rsei, self.loadings, self.pc1_share))


def rsei(ndvi, wet, ndbsi, lst, valid=None) -> RseiResult:
    """Remote Sensing Ecological Index (Xu 2013; methods.md §1.3).

    1. One common valid mask: finite in all four indicators (and ``valid`` when given, e.g. not water).
    2. Each indicator min–max normalised over the valid pixels.
    3. Covariance PCA of the four normalised layers; PC1 loadings e1 and share λ1 / Σλ.
    4. Orientation: e1 is multiplied by s = +1 if e1_ndvi + e1_wet > 0 else −1 (Xu & Deng 2022: "1 − PC1" only
       when the positive factors load negatively); min–max makes this equal to Xu's 1 − PC1.
    5. RSEI = min–max of PC1 over the valid pixels, in [0, 1], higher = better; NaN elsewhere.

    Parameters
    ----------
    ndvi, wet, ndbsi, lst : ndarray or dask array (rows, cols), float; NaN = missing. LST in K or °C.
    valid : bool array (rows, cols), optional.

    Returns
    -------
    RseiResult, unpackable as ``(rsei, loadings, pc1_share)``; loadings ordered (ndvi, wet, ndbsi, lst).

    Raises
    ------
    DegenerateIndicator
        If an indicator is constant over the valid pixels (names it).
    ValueError
        If fewer than two pixels are valid.
    """
    layers = dict(zip(RSEI_INDICATORS, (ndvi, wet, ndbsi, lst)))
    ok = rsei_valid(ndvi, wet, ndbsi, lst, valid)
    count, = _compute(_xp(ok).sum(ok))
    if count < 2:
        raise ValueError(f"RSEI needs at least 2 pixels valid in all four indicators, got {int(count)}")
    return rsei_with_bounds(layers, ok, _minmax_stats(layers, ok))


def rsei_valid(ndvi, wet, ndbsi, lst, valid=None):
    """The common valid mask of the four indicators (and ``valid``)."""
    xp = _xp(ndvi, wet, ndbsi, lst)
    ok = xp.isfinite(ndvi) & xp.isfinite(wet) & xp.isfinite(ndbsi) & xp.isfinite(lst)
    return ok & valid if valid is not None else ok


def rsei_with_bounds(layers: dict, ok, bounds: dict, loadings=None, share: float = float("nan"),
                     pc1_bounds: tuple | None = None) -> RseiResult:
    """RSEI with given normalisation bounds; given PC1 loadings and PC1 bounds apply a fitted (e.g. pooled
    multi-year) model to one year."""
    xp = _xp(ok, *layers.values())
    normed = [minmax(layers[k], *bounds[k], name=k) for k in RSEI_INDICATORS]
    if loadings is None:
        cov, n = _covariance(normed, ok)
        if n < 2:
            raise ValueError(f"RSEI needs at least 2 valid pixels, got {int(n)}")
        loadings, share = pc1(cov)
        loadings = loadings * (1.0 if loadings[0] + loadings[1] > 0 else -1.0)
    component = sum(float(w) * a for w, a in zip(loadings, normed))
    component = xp.where(ok, component, np.nan)
    low, high = pc1_bounds if pc1_bounds is not None else _minmax_stats({"pc1": component}, ok)["pc1"]
    return RseiResult(minmax(component, low, high, "PC1"), np.asarray(loadings), share, bounds, (low, high))


def rsei_pooled(years: dict) -> dict:
    """RSEI of several years with normalisation bounds and PCA fitted on the pooled pixels of all years, so values
    compare across years (methods.md §1.3 item 8; a documented departure from per-date RSEI).

    Parameters
    ----------
    years : dict year -> (ndvi, wet, ndbsi, lst, valid or None) arrays.

    Returns
    -------
    dict year -> RseiResult (each with the pooled loadings, share and bounds).
    """
    layer_sets = {y: dict(zip(RSEI_INDICATORS, v[:4])) for y, v in years.items()}
    oks = {y: rsei_valid(*v) for y, v in years.items()}
    stats = [_minmax_stats(layer_sets[y], oks[y]) for y in years]
    bounds = {k: (min(s[k][0] for s in stats), max(s[k][1] for s in stats)) for k in RSEI_INDICATORS}
    xp = _xp(*oks.values())
    normed = {y: [minmax(layer_sets[y][k], *bounds[k], name=k) for k in RSEI_INDICATORS] for y in years}
    cov, _ = _covariance_from(sum(_moments(normed[y], oks[y]) for y in years), len(RSEI_INDICATORS))
    loadings, share = pc1(cov)
    loadings = loadings * (1.0 if loadings[0] + loadings[1] > 0 else -1.0)
    components = {y: xp.where(oks[y], sum(float(w) * a for w, a in zip(loadings, normed[y])), np.nan) for y in years}
    pc_stats = [_minmax_stats({"pc1": components[y]}, oks[y])["pc1"] for y in years]
    pc1_bounds = (min(p[0] for p in pc_stats), max(p[1] for p in pc_stats))
    return {y: rsei_with_bounds(layer_sets[y], oks[y], bounds, loadings, share, pc1_bounds) for y in years}


def grades(index) -> np.ndarray:
    """Five equal-interval grades 1–5 (poor, fair, moderate, good, excellent; methods.md §1.3 item 6) of an
    index in [0, 1]; 0 where the index is NaN. uint8, same shape (a dask array for a dask index)."""
    if _is_dask(index):
        return index.map_blocks(grades, dtype=np.uint8)
    values = np.asarray(index)
    out = (np.digitize(np.nan_to_num(values, nan=-1.0), GRADE_BREAKS) + 1).astype(np.uint8)
    out[~np.isfinite(values)] = 0
    return out


# ----------------------------------------------------------------------------------------------- REM

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
        them (:func:`minerestore.tiles.spill`), so the later passes of a streamed (dask) run do not recompute them.

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
    from .indices import tasseled_cap

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
