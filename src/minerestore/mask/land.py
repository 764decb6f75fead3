"""Masks of land that cannot be a mine, each from multi-temporal data over its own period (methods.md §4).

All functions take arrays on the region grid and return boolean arrays of shape (rows, cols); pixels without
any valid observation are False (not masked) unless stated.
"""

from __future__ import annotations


import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling
from scipy import ndimage
from skimage.morphology import disk

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites, read_on_grid
from minerestore.raster.tiles import halo_windows, tile_grid
from minerestore.raster.vector import burn

WATER_CODE, NOT_WATER_CODE = 2, 1


def water_from_history(history: np.ndarray, ratio: float, buffer_m: float, resolution: float) -> np.ndarray:
    """Water from a JRC-like monthly history: water ratio > ``ratio``, then a ``buffer_m`` buffer.

    Parameters
    ----------
    history : ndarray (months, rows, cols) of uint8
        0 no data, 1 not water, 2 water (JRC Global Surface Water monthly history, methods.md §4.2).
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
    of methods.md §4.2 over the whole archive instead of the study's 2014–2015 months (the STAC catalogs publish
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


def water_from_mndwi(green: np.ndarray, swir1: np.ndarray, *, threshold: float, ratio: float, buffer_m: float,
                     resolution: float) -> np.ndarray:
    """Fallback water mask without a water history: MNDWI = (G − SWIR1)/(G + SWIR1) > ``threshold`` (Xu 2006,
    methods.md §3.2) in more than ``ratio`` of the years with a valid composite, then buffered.

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
    """Vegetated: the 90th-percentile NDVI of every clear observation of the vegetation period (all months; the
    lowest over its windows, :func:`minerestore.seasons.period_dates`) > ``threshold`` (0.25; methods.md §4.4).
    bool (rows, cols); pixels never observed are not vegetated.

    Parameters
    ----------
    ndvi_p90 : ndarray (rows, cols) float, NaN = no clear observation in the period.
    """
    return np.nan_to_num(ndvi_p90, nan=-np.inf) > threshold


def snow(n_snow: np.ndarray, n_obs: np.ndarray, ratio: float) -> np.ndarray:
    """Snow: snow observations / (snow + clear observations) over every scene of the snow period, all months, >
    ``ratio`` (0.2, methods.md §4.5), so seasonal snow is masked too. bool (rows, cols).

    Parameters
    ----------
    n_snow, n_obs : ndarray (rows, cols), counts over the snow period (:func:`minerestore.seasons.period_dates`).
    """
    valid = n_snow + n_obs
    return np.where(valid > 0, n_snow / np.maximum(valid, 1), 0.0) > ratio


def builtup(landcover: np.ndarray, classes: list[int]) -> np.ndarray:
    """Built-up land: land-cover codes in ``classes`` (e.g. [50] for ESA WorldCover built-up)."""
    return np.isin(landcover, classes)


def buffer(mask: np.ndarray, buffer_m: float, resolution: float) -> np.ndarray:
    """Binary dilation by a disk of radius ``buffer_m`` (rounded to whole pixels; 0 = unchanged)."""
    radius = int(round(buffer_m / resolution))
    return ndimage.binary_dilation(mask, structure=disk(radius)) if radius > 0 else mask.copy()


MASKS = ("water", "vegetation", "snow", "builtup")


def read_water_history(path: str, grid: Grid, span, window) -> np.ndarray:
    """The months of ``span`` = [first, last] year of a monthly water history (bands named ``YYYY-MM``; 0 no data,
    1 not water, 2 water) on a window of the grid: (months, rows, cols) uint8.

    Raises
    ------
    ValueError
        Naming the file when no band falls in the span.
    """
    with rasterio.open(path) as src:
        names = list(src.descriptions)
    bands = [i + 1 for i, n in enumerate(names) if n is None or span[0] <= int(str(n)[:4]) <= span[1]]
    if not bands:
        raise ValueError(f"{path}: no month of {span[0]}–{span[1]} (bands {names[:3]}…); set masks.water_years")
    return read_on_grid(path, grid, bands, window, resampling=Resampling.nearest, fill=0)


