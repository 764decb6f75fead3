"""The mining-area ecological index REM (Sun et al. 2022, reconstructed): wetness, vegetation (FVC × Rao's Q),
soil and imperviousness sub-indices combined by PCA weights (methods.md §10)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minerestore.ecology.pca import (
    DegenerateIndicator,
    _covariance_from,
    _moments,
    minmax,
    pc1,
    pooled_minmax,
)
from minerestore.lazy import array_module, compute, is_dask


def rao_q(values: np.ndarray, window: int) -> np.ndarray:
    """Rao's quadratic entropy of one continuous layer in a moving ``window`` x ``window``: Q = (1/N²) Σ_i Σ_j
    |x_i − x_j| over the N valid values of the window (Euclidean distance, equal weights; rasterdiv ``paRao``
    with alpha = 1, methods.md §10.3). NaN values are skipped; pixels whose window has no valid value are NaN.

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


def fvc_bounds(ndvis: list, valids: list, low_pct: float, high_pct: float) -> tuple[float, float]:
    """NDVI of bare soil and of full vegetation: the ``low_pct`` / ``high_pct`` cumulative-frequency NDVI (config
    ``ecology.fvc_percentiles``) of the valid pixels of one or several (pooled) scenes (methods.md §10.3),
    read from a 0.001-wide histogram of NDVI in [−1, 1] (the same for numpy and dask arrays; histograms of several
    scenes add up).

    Raises
    ------
    DegenerateIndicator
        If the two percentiles coincide (no vegetation contrast).
    """
    total = 0
    for ndvi, valid in zip(ndvis, valids):
        xp = array_module(ndvi, valid)
        counts, _ = xp.histogram(xp.where(valid & xp.isfinite(ndvi), ndvi, 2.0), bins=2000, range=(-1.0, 1.0))
        total = total + compute(counts)[0]
    cdf = np.cumsum(total) / max(total.sum(), 1)
    upper = np.linspace(-1.0, 1.0, 2001)[1:]
    soil, veg = (float(upper[np.searchsorted(cdf, pct / 100.0)]) for pct in (low_pct, high_pct))
    if not veg > soil:
        raise DegenerateIndicator(f"NDVI percentiles {low_pct}/{high_pct} coincide ({soil:g}): no vegetation contrast")
    return soil, veg


def fvc(ndvi, low_pct: float, high_pct: float, valid=None):
    """Fractional vegetation cover by the pixel dichotomy model: clip((NDVI − NDVI_soil) / (NDVI_veg − NDVI_soil),
    0, 1), NDVI_soil / NDVI_veg from :func:`fvc_bounds` of the valid pixels (all finite pixels when ``valid`` is
    None; ``low_pct``, ``high_pct``: config ``ecology.fvc_percentiles``). Same shape and array type as ``ndvi``."""
    xp = array_module(ndvi)
    return _cover(ndvi, *fvc_bounds([ndvi], [xp.isfinite(ndvi) if valid is None else valid], low_pct, high_pct))


def _cover(ndvi, soil: float, veg: float):
    """Pixel dichotomy FVC with given NDVI of bare soil and full vegetation."""
    return array_module(ndvi).clip((ndvi - soil) / (veg - soil), 0.0, 1.0)


def _rao_q_any(values, window: int):
    if is_dask(values):
        half = window // 2
        return values.map_overlap(rao_q, depth=half, boundary=np.nan, window=window, dtype=np.float32)
    return rao_q(values, window)


@dataclass(frozen=True)
class RemOptions:
    """The choices of REM's reconstruction (methods.md §10), each a config key of ``ecology`` (their
    defaults are the schema's: :meth:`from_config`)."""

    window: int  # Rao's Q moving window, px (rao_window)
    soil_index: str  # rndsi or si (soil_index)
    fvc_percentiles: tuple  # NDVI percentiles of bare soil and full vegetation (fvc_percentiles)
    imper_mode: str  # binary (the study's 0/1 I_imper) or continuous (1 − minmax(BCI)) (imper_mode)
    imper_bci_threshold: float  # binary: rock / impervious where BCI exceeds this (imper_bci_threshold)

    @classmethod
    def from_config(cls, ecology: dict) -> "RemOptions":
        """The options from the ``ecology`` config section (keys rao_window, soil_index, fvc_percentiles,
        imper_mode, imper_bci_threshold)."""
        return cls(ecology["rao_window"], ecology["soil_index"], tuple(ecology["fvc_percentiles"]),
                   ecology["imper_mode"], ecology["imper_bci_threshold"])

    def __post_init__(self):
        if self.soil_index not in ("rndsi", "si"):
            raise ValueError(f"soil index {self.soil_index!r}: expected 'rndsi' or 'si'")
        if self.imper_mode not in ("binary", "continuous"):
            raise ValueError(f"imper_mode {self.imper_mode!r}: expected 'binary' or 'continuous'")


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


