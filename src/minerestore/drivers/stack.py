"""Drivers on the analysis grid (methods.md §12.1): user rasters resampled, slope, distance to the nearest mine and
mine-area share in a moving window, and RSEI averaged onto the same grid.

Resampling rules: continuous driver fields (precipitation, night light, GDP, PM2.5, CO2, DEM) bilinear, as in the
mining-cities study; RSEI area-weighted over its valid pixels with a minimum valid share (the study area is the
sampling domain); shares (mine area) area-weighted (mean of the fine 0/1 mine raster); slope is computed on the
fine DEM and averaged, so it is not flattened by a coarse DEM. Fine layers are reduced tile by tile
(:func:`tiled_mean`), so memory is bounded by the tile and the analysis grid.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from rasterio.enums import Resampling
from rasterio.warp import reproject
from scipy import ndimage
from skimage.graph import MCP_Geometric

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_float, read_on_grid, sample_values
from minerestore.raster.tiles import pad_window, tile_grid, tile_windows
from minerestore.raster.vector import burn
from minerestore.sources.contract import RASTER_CONTRACTS, check_raster_values
from minerestore.topography import slope_degrees


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


def tiled_mean(read_tile, source: Grid, target: Grid, tile_px: int, min_valid_fraction: float = 0.0) -> np.ndarray:
    """Area-weighted mean of a fine layer over each analysis pixel, one fine tile in memory at a time.

    Each tile's values, valid-pixel weights and pixel counts are summed onto the analysis grid (GDAL ``sum``
    resampling, which weights partly covered pixels by their coverage) and the sums of all tiles divided, so
    analysis pixels on tile edges get the same mean as GDAL's ``average`` of the whole fine layer.

    Parameters
    ----------
    read_tile : callable (rasterio Window of ``source``) -> ndarray (rows, cols) float, NaN = nodata.
    source, target : the fine region grid and the analysis grid; tile_px : tile side on ``source``.
    min_valid_fraction : float in [0, 1]
        An analysis pixel keeps its mean only when at least this share of its fine pixels is valid (0: any one).

    Returns
    -------
    ndarray target.shape float32, NaN where no fine pixel (or too small a share) is valid.
    """
    total = np.zeros(target.shape, np.float64)
    weight = np.zeros(target.shape, np.float64)
    count = np.zeros(target.shape, np.float64)  # fine pixels per analysis pixel, needed for a minimum share only
    for window in tile_windows(source, tile_px).values():
        values = np.asarray(read_tile(window), np.float32)
        ok = np.isfinite(values)
        tile = tile_grid(source, window)
        total += np.nan_to_num(to_grid(np.where(ok, values, 0), tile, target, Resampling.sum))
        weight += np.nan_to_num(to_grid(ok.astype(np.float32), tile, target, Resampling.sum))
        if min_valid_fraction > 0:
            count += np.nan_to_num(to_grid(np.ones(values.shape, np.float32), tile, target, Resampling.sum))
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (weight > 0) & (weight >= min_valid_fraction * count - 1e-6)
        return np.where(keep, total / weight, np.nan).astype(np.float32)


def distance_to_mines(share: np.ndarray, target: Grid, obstruction: np.ndarray | None = None) -> np.ndarray:
    """Distance (m) from each analysis pixel centre to the nearest mine.

    ``share`` is the mine-area fraction of each analysis pixel (:func:`tiled_mean` of the fine 0/1 mine raster).
    Without ``obstruction``: Euclidean (``scipy.ndimage.distance_transform_edt`` on the analysis grid, mines
    burnt in where they cover any part of a pixel). With ``obstruction`` (bool on the analysis grid, e.g. sea):
    the shortest path that does not cross obstructed pixels (scikit-image ``MCP_Geometric``, 8-connected, cost =
    metres); obstructed pixels and pixels cut off from every mine get NaN. Pixels containing a mine are 0.
    """
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


def mine_share_window(share: np.ndarray, target: Grid, window_km: float) -> np.ndarray:
    """Mine-area share (%) in a ``window_km`` x ``window_km`` moving window centred on each analysis pixel: the
    area-weighted mine fraction ``share`` of each analysis pixel (:func:`tiled_mean`), averaged over the window
    (pixels outside the region are not counted)."""
    share = np.nan_to_num(share)
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
        If the raster has no value on the analysis grid (it does not overlap the region), or stores a fill value
        as data without declaring it no data (:func:`minerestore.sources.contract.check_raster_values`), naming the
        driver and the file.
    """
    check_raster_values(*sample_values(path, target), RASTER_CONTRACTS["driver"], f"driver {name!r} {path}")
    values = read_float(path, target, Resampling.bilinear)
    if not np.isfinite(values).any():
        raise ValueError(f"{path}: driver {name!r} does not overlap the region (no value on the analysis grid); "
                         "check its CRS and extent")
    return values


