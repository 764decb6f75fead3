"""Vectors on the region grid: layers re-projected to the grid CRS, the mines layer, rasterised polygons."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
from rasterio.features import rasterize
from rasterio.windows import Window

from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid


def read_vector(path: str | os.PathLike, crs: str) -> gpd.GeoDataFrame:
    """A vector layer re-projected to ``crs``.

    Raises
    ------
    ValueError
        If the layer has no CRS (names the file).
    """
    frame = gpd.read_file(path)
    if frame.crs is None:
        raise ValueError(f"{path}: the layer has no CRS; set one and rerun")
    return frame.to_crs(crs)


def read_mines(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """The mines layer (``mines/mines.gpkg``) with ``mine_id`` as text, also when it holds no mine."""
    mines = gpd.read_file(path)
    mines["mine_id"] = mines["mine_id"].astype(str)
    return mines


def burn(geoms, grid: Grid, values=None, dtype: str = "uint8") -> np.ndarray:
    """Rasterise geometries onto the grid (pixel centres; 0 elsewhere); ``values`` default 1."""
    geoms = list(geoms)
    if not geoms:
        return np.zeros(grid.shape, dtype)
    values = values if values is not None else [1] * len(geoms)
    return rasterize(list(zip(geoms, values)), out_shape=grid.shape, transform=grid.transform, dtype=dtype)


def burn_mask(geoms, grid: Grid, chunk_px: int | None = None):
    """Pixels of ``grid`` whose centre lies in the geometries, as bool (rows, cols): numpy, or with ``chunk_px``
    a dask array of ``chunk_px`` tiles each burnt only when computed (memory bounded by the tile)."""
    geoms = list(geoms)
    if chunk_px is None:
        return burn(geoms, grid).astype(bool)
    import dask.array as da

    def tile(block_info=None):
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        return burn(geoms, tile_grid(grid, Window(c0, r0, c1 - c0, r1 - r0))).astype(bool)

    chunks = da.core.normalize_chunks((chunk_px, chunk_px), grid.shape)
    return da.map_blocks(tile, chunks=chunks, dtype=bool, meta=np.empty((0, 0), bool))
