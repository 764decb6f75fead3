"""The region grid and its tiles, planned from the config before any job runs (design.md §6).

synthetic: the scene square; stac / earthengine: ``bounds``, the AOI or the buffered rivers; local: ``bounds`` or
the union of the acquisitions' footprints. The plan rule writes the grid once (``inputs/grid.json``); ingest and
every later stage read it. Tiles that miss the study area are never processed (:func:`study_area_tiles`).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import rasterio
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_windows
from minerestore.raster.vector import read_vector
from minerestore.sources.acquisitions import read_table
from minerestore.sources.local import acquisitions_bounds


#: Smallest region grid, px a side: the masks' morphology, the texture and Rao's Q windows and the distance rings
#: all need pixels round each pixel.
MIN_GRID_PX = 16


def planned_grid(region: dict, buffer_km: float, base: str | os.PathLike) -> Grid:
    """The region grid as ingest will build it, known before any job runs.

    synthetic: the scene square at the region resolution; stac / earthengine: ``bounds``, the AOI, or the rivers
    grown by the buffer; local: ``bounds``, or the union of the acquisitions' footprints cut to the extent of the
    AOI or the buffered rivers (:func:`minerestore.sources.local.acquisitions_bounds`).

    Raises
    ------
    ValueError
        A remote region without bounds, aoi or rivers; a grid under :data:`MIN_GRID_PX` px a side (names its
        size and what to change); no acquisition meeting the study area.
    """
    if region["source"] == "synthetic":
        s = region["synthetic"]
        x0, y0 = 400000.0, 3300000.0  # SyntheticParams.origin
        size = s["size_km"] * 1000.0
        scene = Grid.from_bounds(region["crs"], (x0, y0, x0 + size, y0 + size), s["resolution_m"])
        grid = Grid.from_bounds(region["crs"], scene.bounds, region["resolution"])
    elif region["source"] == "local" and not region.get("bounds"):
        acquisitions = read_table(Path(base) / region["acquisitions"])
        bounds = acquisitions_bounds(acquisitions, region["crs"], planned_bounds(region, buffer_km, base))
        grid = Grid.from_bounds(region["crs"], bounds, region["resolution"])
    else:
        grid = Grid.from_bounds(region["crs"], planned_bounds(region, buffer_km, base), region["resolution"])
    if min(grid.shape) < MIN_GRID_PX:
        raise ValueError(f"the region grid would be {grid.width} x {grid.height} px of {grid.resolution:g} m over "
                         f"{tuple(round(v) for v in grid.bounds)}; at least {MIN_GRID_PX} px a side are needed: widen "
                         "bounds (or the AOI / rivers) or use a finer resolution")
    return grid


def planned_bounds(region: dict, buffer_km: float, base: str | os.PathLike) -> tuple[float, float, float, float]:
    """Extent of a region in its CRS: ``bounds``, else the AOI's, else the rivers' grown by the buffer.

    Raises
    ------
    ValueError
        When the region has none of them (names what to set).
    """
    if region.get("bounds"):
        return tuple(region["bounds"])
    for key, grow in (("aoi", 0.0), ("rivers", buffer_km * 1000.0)):
        if region.get(key):
            xmin, ymin, xmax, ymax = _frame(region, key, base).total_bounds
            return (xmin - grow, ymin - grow, xmax + grow, ymax + grow)
    raise ValueError("the region needs bounds, aoi or rivers to define its grid")


def _frame(region: dict, key: str, base) -> gpd.GeoDataFrame:
    if key == "rivers":
        return read_vector(Path(base) / region[key], region["crs"], "lines")
    return read_vector(Path(base) / region[key], region["crs"], "polygons", region.get("aoi_select"))


def study_area_tiles(region: dict, grid: Grid, size_px: int, buffer_km: float, base) -> list[str]:
    """Ids of the tiles that intersect the study area (the AOI, or the rivers' buffer); all tiles when the
    study area is only known after the scene is generated (synthetic regions).

    The buffer is drawn round each river line's bounding box at planning time only as a cheap superset; the
    study area itself is cut exactly by the study_area rule.
    """
    windows = tile_windows(grid, size_px)
    if region["source"] == "synthetic" or not (region.get("aoi") or region.get("rivers")):
        return list(windows)
    if region.get("aoi"):
        area = _frame(region, "aoi", base).union_all()
    else:
        area = _frame(region, "rivers", base).geometry.simplify(grid.resolution * 10).buffer(buffer_km * 1000.0)
        area = area.union_all()
    keep = []
    for tile_id, window in windows.items():
        b = rasterio.windows.bounds(window, grid.transform)
        if area.intersects(box(*b)):
            keep.append(tile_id)
    return keep
