"""Terrain derivatives of a DEM on the region grid."""

from __future__ import annotations

import numpy as np


def slope_degrees(dem: np.ndarray, resolution: float) -> np.ndarray:
    """Slope in degrees by central differences (``numpy.gradient``; one-sided at the edges).

    Parameters
    ----------
    dem : ndarray (rows, cols) float, elevation in metres; NaN propagates to its neighbours.
    resolution : pixel size in metres.

    Returns
    -------
    ndarray (rows, cols) float32, degrees in [0, 90).
    """
    gy, gx = np.gradient(dem.astype(np.float64), resolution)
    return np.degrees(np.arctan(np.hypot(gx, gy))).astype(np.float32)
