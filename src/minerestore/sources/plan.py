"""The region grid and its tiles, planned from the config before any job runs (design.md, Principles: planning once).

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
from minerestore.sources.local import acquisitions_bounds, footprints_meeting


#: Smallest region grid, px a side: the masks' morphology, the texture and Rao's Q windows and the distance rings
#: all need pixels round each pixel.
MIN_GRID_PX = 16
#: Finest pixel a region grid takes, m: a finer one is a resolution in degrees given for a CRS in metres.
MIN_RESOLUTION_M = 0.1
#: Largest region grid, px: ten times the Yangtze study's 1.7e10 px (its 10 m grid of 132,634 km²).
MAX_GRID_PX = 2e11
#: Largest error of the CRS's areal scale over the region: beyond it every area (mines, BSP's km², restoration
#: rates, class areas) would be off by more than this share.
MAX_AREAL_SCALE_ERROR = 0.02
#: Largest error of its linear scale before distances (the river buffer, rings, InSAR buffers) are warned about.
MAX_LINEAR_SCALE_ERROR = 0.02


def planned_grid(region: dict, buffer_km: float, base: str | os.PathLike) -> Grid:
    """The region grid as ingest will build it, known before any job runs.

    synthetic: the scene square at the region resolution; stac / earthengine: ``bounds``, the AOI, or the rivers
    grown by the buffer; local: ``bounds``, or the union of the acquisitions' footprints cut to the extent of the
    AOI or the buffered rivers (:func:`minerestore.sources.local.acquisitions_bounds`).

    Raises
    ------
    ValueError
        A remote region without bounds, aoi or rivers; a resolution or grid size that cannot be meant
        (:func:`check_resolution`); a grid under :data:`MIN_GRID_PX` px a side (names its size and what to change);
        no acquisition meeting the study area.
    """
    if region["source"] == "synthetic":
        s = region["synthetic"]
        x0, y0 = 400000.0, 3300000.0  # SyntheticParams.origin
        size = s["size_km"] * 1000.0
        bounds = Grid.from_bounds(region["crs"], (x0, y0, x0 + size, y0 + size), s["resolution_m"]).bounds
    else:
        bounds = planned_bounds(region, buffer_km, base)
    check_resolution(region["resolution"], bounds)
    if region["source"] == "local":
        bounds = _local_bounds(region, bounds, buffer_km, base)
    grid = Grid.from_bounds(region["crs"], bounds, region["resolution"])
    if min(grid.shape) < MIN_GRID_PX:
        raise ValueError(f"the region grid would be {grid.width} x {grid.height} px of {grid.resolution:g} m over "
                         f"{tuple(round(v) for v in grid.bounds)}; at least {MIN_GRID_PX} px a side are needed: widen "
                         "bounds (or the AOI / rivers) or use a finer resolution")
    return grid


def _local_bounds(region: dict, bounds: tuple, buffer_km: float, base) -> tuple[float, float, float, float]:
    """A local region's extent: without ``bounds``, the acquisitions' footprints cut to the study area's extent
    (:func:`minerestore.sources.local.acquisitions_bounds`); with them, ``bounds``, once an acquisition is known to
    meet the study area's extent inside them (a river off the scenes gave a run of empty composites that failed at
    its last job, asking for another drivers.year). Bounds away from the study area are left to the tiles' check."""
    table = read_table(Path(base) / region["acquisitions"])
    if not region.get("bounds"):
        return acquisitions_bounds(table, region["crs"], bounds)
    study = box(*planned_bounds({k: v for k, v in region.items() if k != "bounds"}, buffer_km, base))
    inside = study.intersection(box(*bounds))
    if inside.area > 0:
        footprints_meeting(table, region["crs"], inside.bounds)
    return bounds


def check_resolution(resolution: float, bounds: tuple[float, float, float, float]) -> None:
    """Refuse a pixel size that cannot be metres, or a grid too large to plan, before the grid is built.

    Raises
    ------
    ValueError
        For a resolution under :data:`MIN_RESOLUTION_M` (degrees meant for a CRS in metres) or a grid of more than
        :data:`MAX_GRID_PX` pixels, naming the size it would have.
    """
    width, height = (bounds[2] - bounds[0]) / resolution, (bounds[3] - bounds[1]) / resolution
    if resolution < MIN_RESOLUTION_M:
        raise ValueError(f"resolution {resolution:g} m is finer than {MIN_RESOLUTION_M} m (the grid would be "
                         f"{width:,.0f} x {height:,.0f} px); the region CRS is in metres - was it given in degrees? "
                         "Set the pixel size in metres (e.g. 10 for Sentinel-2, 30 for Landsat)")
    if width * height > MAX_GRID_PX:
        raise ValueError(f"the region grid would be {width:,.0f} x {height:,.0f} px ({width * height:.2g} px, more "
                         f"than {MAX_GRID_PX:.0e}) at {resolution:g} m; check the resolution, bounds and CRS units")