SUB_INDICES = ("i_wet", "i_veg", "i_soil")


def rem_base(bands: dict, ndvi, *, coefficients: str, valid=None, window: int, impervious=None, flatness=None,
             materialise=None) -> dict:
    """The per-pixel layers REM is built from, before any scene statistic: tasseled-cap brightness, greenness and
    wetness, NDSI' = (SWIR2 − G)/(SWIR2 + G), SI, Rao's Q of NDVI in a ``window`` (over valid pixels only), NDVI,
    ``ok`` (finite and ``valid``, and with a known flatness), ``impervious`` (bool from land cover, or None) and
    ``flatness`` (I_soil's terrain factor, :func:`minerestore.ecology.layers.flatness`, or None).

    ``materialise`` (callable dict -> dict, e.g. :func:`minerestore.raster.write.spill`) stores them once so the
    later passes of a streamed (dask) run read them instead of recomputing.

    Parameters
    ----------
    bands : dict ``blue … swir2`` reflectance (rows, cols), NaN = missing; ndvi : (rows, cols); valid : bool
        (rows, cols), e.g. study area and not water; impervious : bool (rows, cols) or None; flatness : float
        (rows, cols) in [0, 1] (1 flat, 0 at the steepest; NaN where the DEM has no value) or None (I_soil from
        bareness alone). numpy or dask.
    coefficients : tasseled-cap set (:data:`minerestore.indices.TASSELED_CAP`; from config
        ``ecology.wet_coefficients``, :func:`minerestore.indices.coefficients_for`).
    window : Rao's Q moving window, px (config ``ecology.rao_window``).

    Returns
    -------
    dict of (rows, cols) layers, the array type of the inputs: brightness, greenness, wetness, ndsi, si, pd (Rao's
    Q, float32, NaN where its window has no valid pixel), ndvi, ok (bool), impervious (bool or None), flatness
    (float or None).

    Raises
    ------
    ValueError
        If ``window`` is not an odd integer >= 3.
    """
    from minerestore.indices import tasseled_cap

    xp = array_module(ndvi, *bands.values())
    tc = {c: tasseled_cap(bands, c, coefficients) for c in ("brightness", "greenness", "wetness")}
    ok = xp.isfinite(ndvi) & xp.isfinite(tc["brightness"]) & xp.isfinite(tc["wetness"]) & xp.isfinite(tc["greenness"])
    if valid is not None:
        ok = ok & valid
    if flatness is not None:
        ok = ok & xp.isfinite(flatness)
    with np.errstate(divide="ignore", invalid="ignore"):
        ndsi = (bands["swir2"] - bands["green"]) / (bands["swir2"] + bands["green"])
        si = ((bands["swir1"] + bands["red"]) - (bands["nir"] + bands["blue"])) / (
            (bands["swir1"] + bands["red"]) + (bands["nir"] + bands["blue"]))
    base = {**tc, "ndsi": ndsi, "si": si, "pd": _rao_q_any(xp.where(ok, ndvi, np.nan), window), "ndvi": ndvi, "ok": ok}
    for name, layer in (("impervious", impervious), ("flatness", flatness)):
        if layer is not None:  # a layer to store with the others; None is not
            base[name] = layer
    base = materialise(base) if materialise is not None else base
    base.setdefault("impervious", None)
    base.setdefault("flatness", None)
    return base


