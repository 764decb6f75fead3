"""The Remote Sensing Ecological Index (Xu 2013): PC1 of min–max normalised NDVI, WET, NDBSI and LST, per year or
pooled over the years, and its grades (methods.md §9)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from minerestore.ecology.pca import (
    _covariance,
    _covariance_from,
    _minmax_stats,
    _moments,
    minmax,
    pc1,
    pooled_minmax,
)
from minerestore.lazy import array_module, compute, is_dask

log = logging.getLogger(__name__)

RSEI_INDICATORS = ("ndvi", "wet", "ndbsi", "lst")
GRADE_NAMES = ("poor", "fair", "moderate", "good", "excellent")


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
    """Remote Sensing Ecological Index (Xu 2013; methods.md §9.1).

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
    count, = compute(array_module(ok).sum(ok))
    if count < 2:
        raise ValueError(f"RSEI needs at least 2 pixels valid in all four indicators, got {int(count)}")
    return rsei_with_bounds(layers, ok, _minmax_stats(layers, ok))


def rsei_valid(ndvi, wet, ndbsi, lst, valid=None):
    """The common valid mask of the four indicators (and ``valid``)."""
    xp = array_module(ndvi, wet, ndbsi, lst)
    ok = xp.isfinite(ndvi) & xp.isfinite(wet) & xp.isfinite(ndbsi) & xp.isfinite(lst)
    return ok & valid if valid is not None else ok


def rsei_with_bounds(layers: dict, ok, bounds: dict, *, loadings=None, share: float = float("nan"),
                     pc1_bounds: tuple | None = None) -> RseiResult:
    """RSEI with given normalisation bounds; given PC1 loadings and PC1 bounds apply a fitted (e.g. pooled
    multi-year) model to one year."""
    xp = array_module(ok, *layers.values())
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
    compare across years (methods.md §9.3; a documented departure from per-date RSEI).

    Parameters
    ----------
    years : dict year -> (ndvi, wet, ndbsi, lst, valid or None) arrays.

    Returns
    -------
    dict year -> RseiResult (each with the pooled loadings, share and bounds).
    """
    layer_sets = {y: dict(zip(RSEI_INDICATORS, v[:4])) for y, v in years.items()}
    oks = {y: rsei_valid(*v) for y, v in years.items()}
    bounds = {k: tuple(v) for k, v in pooled_minmax(list(layer_sets.values()), list(oks.values())).items()}
    xp = array_module(*oks.values())
    normed = {y: [minmax(layer_sets[y][k], *bounds[k], name=k) for k in RSEI_INDICATORS] for y in years}
    cov, _ = _covariance_from(sum(_moments(normed[y], oks[y]) for y in years), len(RSEI_INDICATORS))
    loadings, share = pc1(cov)
    loadings = loadings * (1.0 if loadings[0] + loadings[1] > 0 else -1.0)
    components = {y: xp.where(oks[y], sum(float(w) * a for w, a in zip(loadings, normed[y])), np.nan) for y in years}
    pc1_bounds = tuple(pooled_minmax([{"pc1": components[y]} for y in years], list(oks.values()))["pc1"])
    return {y: rsei_with_bounds(layer_sets[y], oks[y], bounds, loadings=loadings, share=share,
                                pc1_bounds=pc1_bounds) for y in years}


def grade_breaks(width: float) -> tuple[float, ...]:
    """Inner breaks of equal-interval grades of ``width`` (config ``ecology.grade_width``) over [0, 1]:
    0.2 -> (0.2, 0.4, 0.6, 0.8) (methods.md §9.2, five grades); 0.1 -> (0.1, …, 0.9), the ten grades of the
    mining-cities study's maps.

    Raises
    ------
    ValueError
        When 1 / ``width`` is not a whole number of grades.
    """
    n = int(round(1 / width))
    if n < 2 or abs(n * width - 1) > 1e-9:
        raise ValueError(f"grade width {width}: 1 / width must be a whole number of at least 2 grades")
    return tuple(k / n for k in range(1, n))


def grades(index, width: float) -> np.ndarray:
    """Equal-interval grades 1…n of an index in [0, 1] (:func:`grade_breaks`; ``width`` config
    ``ecology.grade_width``; width 0.2: poor, fair, moderate, good, excellent, methods.md §9.2; width 0.1:
    ten grades); 0 where the index is NaN. A value on a break takes the upper grade. uint8, same shape (a dask
    array for a dask index)."""
    if is_dask(index):
        return index.map_blocks(grades, width, dtype=np.uint8)
    values = np.asarray(index)
    out = (np.digitize(np.nan_to_num(values, nan=-1.0), grade_breaks(width)) + 1).astype(np.uint8)
    out[~np.isfinite(values)] = 0
    return out


def year_rsei(layers: dict, year: int, model: dict | None = None) -> tuple:
    """RSEI of one year: fitted on the year's own pixels (:func:`rsei`), or the pooled model (from
    :func:`rsei_pooled`: ``bounds``, ``loadings``, ``pc1_share``, ``pc1_bounds``) applied to them.

    Parameters
    ----------
    layers : from :func:`minerestore.ecology.layers.read_year`: ``ndvi``, ``wet``, ``ndbsi``, ``lst`` and
        ``valid`` (numpy or dask, rows x cols).

    Returns
    -------
    (rsei (rows, cols) float, NaN where not valid; loadings (4,); PC1 share). With fewer than two valid pixels
    (all water or cloud) RSEI is NaN everywhere and the loadings NaN, with a warning.

    Raises
    ------
    ValueError
        Naming the year when an indicator is degenerate (constant over the valid pixels).
    """
    indicators = [layers[k] for k in RSEI_INDICATORS]
    ok = rsei_valid(*indicators, layers["valid"])
    if int(ok.sum()) < 2:
        log.warning("%d: no valid pixel (all water or all cloud): RSEI written as NaN", year)
        return layers["ndvi"] * np.nan, np.full(4, np.nan), np.nan
    try:
        if model is not None:
            res = rsei_with_bounds(dict(zip(RSEI_INDICATORS, indicators)), ok,
                                   {k: tuple(v) for k, v in model["bounds"].items()},
                                   loadings=np.array(model["loadings"]), share=model["pc1_share"],
                                   pc1_bounds=tuple(model["pc1_bounds"]))
        else:
            res = rsei(*indicators, layers["valid"])
    except ValueError as err:
        raise ValueError(f"RSEI of {year}: {err}") from err
    if res.loadings[2] > 0 or res.loadings[3] > 0:
        log.warning("%d: after orientation NDBSI or LST loads positively on PC1 (%s); kept as computed",
                    year, np.round(res.loadings, 3).tolist())
    return res.rsei, res.loadings, res.pc1_share