def check_drivers_grid(grid: Grid, grid_m: float, min_samples: int) -> None:
    """Refuse a drivers' analysis grid too coarse for the region: fewer cells over the whole region grid than the
    forest's ``min_samples`` (config ``drivers.min_samples``) can never give enough samples (the study area holds
    fewer still), and the run failed in its last job.

    Raises
    ------
    ValueError
        Naming the analysis grid, its cells over the region, the minimum and a spacing that gives enough cells.
    """
    cells = Grid.from_bounds(grid.crs, grid.bounds, grid_m).shape
    if cells[0] * cells[1] >= min_samples:
        return
    width, height = grid.width * grid.resolution, grid.height * grid.resolution
    fits = fitting_grid_m(grid, min_samples)
    raise ValueError(f"the drivers' analysis grid of {grid_m:g} m has {cells[1]} x {cells[0]} cells over the "
                     f"{width / 1000:g} x {height / 1000:g} km region grid, fewer than drivers.min_samples "
                     f"({min_samples}) even if the study area filled it: the drivers' forest could never be fitted. "
                     f"Set regions.<name>.analysis_grid_m (or drivers.grid_m) to {fits:g} m or less, or lower "
                     "drivers.min_samples")


def fitting_grid_m(grid: Grid, cells: int) -> float:
    """The coarsest analysis grid, a whole number of region pixels (at least one), with ``cells`` cells or more over
    the region grid: the spacing a region too small for the drivers' default grid can take."""
    width, height = grid.width * grid.resolution, grid.height * grid.resolution
    return max(grid.resolution, (width * height / cells) ** 0.5 // grid.resolution * grid.resolution)


def check_crs_scale(crs: str, bounds: tuple[float, float, float, float]) -> list[str]:
    """Check that the CRS measures areas and distances truly over the region (its scale factors at 25 points of
    ``bounds``, pyproj's ``Proj.get_factors``), and that the region does not cross the antimeridian.

    Returns
    -------
    list of str
        Warnings: the linear scale is off by more than :data:`MAX_LINEAR_SCALE_ERROR` somewhere (distances such as
        the river buffer and the rings are off by that share; areas are right).

    Raises
    ------
    ValueError
        When the areal scale is off by more than :data:`MAX_AREAL_SCALE_ERROR` (a conformal CRS far from its
        standard line, e.g. Web Mercator: every area would be inflated), naming the factor and a UTM CRS to use
        instead; or when the region crosses the antimeridian (no catalog search or scene footprint works there).
    """
    import numpy as np
    from pyproj import CRS, Proj, Transformer

    xs, ys = np.meshgrid(np.linspace(bounds[0], bounds[2], 5), np.linspace(bounds[1], bounds[3], 5))
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs.ravel(), ys.ravel())
    lon, lat = np.asarray(lon), np.asarray(lat)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise ValueError(f"parts of the region's bounds {tuple(round(v) for v in bounds)} lie outside the area of "
                         f"use of {crs}; check the bounds, the AOI / rivers and the CRS")
    west, east = lon.reshape(xs.shape)[:, 0], lon.reshape(xs.shape)[:, -1]
    if np.any(west > east) or np.ptp(lon) > 180:
        raise ValueError(f"the region crosses the antimeridian (180°: longitudes {lon.min():.2f} to {lon.max():.2f}); "
                         "split it into two regions, one each side, each in its own CRS")
    factors = Proj(CRS.from_user_input(crs)).get_factors(lon, lat)
    areal = float(np.max(np.abs(np.asarray(factors.areal_scale) - 1)))
    if areal > MAX_AREAL_SCALE_ERROR:
        zone = int((float(np.mean(lon)) + 180) // 6) + 1
        utm = f"EPSG:{32600 + zone if np.mean(lat) >= 0 else 32700 + zone}"
        raise ValueError(f"{crs} scales areas by up to x{1 + areal:.2f} over the region (areal scale factor at "
                         f"latitude {np.mean(lat):.1f}°): every area would be off by up to {areal:.0%}. Use the "
                         f"region's UTM zone ({utm}) or an equal-area CRS")
    linear = np.abs(np.concatenate([np.asarray(factors.meridional_scale), np.asarray(factors.parallel_scale)]) - 1)
    if linear.max() > MAX_LINEAR_SCALE_ERROR:
        return [f"{crs} scales distances by up to {linear.max():.1%} over the region (areas are right): the river "
                "buffer, distance rings and InSAR buffers are off by that share at the region's edges"]
    return []


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


#: Environment variable naming a file: when set (``minerestore check``), the Snakefile writes there, as JSON, what it
#: planned for each region (:func:`plan_record`) once every region is planned.
PLAN_RECORD = "MINERESTORE_PLAN_RECORD"


def plan_record(region: dict, grid: Grid, tiles: list[str], size_px: int, years: list[int]) -> dict:
    """What planning decided for a region, as JSON values: its source and sensor, the grid's CRS, pixel size (m),
    rows and columns, the tiles (``size_px`` a side) that meet the study area and those of the whole grid, and the
    analysis years."""
    return {"source": region["source"], "sensor": region["sensor"], "crs": grid.crs, "resolution": grid.resolution,
            "rows": grid.height, "cols": grid.width, "tile_px": size_px, "tiles": len(tiles),
            "grid_tiles": len(tile_windows(grid, size_px)), "years": years}
