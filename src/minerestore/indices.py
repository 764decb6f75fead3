"""Spectral indices (methods.md §3). Inputs are reflectance arrays (unitless, NaN = missing) of one shape;
numpy or dask arrays (the arithmetic is elementwise)."""

from __future__ import annotations

import numpy as np

#: Tasseled-cap coefficients (brightness, greenness, wetness) in one place with their sources (methods.md §3.3),
#: for the bands of :data:`TASSELED_CAP_BANDS` of each set.
#: Verified in OSGeo/grass scripts/i.tasscap/i.tasscap.py (commit 0c22961): Landsat 8/9 OLI (Baig et al. 2014,
#: Remote Sens. Lett. 5:423–431), Landsat 7 ETM+ (Huang et al. 2002, IJRS 23:1741–1748) and MODIS (Lobser &
#: Cohen 2007, IJRS 28:5079–5101, Table 3, all seven MOD09A1 bands including band 5, 1230–1250 nm).
#: Landsat 4/5 TM reflectance: Crist (1985), RSE 17:301 (wetness verified in grass-addons i.wi/tcw.c; brightness
#: and greenness quoted from the paper [LIT]). Sentinel-2 composites use the OLI set: the 13-band sets of Shi &
#: Xu (2019) and Nedkov (2017) need bands (B1, B5–B7, B8A, B9, B10) the composites do not carry.
TASSELED_CAP = {
    "landsat_oli": {
        "brightness": (0.3029, 0.2786, 0.4733, 0.5599, 0.5080, 0.1872),
        "greenness": (-0.2941, -0.2430, -0.5424, 0.7276, 0.0713, -0.1608),
        "wetness": (0.1511, 0.1973, 0.3283, 0.3407, -0.7117, -0.4559),
    },
    "landsat_etm": {
        "brightness": (0.3561, 0.3972, 0.3904, 0.6966, 0.2286, 0.1596),
        "greenness": (-0.3344, -0.3544, -0.4556, 0.6966, -0.0242, -0.2630),
        "wetness": (0.2626, 0.2141, 0.0926, 0.0656, -0.7629, -0.5388),
    },
    "landsat_tm": {
        "brightness": (0.2043, 0.4158, 0.5524, 0.5741, 0.3124, 0.2303),
        "greenness": (-0.1603, -0.2819, -0.4934, 0.7940, -0.0002, -0.1446),
        "wetness": (0.0315, 0.2021, 0.3102, 0.1594, -0.6806, -0.6109),
    },
    # MODIS order here is blue (b3), green (b4), red (b1), nir (b2), swir1240 (b5), swir1 (b6), swir2 (b7)
    "modis": {
        "brightness": (0.2460, 0.3918, 0.4395, 0.5945, 0.3506, 0.2136, 0.2678),
        "greenness": (-0.2744, -0.2893, -0.4064, 0.5129, 0.4882, -0.0036, -0.4169),
        "wetness": (0.2408, 0.3132, 0.1147, 0.2489, -0.3122, -0.6416, -0.5087),
    },
}
#: Bands (canonical names) the coefficients of each set multiply, in order.
TASSELED_CAP_BANDS = {
    **{k: ("blue", "green", "red", "nir", "swir1", "swir2") for k in ("landsat_oli", "landsat_etm", "landsat_tm")},
    "modis": ("blue", "green", "red", "nir", "swir1240", "swir1", "swir2"),
}
#: composite sensor -> tasseled-cap set
TASSELED_CAP_FOR_SENSOR = {
    "sentinel2_l2a": "landsat_oli", "sentinel2_l2a_pb04": "landsat_oli",
    "sentinel2_l1c": "landsat_oli", "sentinel2_l1c_pb04": "landsat_oli",
    "landsat8_c2l2": "landsat_oli", "landsat9_c2l2": "landsat_oli", "landsat8_l1": "landsat_oli",
    "landsat7_c2l2": "landsat_etm", "landsat7_l1": "landsat_etm",
    "landsat5_c2l2": "landsat_tm", "landsat5_l1": "landsat_tm",
    "modis_mod09a1": "modis", "modis_mod13a1": "modis", "composite": "landsat_oli",
}