def driver_layers(grid: Grid, target: Grid, sources: dict, mines, *, tile_px: int, window_km: float) -> dict:
    """Every driver of a region on the analysis grid ``target`` (methods.md §12.1).

    User drivers (``sources['drivers']``, :func:`user_driver`); the DEM (bilinear) and slope (degrees, computed on
    the fine DEM tile by tile with a one-pixel margin, then averaged); distance to the nearest mine (around the
    ``obstruction`` raster when given) and the mine-area share in a ``window_km`` window, from the mine share of
    each analysis cell (averaged from the fine grid).

    Returns
    -------
    dict name -> float32 (rows, cols) on ``target``, NaN where missing.
    """
    layers = {name: user_driver(path, name, target) for name, path in sources.get("drivers", {}).items()}
    if "dem" in sources:
        layers["dem"] = read_float(sources["dem"], target, Resampling.bilinear)

        def slope_tile(window):  # slope on the fine DEM with a one-pixel margin, so tile edges are exact
            padded, inner = pad_window(grid, window, 1)
            return slope_degrees(read_float(sources["dem"], grid, window=padded), grid.resolution)[inner]

        layers["slope"] = tiled_mean(slope_tile, grid, target, tile_px)
    share = tiled_mean(lambda w: burn(mines.geometry, tile_grid(grid, w)).astype(np.float32), grid, target, tile_px)
    obstruction = None
    if "obstruction" in sources:
        obstruction = read_on_grid(sources["obstruction"], target, 1, resampling=Resampling.nearest, fill=0) == 1
    layers["distance_to_mine"] = distance_to_mines(share, target, obstruction)
    layers["mine_share"] = mine_share_window(share, target, window_km)
    return layers


def analysis_rsei(path: str | os.PathLike, grid: Grid, target: Grid, tile_px: int,
                  min_valid_fraction: float) -> np.ndarray:
    """RSEI on the analysis grid: the area-weighted mean of the fine RSEI raster (``rsei`` band, NaN outside the
    study area, over water and cloud) over each analysis pixel with at least ``min_valid_fraction`` of its fine
    pixels valid (:func:`tiled_mean`), so driver samples lie in the analysis domain. float32 target.shape."""
    return tiled_mean(lambda w: read_on_grid(path, grid, "rsei", w, fill=np.nan).astype(np.float32), grid, target,
                      tile_px, min_valid_fraction)


def check_coverage(layers: dict, rsei: np.ndarray, sources: dict, region: str, min_share: float) -> dict[str, float]:
    """Share of the sampled analysis pixels (those with an RSEI value: the study area) that each driver covers.

    Parameters
    ----------
    layers : driver name -> float32 (rows, cols) on the analysis grid (NaN = no value); rsei : same shape.
    sources : the region's sources (``drivers``: name -> file, ``dem``), to name the file of a driver.
    min_share : float in [0, 1] (``drivers.min_coverage``).

    Returns
    -------
    dict driver -> covered share of the sampled pixels.

    Raises
    ------
    ValueError
        When a driver read from a file covers less than ``min_share`` of them, naming the driver, its file, the
        region (the city) and the share: a raster that stops short of a city would quietly drop its edge from the
        forest. Computed drivers (slope, distance to mine, mine share) are not checked.
    """
    sampled = np.isfinite(rsei)
    files = {**sources.get("drivers", {}), **({"dem": sources["dem"]} if "dem" in sources else {})}
    shares = {name: float(np.isfinite(layer[sampled]).mean()) if sampled.any() else 1.0
              for name, layer in layers.items()}
    for name, path in files.items():
        if name in shares and shares[name] < min_share:
            raise ValueError(f"region {region!r}: driver {name!r} ({path}) covers {shares[name]:.1%} of the "
                             f"{int(sampled.sum())} analysis pixels of the study area, less than drivers.min_coverage "
                             f"= {min_share:.0%}; give a raster that covers the whole of {region!r}")
    return shares


def samples_table(target: Grid, rsei: np.ndarray, layers: dict):
    """The pixel table of the analysis grid: x, y (cell centres, m), rsei and one column per driver, for the cells
    with an RSEI value (drivers may be NaN: :func:`minerestore.drivers.forest.usable_samples` reports them)."""
    xs, ys = target.xy_centres()
    gx, gy = np.meshgrid(xs, ys)
    samples = pd.DataFrame({"x": gx.ravel(), "y": gy.ravel(), "rsei": rsei.ravel(),
                            **{k: v.ravel() for k, v in layers.items()}})
    return samples[np.isfinite(samples["rsei"])]
