"""Landsat Level-1 calibration from the ``*_MTL.txt`` metadata: top-of-atmosphere reflectance and
brightness temperature.

Formulas (USGS Landsat 8 Data Users Handbook §5; Landsat 7 Handbook §5, also used by Collection 1 MTL files):

- TOA reflectance with sun-angle correction: ``rho = (M_rho * Q + A_rho) / sin(theta_SE)``,
  ``M_rho = REFLECTANCE_MULT_BAND_n``, ``A_rho = REFLECTANCE_ADD_BAND_n``, ``theta_SE = SUN_ELEVATION``.
- Spectral radiance: ``L = M_L * Q + A_L`` (``RADIANCE_MULT_BAND_n``, ``RADIANCE_ADD_BAND_n``).
- Brightness temperature (K): ``T = K2 / ln(K1 / L + 1)`` (``K1_CONSTANT_BAND_n``, ``K2_CONSTANT_BAND_n``).

No dedicated library parses MTL files into these arrays (rasterio reads the pixels; the arithmetic is three lines),
so it is written here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

_LINE = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.+?)\s*$")


def read_mtl(path: str | os.PathLike) -> dict[str, str | float]:
    """Parse an MTL file into a flat dict ``{KEY: value}`` (numbers as float, strings unquoted).

    Raises
    ------
    ValueError
        If the file holds no ``KEY = value`` lines (not an MTL file).
    """
    values: dict[str, str | float] = {}
    for line in Path(path).read_text(errors="replace").splitlines():
        m = _LINE.match(line)
        if not m or m.group(1) in ("GROUP", "END_GROUP"):
            continue
        raw = m.group(2).strip('"')
        try:
            values[m.group(1)] = float(raw)
        except ValueError:
            values[m.group(1)] = raw
    if "SUN_ELEVATION" not in values:
        raise ValueError(f"{path}: not a Landsat MTL file (no SUN_ELEVATION); give the scene's *_MTL.txt")
    return values


def _band_key(band: str) -> str:
    """MTL key suffix of a band file name: 'B4' -> '4', 'B6_VCID_1' -> '6_VCID_1', 'B10' -> '10'."""
    return band[1:] if band.startswith("B") else band


def _mtl_value(mtl: dict, key: str, source: str) -> float:
    try:
        return float(mtl[key])
    except KeyError:
        raise KeyError(f"{source}: MTL has no {key}; is this band thermal/reflective as the sensor profile says?") from None


def toa_reflectance(dn: np.ndarray, mtl: dict, band: str, source: str = "MTL") -> np.ndarray:
    """TOA reflectance (float32, unitless, sun-angle corrected) of Level-1 DN; DN 0 (fill) -> NaN.

    Parameters
    ----------
    dn : ndarray of int, any shape
        Quantised calibrated pixel values Q of one reflective band.
    mtl : dict
        From :func:`read_mtl`.
    band : str
        Band file suffix, e.g. ``"B4"``.

    Raises
    ------
    KeyError
        If the MTL lacks the band's reflectance coefficients.
    """
    k = _band_key(band)
    mult = _mtl_value(mtl, f"REFLECTANCE_MULT_BAND_{k}", source)
    add = _mtl_value(mtl, f"REFLECTANCE_ADD_BAND_{k}", source)
    sin_e = np.sin(np.deg2rad(float(mtl["SUN_ELEVATION"])))
    out = ((dn.astype(np.float64) * mult + add) / sin_e).astype(np.float32)
    out[dn == 0] = np.nan
    return out


def brightness_temperature(dn: np.ndarray, mtl: dict, band: str, source: str = "MTL") -> np.ndarray:
    """At-sensor brightness temperature in kelvin (float32) of a thermal band; DN 0 (fill) -> NaN.

    Raises
    ------
    KeyError
        If the MTL lacks the band's radiance or K1/K2 constants.
    """
    k = _band_key(band)
    radiance = dn.astype(np.float64) * _mtl_value(mtl, f"RADIANCE_MULT_BAND_{k}", source) + _mtl_value(
        mtl, f"RADIANCE_ADD_BAND_{k}", source
    )
    k1 = _mtl_value(mtl, f"K1_CONSTANT_BAND_{k}", source)
    k2 = _mtl_value(mtl, f"K2_CONSTANT_BAND_{k}", source)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (k2 / np.log(k1 / radiance + 1.0)).astype(np.float32)
    out[(dn == 0) | ~(radiance > 0)] = np.nan
    return out