def coefficients_for(setting: str, sensors: list[str], family: str) -> str:
    """Tasseled-cap set for a composite: ``setting`` unless it is ``auto``; then the set of the most frequent
    sensor of the composite's acquisitions, else by the region's sensor family (MODIS or the OLI set)."""
    if setting != "auto":
        return setting
    known = [TASSELED_CAP_FOR_SENSOR[s] for s in sensors if s in TASSELED_CAP_FOR_SENSOR]
    if known:
        return max(sorted(set(known)), key=known.count)
    return "modis" if family == "modis" else "landsat_oli"


def _ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - b) / (a + b)


def ndvi(red, nir):
    """NDVI = (NIR − R) / (NIR + R) (methods.md §3.1).

    Parameters
    ----------
    red, nir : ndarray of float, same shape
        Reflectance (unitless); NaN = missing.

    Returns
    -------
    ndarray of float32, same shape; NaN where an input is NaN or NIR + R == 0.
    """
    out = _ratio(np.asarray(nir, np.float32), np.asarray(red, np.float32))
    out[~np.isfinite(out)] = np.nan
    return out


def bare_layer(ndvi: np.ndarray, water: np.ndarray, threshold: float) -> np.ndarray:
    """The bare layer of the bare surface percentage (methods.md §6.1): 1 where the growing-season NDVI is below
    ``threshold`` (bare), 0 where not, NaN where NDVI is missing or the pixel is water (not counted), float32
    (rows, cols); ``water`` bool (rows, cols)."""
    out = (ndvi < threshold).astype(np.float32)
    out[~np.isfinite(ndvi) | water] = np.nan
    return out


def mndwi(green, swir1):
    """MNDWI = (G − SWIR1) / (G + SWIR1) (Xu 2006; methods.md §3.2). NaN where undefined."""
    return _ratio(green, swir1)


def tasseled_cap(bands: dict, component: str, coefficients: str):
    """A tasseled-cap component (``brightness``, ``greenness`` or ``wetness``) of reflectance bands.

    Parameters
    ----------
    bands : dict of reflectance arrays (0–1) with the bands of the set (:data:`TASSELED_CAP_BANDS`):
        ``blue, green, red, nir, swir1, swir2``, and ``swir1240`` (MODIS band 5) for the MODIS set.
    coefficients : key of :data:`TASSELED_CAP` (from config ``ecology.wet_coefficients`` and the sensors,
        :func:`coefficients_for`).

    Raises
    ------
    KeyError
        Unknown coefficient set or component (names the known ones), or a band of the set missing from ``bands``
        (e.g. the MODIS set on a composite without MODIS band 5).
    """
    if coefficients not in TASSELED_CAP:
        raise KeyError(f"tasseled-cap coefficients {coefficients!r}: known sets {sorted(TASSELED_CAP)}")
    weights = TASSELED_CAP[coefficients][component]
    names = TASSELED_CAP_BANDS[coefficients]
    missing = [n for n in names if n not in bands]
    if missing:
        raise KeyError(f"tasseled-cap set {coefficients!r} needs the bands {list(names)}; missing {missing}")
    return sum(w * bands[n] for w, n in zip(weights, names))


def ndbsi(bands: dict):
    """NDBSI = (SI + IBI) / 2 (methods.md §3.4), with the bare-soil index
    SI = [(SWIR1 + R) − (NIR + B)] / [(SWIR1 + R) + (NIR + B)] and the index-based built-up index (Xu 2008)
    IBI = {2 SWIR1/(SWIR1 + NIR) − [NIR/(NIR + R) + G/(G + SWIR1)]} / {2 SWIR1/(SWIR1 + NIR) + [NIR/(NIR + R) +
    G/(G + SWIR1)]}."""
    b, g, r, nir, s1 = (bands[k] for k in ("blue", "green", "red", "nir", "swir1"))
    with np.errstate(divide="ignore", invalid="ignore"):
        si = _ratio(s1 + r, nir + b)
        built = 2 * s1 / (s1 + nir)
        veg_water = nir / (nir + r) + g / (g + s1)
        ibi = _ratio(built, veg_water)
    return (si + ibi) / 2