def _normalised(base: dict, model: dict, options: RemOptions) -> dict:
    """Stage 1: min–max normalised tasseled cap (H, V, L), bareness (1 − FVC, times flatness when given),
    FVC x (1 + PD_n) and the soil index."""
    xp = array_module(base["ndvi"])
    b = model["bounds"]
    h, v, wet_n = (minmax(base[c], *b[c], name=f"TC {c}") for c in ("brightness", "greenness", "wetness"))
    cover = _cover(base["ndvi"], *model["fvc"])
    bare = 1 - cover  # I_soil: bareness, times flatness where given (a steep bare slope is poorer soil)
    if base["flatness"] is not None:
        bare = bare * base["flatness"]
    if options.soil_index == "rndsi":
        soil = minmax(base["ndsi"], *b["ndsi"], name="NDSI'") / xp.maximum(h, 0.05)
    else:
        soil = minmax(base["si"], *b["si"], name="SI")
    return {"h": h, "v": v, "wet_n": wet_n, "bare": bare, "soil": soil,
            "veg_raw": cover * (1 + minmax(base["pd"], *b["pd"], name="Rao's Q"))}


def _raw(n: dict, model: dict, options: RemOptions) -> dict:
    """Stage 2: the raw sub-indices and BCI = ((H + L)/2 − V) / ((H + L)/2 + V) (Deng & Wu 2012); I_soil's is
    (1 − FVC) x flatness (when given) x the normalised soil index."""
    soil_raw = n["bare"] * minmax(n["soil"], *model["bounds"]["soil"], name=options.soil_index)
    with np.errstate(divide="ignore", invalid="ignore"):
        bci = ((n["h"] + n["wet_n"]) / 2 - n["v"]) / ((n["h"] + n["wet_n"]) / 2 + n["v"])
    return {"i_wet": n["wet_n"], "i_veg": n["veg_raw"], "i_soil": soil_raw, "bci": bci}


def _sub_indices(base: dict, model: dict, options: RemOptions) -> dict:
    """Stage 3: I_wet, I_veg, I_soil min–max normalised and I_imper, NaN where not ``ok``."""
    xp = array_module(base["ndvi"])
    ok = base["ok"]
    raw = _raw(_normalised(base, model, options), model, options)
    out = {k: xp.where(ok, minmax(raw[k], *model["bounds"][k], name=k), np.nan) for k in SUB_INDICES}
    if options.imper_mode == "binary":
        rock = raw["bci"] > options.imper_bci_threshold
        if base["impervious"] is not None:
            rock = rock | base["impervious"]
        out["i_imper"] = xp.where(ok, xp.where(rock, 0.0, 1.0), np.nan)
    else:
        out["i_imper"] = xp.where(ok, 1 - minmax(raw["bci"], *model["bounds"]["bci"], name="BCI"), np.nan)
    return out


def _combined(sub: dict, weights) -> object:
    return sub["i_imper"] * sum(float(w) * sub[k] for w, k in zip(weights, SUB_INDICES))


def fit_rem(bases: list[dict], options: RemOptions) -> dict:
    """Fit REM's scene statistics on one year (per-year REM) or on the pooled pixels of several years
    (``ecology.rem_mode: pooled``, so REM compares across years): every min–max bound, the FVC NDVI percentiles,
    the PCA weights and the final REM range.

    Parameters
    ----------
    bases : list of :func:`rem_base` dicts (one per year).
    options : REM's choices (:class:`RemOptions`, from the ``ecology`` config).

    Returns
    -------
    dict (JSON-serialisable): ``bounds`` name -> [min, max], ``fvc`` [NDVI_soil, NDVI_veg], ``weights``
    [alpha, beta, gamma], ``pc1_share``.

    Raises
    ------
    DegenerateIndicator
        If a layer is constant over the valid pixels (names it).
    """
    oks = [b["ok"] for b in bases]
    keys = ("brightness", "greenness", "wetness", "ndsi", "si", "pd")
    model = {"bounds": pooled_minmax([{k: b[k] for k in keys} for b in bases], oks),
             "fvc": list(fvc_bounds([b["ndvi"] for b in bases], oks, *options.fvc_percentiles))}
    normalised = [_normalised(b, model, options) for b in bases]
    model["bounds"] |= pooled_minmax([{"soil": n["soil"]} for n in normalised], oks)
    model["bounds"] |= pooled_minmax([_raw(n, model, options) for n in normalised], oks)
    subs = [_sub_indices(b, model, options) for b in bases]
    cov, _ = _covariance_from(sum(_moments([s[k] for k in SUB_INDICES], ok) for s, ok in zip(subs, oks)), 3)
    loadings, share = pc1(cov)
    model["weights"] = (loadings**2 / np.sum(loadings**2)).tolist()
    model["pc1_share"] = share
    model["bounds"] |= pooled_minmax([{"rem": _combined(s, model["weights"])} for s in subs], oks)
    return model


