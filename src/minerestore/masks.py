"""Masks of land that cannot be a mine, each from multi-temporal data over its own period (methods.md §3.3, §7.1).

All functions take arrays on the region grid and return boolean arrays of shape (rows, cols); pixels without
any valid observation are False (not masked) unless stated.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import ndimage
from skimage.morphology import disk

WATER_CODE, NOT_WATER_CODE = 2, 1


def water_from_history(history: np.ndarray, ratio: float, buffer_m: float, resolution: float) -> np.ndarray:
    """Water from a JRC-like monthly history: water ratio > ``ratio``, then a ``buffer_m`` buffer.

    Parameters
    ----------
    history : ndarray (months, rows, cols) of uint8
        0 no data, 1 not water, 2 water (JRC Global Surface Water monthly history, methods.md §3.3).
    ratio : float
        WR = N(water) / N(valid) threshold (0.1).
    buffer_m, resolution : buffer (60 m) and pixel size, m.

    Returns
    -------
    ndarray (rows, cols) bool. Pixels never observed are not water.
    """
    water = np.sum(history == WATER_CODE, axis=0)
    valid = water + np.sum(history == NOT_WATER_CODE, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wr = np.where(valid > 0, water / np.maximum(valid, 1), 0.0)
    return buffer(wr > ratio, buffer_m, resolution)


def water_from_occurrence(occurrence: np.ndarray, ratio: float, buffer_m: float, resolution: float) -> np.ndarray:
    """Water from JRC Global Surface Water occurrence: occurrence / 100 > ``ratio``, then a ``buffer_m`` buffer.

    Occurrence is the share of valid observations (1984 onwards) that saw water, so it is the water ratio WR
    of methods.md §3.3 over the whole archive instead of the study's 2014–2015 months (the STAC catalogs publish
    the occurrence layer, not the monthly history).

    Parameters
    ----------
    occurrence : ndarray (rows, cols) of uint8
        0–100 %, 255 = no data (never observed: not water).
    ratio : float
        WR threshold (0.1).
    buffer_m, resolution : buffer (60 m) and pixel size, m.

    Returns
    -------
    ndarray (rows, cols) bool.
    """
    occ = occurrence.astype(np.float32)
    return buffer((occ <= 100) & (occ / 100.0 > ratio), buffer_m, resolution)


def water_from_mndwi(green: np.ndarray, swir1: np.ndarray, threshold: float, ratio: float, buffer_m: float,
                     resolution: float) -> np.ndarray:
    """Fallback water mask without a water history: MNDWI = (G − SWIR1)/(G + SWIR1) > ``threshold`` (Xu 2006,
    methods.md §1.2) in more than ``ratio`` of the years with a valid composite, then buffered.

    Parameters
    ----------
    green, swir1 : ndarray (years, rows, cols) float, yearly composite reflectance, NaN = missing.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mndwi = (green - swir1) / (green + swir1)
    valid = np.isfinite(mndwi)
    wet = np.sum(valid & (np.nan_to_num(mndwi, nan=-1.0) > threshold), axis=0)
    share = np.where(valid.sum(axis=0) > 0, wet / np.maximum(valid.sum(axis=0), 1), 0.0)
    return buffer(share > ratio, buffer_m, resolution)


def vegetation(ndvi_p90: np.ndarray, threshold: float) -> np.ndarray:
    """Vegetated in every year of the period: yearly 90th-percentile NDVI > ``threshold`` (0.25) in all years
    with data (methods.md §3.2, §7.1). With one year this is the study's rule; over several years it keeps land
    that was bare at any time (a mine before or after revegetation) as a candidate.

    Parameters
    ----------
    ndvi_p90 : ndarray (years, rows, cols) float, NaN = no clear observation that year.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lowest = np.nanmin(ndvi_p90, axis=0)
    return np.nan_to_num(lowest, nan=-np.inf) > threshold


def snow(n_snow: np.ndarray, n_obs: np.ndarray, ratio: float) -> np.ndarray:
    """Snow: snow observations / (snow + clear observations) over the period > ``ratio`` (0.2, methods.md §7.1).

    Parameters
    ----------
    n_snow, n_obs : ndarray (years, rows, cols), yearly counts from the composites.
    """
    snow_count = np.nansum(n_snow, axis=0)
    valid = snow_count + np.nansum(n_obs, axis=0)
    return np.where(valid > 0, snow_count / np.maximum(valid, 1), 0.0) > ratio


def builtup(landcover: np.ndarray, classes: list[int]) -> np.ndarray:
    """Built-up land: land-cover codes in ``classes`` (e.g. [50] for ESA WorldCover built-up)."""
    return np.isin(landcover, classes)


def buffer(mask: np.ndarray, buffer_m: float, resolution: float) -> np.ndarray:
    """Binary dilation by a disk of radius ``buffer_m`` (rounded to whole pixels; 0 = unchanged)."""
    radius = int(round(buffer_m / resolution))
    return ndimage.binary_dilation(mask, structure=disk(radius)) if radius > 0 else mask.copy()
