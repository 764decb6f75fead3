"""Tiles and windows of the region grid (design.md, Principles: bounded memory).

The region grid is cut into square tiles of ``tiles.size_px`` with ids ``r{row}c{col}``; pixel stages run per
tile and year. Neighbourhood operations read a tile with a margin (:func:`halo_windows`), per-polygon statistics
read the window of each group of polygons (:func:`polygon_windows`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import rasterio
from rasterio.windows import Window

from minerestore.memory import trim_heap
from minerestore.raster.grid import Grid

if TYPE_CHECKING:  # geopandas costs a quarter of a second to import, and the tile jobs need only the windows
    import geopandas as gpd


def tile_windows(grid: Grid, size_px: int) -> dict[str, Window]:
    """Tiles of ``size_px`` x ``size_px`` (smaller at the right and bottom edges), by id ``r{row}c{col}``."""
    return {f"r{r // size_px:03d}c{c // size_px:03d}": Window(c, r, min(size_px, grid.width - c),
                                                             min(size_px, grid.height - r))
            for r in range(0, grid.height, size_px) for c in range(0, grid.width, size_px)}


def tile_grid(grid: Grid, window: Window) -> Grid:
    """The grid of one tile (same CRS and pixel size, origin at the window's corner)."""
    return Grid(grid.crs, rasterio.windows.transform(window, grid.transform), int(window.width), int(window.height))


def tile_of(grid: Grid, size_px: int, tile_id: str) -> Grid:
    """The grid of the tile ``tile_id`` (``r{row}c{col}``) of ``grid`` cut in tiles of ``size_px``.

    Raises
    ------
    KeyError
        Naming the tile id and the tile size when the grid has no such tile.
    """
    windows = tile_windows(grid, size_px)
    if tile_id not in windows:
        raise KeyError(f"tile {tile_id!r} is not a tile of the {grid.width} x {grid.height} px grid in tiles of "
                       f"{size_px} px")
    return tile_grid(grid, windows[tile_id])


def halo_windows(grid: Grid, size_px: int, halo_px: int):
    """Tiles with a margin for neighbourhood operations (buffers, openings, moving windows).

    Yields
    ------
    (tile window, padded window clipped to the grid, (row slice, col slice) of the tile inside the padded one).
    Between tiles the freed heap is given back (:func:`minerestore.memory.trim_heap`), so the loop's memory does
    not grow with the number of tiles.
    """
    for window in tile_windows(grid, size_px).values():
        yield window, *pad_window(grid, window, halo_px)
        trim_heap()


def pad_window(grid: Grid, window: Window, halo_px: int) -> tuple[Window, tuple[slice, slice]]:
    """``window`` grown by ``halo_px`` on every side, clipped to the grid, and the (row, col) slices of the
    window inside the grown one."""
    r0, c0 = max(0, int(window.row_off) - halo_px), max(0, int(window.col_off) - halo_px)
    r1 = min(grid.height, int(window.row_off + window.height) + halo_px)
    c1 = min(grid.width, int(window.col_off + window.width) + halo_px)
    inner = (slice(int(window.row_off) - r0, int(window.row_off) - r0 + int(window.height)),
             slice(int(window.col_off) - c0, int(window.col_off) - c0 + int(window.width)))
    return Window(c0, r0, c1 - c0, r1 - r0), inner


def polygon_windows(polygons: gpd.GeoDataFrame, grid: Grid, size_px: int) -> list[tuple[list[int], Window]]:
    """Polygons grouped by the tile of their representative point, each group with the smallest grid window
    holding all its polygons (plus one pixel), so per-polygon statistics read only those windows.

    Returns
    -------
    list of (positional indexes into ``polygons``, rasterio Window clipped to the grid); no empty groups.
    """
    if polygons.empty:
        return []
    points = polygons.geometry.representative_point()
    inv = ~grid.transform
    groups: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(points):
        col, row = inv * (p.x, p.y)
        groups.setdefault((int(row) // size_px, int(col) // size_px), []).append(i)
    out = []
    for members in groups.values():
        xmin, ymin, xmax, ymax = polygons.geometry.iloc[members].total_bounds
        window = rasterio.windows.from_bounds(xmin, ymin, xmax, ymax, grid.transform)
        r0, c0 = max(0, math.floor(window.row_off) - 1), max(0, math.floor(window.col_off) - 1)
        r1 = min(grid.height, math.ceil(window.row_off + window.height) + 1)
        c1 = min(grid.width, math.ceil(window.col_off + window.width) + 1)
        if r1 > r0 and c1 > c0:
            out.append((members, Window(c0, r0, c1 - c0, r1 - r0)))
    return out


def stream_chunk(grid: Grid, size_px: int, whole_region_px: int) -> int | None:
    """Chunk size for streamed (dask) processing of a region-wide stage, or None for whole numpy arrays.

    Parameters
    ----------
    grid : the region grid.
    size_px : int
        Side of a tile, px (``tiles.size_px``): the chunk of a streamed pass.
    whole_region_px : int
        Largest region, in pixels (rows x cols), processed as whole arrays (``tiles.whole_region_px``). On a
        small region a single numpy pass is faster than the streamed passes, which pay dask's import and task
        overhead and a scratch spill (an ``ecology_year`` job of a 200 x 200 px region: 0.9 s instead of 2.4 s).
        Memory grows with the region's pixels: ``ecology_year`` peaked at 255 MB on 0.04 megapixels and 508 MB
        on 1 megapixel, about 0.25 GB per megapixel over a 0.25 GB base.

    Returns
    -------
    ``size_px`` when the region has more than ``whole_region_px`` pixels and more than one tile, else None.
    """
    too_big = grid.height * grid.width > whole_region_px
    return size_px if too_big and max(grid.shape) > size_px else None
