"""Drivers on the analysis grid (methods.md §7.2): user rasters resampled, slope, distance to the nearest mine and
mine-area share in a moving window, and RSEI brought to the same grid.

Resampling rules: continuous fields (precipitation, night light, GDP, PM2.5, CO2, DEM, RSEI) bilinear, as in the
mining-cities study; shares (mine area) area-weighted (``average`` of the fine 0/1 mine raster); slope is computed
on the fine DEM and averaged, so it is not flattened by a coarse DEM.
"""

from __future__ import annotations

import os

import numpy as np
from rasterio.enums import Resampling
from rasterio.warp import reproject
from scipy import ndimage
from skimage.graph import MCP_Geometric

from .grid import Grid
from .layers import read_float


def analysis_grid(grid: Grid, resolution_m: float) -> Grid:
    """The analysis grid: the region's extent and CRS at ``resolution_m``."""
    return Grid.from_bounds(grid.crs, grid.bounds, resolution_m)


def to_grid(values: np.ndarray, source: Grid, target: Grid, resampling: Resampling) -> np.ndarray:
    """Resample a float array on ``source`` onto ``target`` (NaN = nodata), float32 (rows, cols)."""
    out = np.full(target.shape, np.nan, np.float32)
    reproject(values.astype(np.float32), out, src_transform=source.transform, src_crs=source.crs,
              dst_transform=target.transform, dst_crs=target.crs, resampling=resampling, src_nodata=np.nan,
              dst_nodata=np.nan)
    return out


def distance_to_mines(mines_fine: np.ndarray, source: Grid, target: Grid,
                      obstruction: np.ndarray | None = None) -> np.ndarray:
    """Distance (m) from each analysis pixel centre to the nearest mine.

    Without ``obstruction``: Euclidean (``scipy.ndimage.distance_transform_edt`` on the analysis grid, mines
    burnt in where they cover any part of a pixel). With ``obstruction`` (bool on the analysis grid, e.g. sea):
    the shortest path that does not cross obstructed pixels (scikit-image ``MCP_Geometric``, 8-connected, cost =
    metres); obstructed pixels and pixels cut off from every mine get NaN. Pixels containing a mine are 0.
    """
    share = to_grid(mines_fine.astype(np.float32), source, target, Resampling.average)
    has_mine = np.nan_to_num(share) > 0
    if not has_mine.any():
        return np.full(target.shape, np.nan, np.float32)
    if obstruction is None:
        return (ndimage.distance_transform_edt(~has_mine) * target.resolution).astype(np.float32)
    costs = np.where(obstruction, np.inf, target.resolution)
    cumulative, _ = MCP_Geometric(costs).find_costs(np.argwhere(has_mine & ~obstruction))
    out = cumulative.astype(np.float32)
    out[~np.isfinite(out) | obstruction] = np.nan
    return out


def mine_share_window(mines_fine: np.ndarray, source: Grid, target: Grid, window_km: float) -> np.ndarray:
    """Mine-area share (%) in a ``window_km`` x ``window_km`` moving window centred on each analysis pixel: the
    area-weighted mine fraction of each analysis pixel, averaged over the window (pixels outside the region
    are not counted)."""
    share = np.nan_to_num(to_grid(mines_fine.astype(np.float32), source, target, Resampling.average))
    size = max(1, int(round(window_km * 1000 / target.resolution)))
    total = ndimage.uniform_filter(share, size, mode="constant")
    count = ndimage.uniform_filter(np.ones_like(share), size, mode="constant")
    return (100 * total / count).astype(np.float32)


def user_driver(path: str | os.PathLike, name: str, target: Grid) -> np.ndarray:
    """A user driver raster (any CRS and resolution) resampled bilinearly onto the analysis grid, float32 with NaN
    for nodata.

    Raises
    ------
    ValueError
        If the raster has no value on the analysis grid (it does not overlap the region), naming the driver.
    """
    values = read_float(path, target, Resampling.bilinear)
    if not np.isfinite(values).any():
        raise ValueError(f"{path}: driver {name!r} does not overlap the region (no value on the analysis grid); "
                         "check its CRS and extent")
    return values
