"""Writing rasters on the region grid: atomically (design.md, Data contracts: a temporary name renamed when
complete), with one described band per quantity, whole or block by block from (dask) layers, and scratch spills
of lazy layers."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import rasterio

from minerestore import __version__
from minerestore.io import atomic_path
from minerestore.lazy import compute, is_dask
from minerestore.memory import trim_heap
from minerestore.raster.grid import Grid
from minerestore.raster.read import lazy_on_grid
from minerestore.raster.tiles import tile_windows


@contextlib.contextmanager
def raster_writer(
    path: str | os.PathLike, profile: dict, band_names: list[str], tags: dict | None = None
) -> Iterator[rasterio.io.DatasetWriter]:
    """Open a GeoTIFF for (windowed) writing under a temporary name; on success set the band descriptions and
    tags (the software version is always added) and rename it onto ``path``.

    Parameters
    ----------
    profile : dict
        rasterio profile (e.g. from :meth:`minerestore.grid.Grid.profile`); ``count`` is set from ``band_names``.
    band_names : list of str
        One name per band, stored as the band description (design.md, Data contracts).
    tags : dict, optional
        Dataset tags (sensor, season, years).
    """
    prof = dict(profile, count=len(band_names))
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **prof) as dst:
            yield dst
            for i, name in enumerate(band_names, start=1):
                dst.set_band_description(i, name)
            dst.update_tags(software=f"minerestore {__version__}", **{k: str(v) for k, v in (tags or {}).items()})


def write_raster(
    path: str | os.PathLike,
    data: np.ndarray,
    profile: dict,
    band_names: list[str],
    tags: dict | None = None,
) -> None:
    """Write a (bands, rows, cols) array atomically with one described band per quantity.

    Float32 rasters use NaN as nodata (design.md, Data contracts); see :func:`raster_writer` for the other arguments.

    Raises
    ------
    ValueError
        If the number of names does not match the number of bands.
    """
    if data.ndim != 3 or data.shape[0] != len(band_names):
        raise ValueError(f"{path}: data shape {data.shape} does not match {len(band_names)} band names")
    with raster_writer(path, dict(profile, dtype=str(data.dtype)), band_names, tags) as dst:
        dst.write(data)


def write_blocks(path: str | os.PathLike, layers: list, grid: Grid, names: list[str], *, tags: dict | None,
                 chunk_px: int, dtype: str = "float32", nodata=float("nan"), compress: bool = True) -> None:
    """Write 2-D layers (numpy or dask arrays on ``grid``) as one multi-band GeoTIFF, one tile at a time.

    The layers of a tile are computed together (shared dask intermediates are computed once), so memory is
    bounded by the tile, not the region (the heap freed by each tile is given back, :func:`trim_heap`). Written
    under a temporary name and renamed when complete.
    """
    profile = grid.profile(len(layers), dtype, nodata)
    if not compress:  # scratch files read many times: no decompression cost
        for key in ("compress", "zstd_level", "predictor"):
            profile.pop(key)
    with raster_writer(path, profile, names, tags) as dst:
        for window in tile_windows(grid, chunk_px).values():
            rows, cols = window.toslices()
            block = compute(*[layer[rows, cols] for layer in layers])
            dst.write(np.stack([np.asarray(b) for b in block]).astype(dtype), window=window)
            trim_heap()  # the tile's temporaries, freed, back to the system: memory flat over the tiles


def spill(layers: dict, grid: Grid, chunk_px: int, folder: str | os.PathLike) -> dict:
    """Compute lazy (dask) layers once, tile by tile, into a GeoTIFF under ``folder`` and return lazy readers of it.

    A streamed computation that makes several passes over the region (normalisation bounds, covariance, ranges)
    would otherwise recompute every layer from the inputs in each pass; after a spill each pass only reads the
    stored tiles. Boolean layers come back boolean. Numpy layers (a region of one tile) are returned unchanged.
    """
    if not any(is_dask(v) for v in layers.values()):
        return layers
    names = list(layers)
    path = Path(folder) / "spill.tif"
    write_blocks(path, [layers[k] for k in names], grid, names, tags=None, chunk_px=chunk_px, compress=False)
    out = {}
    for name in names:
        lazy = lazy_on_grid(path, grid, name, chunk_px)
        out[name] = lazy > 0.5 if layers[name].dtype == bool else lazy
    return out
