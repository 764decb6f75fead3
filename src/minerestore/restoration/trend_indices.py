"""The yearly layers that pixel-wise trend maps can be made of (``restoration.trend_indices``), by name.

Two kinds, resolved by :func:`trend_index`:

- the studies' own layers, in :data:`TREND_INDICES` (the only list of them): ``ndvi`` (the composites'
  growing-season NDVI, the median of per-scene NDVI), ``bare`` (1 where that NDVI is below the BSP threshold, the
  bare indicator of the Yangtze study), ``rsei`` and ``rem`` (the yearly ecology rasters);
- any standard spectral index of the Awesome Spectral Indices catalogue (Montero et al. 2023, Sci. Data 10:197),
  through its Python package ``spyndex``: NDMI, EVI, SAVI, BI, … computed from the composites' median reflectance.
  An index needing a band the composites lack (red edge, thermal, …) is refused with the band named.

The config check, the trend rules' inputs and wildcard, the trend map script and the report's captions read this
module; adding a layer of our own is one :class:`TrendIndex` entry and its test (docs/contributing.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from minerestore.indices import bare_layer
from minerestore.registry import Registry

#: Band codes of the Awesome Spectral Indices catalogue -> the composites' reflectance bands.
SPECTRAL_BANDS = {"B": "blue", "G": "green", "R": "red", "N": "nir", "S1": "swir1", "S2": "swir2"}
#: Caption of the trend map of a spectral index of the catalogue (workflow/report/).
SPECTRAL_CAPTION = "trend_spectral"


@dataclass(frozen=True)
class TrendIndex:
    """A yearly layer mapped pixel by pixel with Mann–Kendall and Sen's slope.

    Attributes
    ----------
    name : the config name (``ndvi``); it names the files ``restoration/trend_{name}.vrt``.
    input : the yearly rasters it reads: ``composites``, ``rsei`` or ``rem`` (an input of the ``trend_map`` rule).
    bands : the bands of those rasters it reads.
    layer : ``layer(bands, water, bsp_ndvi)`` -> float32 (years, rows, cols), NaN where missing; ``bands`` maps
        each of :attr:`bands` to its (years, rows, cols) float32 stack (not to be modified), ``water`` is bool
        (rows, cols), ``bsp_ndvi`` the bare threshold (``thresholds.bsp_ndvi``).
    caption : the report caption of its trend map, ``workflow/report/{caption}.rst``.
    higher_is_better : a rising value is an improvement (the map's colours).
    """

    name: str
    input: str
    bands: tuple[str, ...]
    layer: Callable[[dict, np.ndarray, float], np.ndarray]
    caption: str
    higher_is_better: bool = True


def _band(name: str) -> Callable:
    return lambda bands, water, bsp_ndvi: bands[name]


TREND_INDICES: Registry[TrendIndex] = Registry("trend index of our own")
TREND_INDICES.add(TrendIndex("ndvi", "composites", ("ndvi",), _band("ndvi"), "trend_ndvi"))
TREND_INDICES.add(TrendIndex("bare", "composites", ("ndvi",),
                             lambda bands, water, bsp_ndvi: bare_layer(bands["ndvi"], water, bsp_ndvi),
                             "trend_bare", higher_is_better=False))
TREND_INDICES.add(TrendIndex("rsei", "rsei", ("rsei",), _band("rsei"), "trend_rsei"))
TREND_INDICES.add(TrendIndex("rem", "rem", ("rem",), _band("rem"), "trend_rem"))


def trend_index(name: str) -> TrendIndex:
    """The trend index ``name``: one of :data:`TREND_INDICES`, else a spectral index of the Awesome Spectral
    Indices catalogue (:func:`spectral_index`).

    Raises
    ------
    KeyError
        When ``name`` is neither (the message names the layers of our own and where to find the catalogue's).
    ValueError
        From :func:`spectral_index`: the index needs a band the composites do not have, or it would share a file
        name with one of ours.
    """
    if name in TREND_INDICES:
        return TREND_INDICES[name]
    return spectral_index(name)


@functools.cache
def spectral_index(name: str) -> TrendIndex:
    """A spectral index of the Awesome Spectral Indices catalogue (``spyndex``) as a trend index of the composites'
    median reflectance, with the catalogue's default constants (EVI's g, C1, C2, L; SAVI's L …).

    Raises
    ------
    KeyError
        When the catalogue has no index ``name`` (names are case-sensitive: ``NDMI``, ``EVI``).
    ValueError
        When the index needs a band the composites do not have (naming the band), a constant without default,
        or when its name differs from one of :data:`TREND_INDICES` only by case (``NDVI``: the files would clash
        on case-insensitive file systems, and ``ndvi`` is the studies' growing-season NDVI).
    """
    import spyndex

    if name not in spyndex.indices:
        raise KeyError(f"{name!r} is neither a trend index of our own ({', '.join(TREND_INDICES)}) nor an index of "
                       "the Awesome Spectral Indices catalogue (names are case-sensitive, e.g. NDMI, EVI, SAVI; see "
                       "https://awesome-ee-spectral-indices.readthedocs.io)")
    if name.lower() in TREND_INDICES:
        raise ValueError(f"{name!r} differs from the trend index {name.lower()!r} only by case; use "
                         f"{name.lower()!r} (the studies' growing-season layer)")
    entry = spyndex.indices[name]
    constants = {c: spyndex.constants[c].default for c in entry.bands if c in spyndex.constants}
    unset = [c for c, value in constants.items() if value is None]
    missing = [b for b in entry.bands if b not in SPECTRAL_BANDS and b not in constants]
    if missing or unset:
        what = [f"{b} ({spyndex.bands[b].long_name})" for b in missing] + [f"constant {c}" for c in unset]
        raise ValueError(f"spectral index {name!r} ({entry.formula}) needs {', '.join(what)}, which the composites "
                         f"do not have; they have {', '.join(SPECTRAL_BANDS.values())}")
    codes = [b for b in entry.bands if b in SPECTRAL_BANDS]

    def layer(bands, water, bsp_ndvi):
        params = {c: bands[SPECTRAL_BANDS[c]] for c in codes} | constants
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(spyndex.computeIndex(name, params=params), np.float32)
        return np.where(np.isfinite(out), out, np.float32(np.nan))

    return TrendIndex(name, "composites", tuple(SPECTRAL_BANDS[c] for c in codes), layer, SPECTRAL_CAPTION)


def inputs_bands(names: list[str]) -> dict[str, list[str]]:
    """The bands each input (``composites``, ``rsei``, ``rem``) must give for the trend indices ``names``, in
    order of first use, each band once: what a trend map job reads."""
    out: dict[str, list[str]] = {}
    for name in names:
        index = trend_index(name)
        out.setdefault(index.input, [])
        out[index.input] += [b for b in index.bands if b not in out[index.input]]
    return out