def window_masks(grid: Grid, window, sources: dict, composites: list[str], *, periods: dict[str, str],
                 thresholds: dict, options: dict) -> dict[str, np.ndarray]:
    """The four masks (bool, rows x cols of ``window``) on one window of the region grid.

    Water from the monthly history of ``masks.water_years``, else the JRC occurrence, else the MNDWI of the yearly
    ``composites``; vegetation from the NDVI percentile and snow from the snow counts of the mask-period
    composites ``periods`` (``vegetation``, ``snow``: :func:`minerestore.seasons.period_dates`); built-up from the
    land-cover classes ``masks.builtup_classes`` (none without land cover).
    """
    t, m = thresholds, options
    if "water_history" in sources:
        history = read_water_history(sources["water_history"], grid, m["water_years"], window)
        water = water_from_history(history, t["water_ratio"], t["water_buffer_m"], grid.resolution)
    elif "water_occurrence" in sources:
        occurrence = read_on_grid(sources["water_occurrence"], grid, 1, window, resampling=Resampling.nearest,
                                  fill=255)
        water = water_from_occurrence(occurrence, t["water_ratio"], t["water_buffer_m"], grid.resolution)
    else:
        c = read_composites(composites, ["green", "swir1"], window)
        water = water_from_mndwi(c["green"], c["swir1"], threshold=t["mndwi_water"], ratio=t["water_ratio"],
                                 buffer_m=t["water_buffer_m"], resolution=grid.resolution)
    veg = read_composites([periods["vegetation"]], ["ndvi_p90"], window)["ndvi_p90"][0]
    counts = read_composites([periods["snow"]], ["n_snow", "n_obs"], window)
    if "landcover" in sources:
        built = builtup(read_on_grid(sources["landcover"], grid, 1, window, resampling=Resampling.nearest),
                        m["builtup_classes"])
    else:
        built = np.zeros((int(window.height), int(window.width)), bool)
    return {"water": water, "vegetation": vegetation(veg, t["vegetation_p90_ndvi"]),
            "snow": snow(counts["n_snow"][0], counts["n_obs"][0], t["snow_ratio"]), "builtup": built}


def region_masks(grid: Grid, study_area: gpd.GeoSeries, sources: dict, composites: list[str], *,
                 periods: dict[str, str], thresholds: dict, options: dict, tile_px: int):
    """The masks of a region tile by tile, each tile read with a margin as wide as the water buffer (so the
    buffer reaches across tile edges exactly).

    Yields
    ------
    (window, masks, inside): masks name -> uint8 (rows, cols) with 1 = masked, 0 = not, 255 outside the study area;
    inside: bool (rows, cols), the study area on the tile.
    """
    halo = int(np.ceil(thresholds["water_buffer_m"] / grid.resolution)) + 1
    for window, padded, inner in halo_windows(grid, tile_px, halo):
        layers = window_masks(grid, padded, sources, composites, periods=periods, thresholds=thresholds,
                              options=options)
        inside = burn(study_area, tile_grid(grid, window)).astype(bool)
        yield window, {k: np.where(inside, v[inner], 255).astype(np.uint8) for k, v in layers.items()}, inside


def area_table(masks: dict[str, np.ndarray], inside: np.ndarray) -> pd.DataFrame:
    """Pixel counts of each mask and of the ``remaining`` land (no mask) inside the study area, and the study
    area's own count (class ``inside``): class, n_px. Tables of several tiles add up."""
    set_ = {k: (v == 1) & inside for k, v in masks.items()}
    counts = {k: int(v.sum()) for k, v in set_.items()}
    counts["remaining"] = int((inside & ~np.any(list(set_.values()), axis=0)).sum())
    counts["inside"] = int(inside.sum())
    return pd.DataFrame({"class": list(counts), "n_px": list(counts.values())})


def area_shares(counts: pd.DataFrame, resolution: float) -> pd.DataFrame:
    """Areas of the summed :func:`area_table` counts: class (masks and ``remaining``), area_km2, share_pct of the
    study area."""
    n = counts.groupby("class", sort=False)["n_px"].sum()
    px_km2 = resolution**2 / 1e6
    table = pd.DataFrame({"class": [*MASKS, "remaining"]})
    table["area_km2"] = [n.get(k, 0) * px_km2 for k in table["class"]]
    table["share_pct"] = 100 * table["area_km2"] / (n.get("inside", 0) * px_km2)
    return table