def apply_rem(base: dict, model: dict, options: RemOptions) -> RemResult:
    """REM of one year with fitted statistics (:func:`fit_rem`, its own or a pooled model; ``options`` those it
    was fitted with): REM and its sub-indices, (rows, cols) float in [0, 1] for the year's own model (a pooled model spans [0, 1] over all its
    years), NaN where not valid (``base['ok']``).

    Raises
    ------
    DegenerateIndicator
        If a bound of ``model`` is degenerate (names the layer).
    """
    sub = _sub_indices(base, model, options)
    index = minmax(_combined(sub, model["weights"]), *model["bounds"]["rem"], "REM")
    return RemResult(index, sub["i_wet"], sub["i_veg"], sub["i_soil"], sub["i_imper"], np.asarray(model["weights"]),
                     model["pc1_share"])


def rem(bands: dict, ndvi, *, coefficients: str, valid=None, options: RemOptions, impervious=None, flatness=None,
        materialise=None) -> RemResult:
    """Remote sensing Ecological index of Mining areas, REM = I_imper x (α I_wet + β I_veg + γ I_soil)
    (Sun et al. 2022, J. China Coal Soc.; formula as quoted by the Yangtze mine study), fitted on one year. The
    sub-indices are the RECONSTRUCTION of methods.md §10 (the original definitions could not be retrieved), every
    choice a :class:`RemOptions` field:

    - I_wet = minmax(tasseled-cap wetness);
    - I_veg = minmax(FVC x (1 + PD_n)): FVC by pixel dichotomy (``fvc_percentiles``; the study's 5 %/95 % NDVI),
      PD_n = minmax of Rao's Q of NDVI in a ``window`` x ``window`` moving window (plant diversity matters where
      vegetation is dense);
    - I_soil = minmax((1 − FVC) x flatness x minmax(soil index)), "the combination of bareness and flatness of
      soil" (the Yangtze study, after Sun et al. 2022): flatness from the DEM's slope
      (:func:`minerestore.ecology.layers.flatness`; without a DEM, bareness alone); soil index RNDSI =
      minmax(NDSI') / minmax(TC brightness) with NDSI' = (SWIR2 − G)/(SWIR2 + G) (Deng et al. 2015; high for soil,
      low for rock and impervious), or SI;
    - I_imper, ``binary`` (the config's default, the study's Eq. 5): 0 on bare rock or impervious surface, 1
      elsewhere; rock / impervious where BCI > ``imper_bci_threshold`` or, with a land-cover raster, ``impervious``
      (its built-up classes). BCI = ((H + L)/2 − V) / ((H + L)/2 + V) of min–max normalised TC brightness H,
      greenness V and wetness L (Deng & Wu 2012). ``continuous``: 1 − minmax(BCI);
    - α, β, γ = squared PC1 loadings of a covariance PCA of (I_wet, I_veg, I_soil) (sum to 1);
    - REM min–max normalised to [0, 1] over the valid pixels.

    Parameters
    ----------
    bands : dict ``blue … swir2`` reflectance arrays (rows, cols), NaN = missing (numpy or dask).
    ndvi : NDVI array; valid : bool array (e.g. study area and not water), optional.
    coefficients : tasseled-cap set (:data:`minerestore.indices.TASSELED_CAP`; from config
        ``ecology.wet_coefficients``).
    options : REM's choices (:class:`RemOptions`, from the ``ecology`` config).
    impervious : bool array, optional; built-up / rock pixels of a land-cover raster.
    flatness : float array in [0, 1], optional (:func:`minerestore.ecology.layers.flatness`).
    materialise : see :func:`rem_base`.

    Returns
    -------
    RemResult.

    Raises
    ------
    DegenerateIndicator
        If a layer is constant over the valid pixels (names it).
    """
    base = rem_base(bands, ndvi, coefficients=coefficients, valid=valid, window=options.window,
                    impervious=impervious, flatness=flatness, materialise=materialise)
    return apply_rem(base, fit_rem([base], options), options)
