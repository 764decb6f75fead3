"""Spectral indices (methods.md §1.2). Inputs are reflectance arrays (unitless, NaN = missing) of one shape."""

from __future__ import annotations

import numpy as np


def ndvi(red: np.ndarray, nir: np.ndarray) -> np.ndarray:
    """NDVI = (NIR − R) / (NIR + R) (methods.md §1.2).

    Parameters
    ----------
    red, nir : ndarray of float, same shape
        Reflectance (unitless); NaN = missing.

    Returns
    -------
    ndarray of float32, same shape; NaN where an input is NaN or NIR + R == 0.
    """
    red = np.asarray(red, np.float32)
    nir = np.asarray(nir, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (nir - red) / (nir + red)
    out[~np.isfinite(out)] = np.nan
    return out
