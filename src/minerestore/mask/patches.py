"""Candidate patches: what is left after the masks, cleaned of isolated pixels and vectorised (methods.md §4.7)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import rasterio
from rasterio.features import shapes
from scipy import ndimage
from skimage.morphology import disk, footprint_rectangle, opening, remove_small_objects

from minerestore.raster.grid import Grid
from minerestore.raster.tiles import halo_windows, tile_grid, tile_windows
from minerestore.raster.vector import burn


def structuring_element(kind: str, radius_px: int) -> np.ndarray:
    """A ``disk`` or ``square`` footprint of the given radius in pixels (radius 0 gives a single pixel).

    Raises
    ------
    ValueError
        For another kind.
    """
    if kind == "disk":
        return disk(radius_px)
    if kind == "square":
        return footprint_rectangle((2 * radius_px + 1, 2 * radius_px + 1))
    raise ValueError(f"structuring element {kind!r}: expected 'disk' or 'square'")


def clean(remaining: np.ndarray, footprint: np.ndarray, min_patch_m2: float, resolution: float) -> np.ndarray:
    """Remove salt-and-pepper: morphological opening with ``footprint``, then drop 8-connected patches smaller
    than ``min_patch_m2`` (scikit-image ``opening`` and ``remove_small_objects``).

    Parameters
    ----------
    remaining : ndarray (rows, cols) bool, land left after the masks.

    Returns
    -------
    ndarray (rows, cols) bool, the candidate mask.
    """
    opened = opening(remaining, footprint) if footprint.size > 1 else remaining.copy()
    min_px = int(np.ceil(min_patch_m2 / resolution**2))
    return remove_small_objects(opened, max_size=max(min_px - 1, 0), connectivity=2) if min_px > 1 else opened


def vectorise(mask: np.ndarray, grid: Grid) -> gpd.GeoDataFrame:
    """Polygons of the 8-connected patches of ``mask`` with ``candidate_id`` (C00001…) and ``area_km2``."""
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    polys: dict[int, list] = {}
    for geom, value in shapes(labels, mask=labels > 0, transform=grid.transform, connectivity=8):
        polys.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    geoms = [shapely.union_all(polys[k]) for k in sorted(polys)]
    frame = gpd.GeoDataFrame({"candidate_id": [f"C{i + 1:05d}" for i in range(len(geoms))]}, geometry=geoms, crs=grid.crs)
    frame["area_km2"] = frame.geometry.area / 1e6
    return frame


def join_tiles(pieces: list[gpd.GeoDataFrame], min_patch_m2: float, resolution: float, crs) -> gpd.GeoDataFrame:
    """Patches vectorised tile by tile (:func:`vectorise` of each tile of an opened mask) joined into whole
    patches, then patches smaller than ``min_patch_m2`` dropped: the result of :func:`clean` + :func:`vectorise`
    on the whole region, one tile in memory at a time.

    Pieces that share an edge or a corner are parts of one 8-connected patch cut by a tile edge; they are
    joined with a spatial index (shapely STRtree) and the connected components of the contact graph (scipy).

    Returns
    -------
    GeoDataFrame with ``candidate_id`` (C00001…, ordered north to south, then west to east) and ``area_km2``.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    frames = [p for p in pieces if len(p)]
    if not frames:
        return gpd.GeoDataFrame({"candidate_id": [], "area_km2": []}, geometry=[], crs=crs)
    geoms = pd.concat(frames, ignore_index=True).geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(len(geoms), len(geoms)))
    n, component = connected_components(graph, directed=False)
    order = np.argsort(component, kind="stable")
    splits = np.flatnonzero(np.diff(component[order])) + 1
    joined = [shapely.union_all(geoms[idx]) for idx in np.split(order, splits)]
    min_px = int(np.ceil(min_patch_m2 / resolution**2))
    kept = [g for g in joined if g.area >= (min_px - 0.5) * resolution**2]
    kept.sort(key=lambda g: (-g.bounds[3], g.bounds[0]))
    frame = gpd.GeoDataFrame({"candidate_id": [f"C{i + 1:05d}" for i in range(len(kept))]}, geometry=kept, crs=crs)
    frame["area_km2"] = frame.geometry.area / 1e6
    return frame


def filter_candidates(features: pd.DataFrame, rules: dict) -> pd.Series:
    """Rule-based mine selection among candidate patches (the ``candidates`` method, an automatic stand-in for
    visual interpretation).

    A patch is kept when ``min_area_km2`` <= area <= ``max_area_km2``, compactness >= ``min_compactness``, mean
    slope <= ``max_mean_slope_deg``, and it is bright (mean brightness >= ``min_brightness``: fresh spoil is
    brighter than weathered rock and natural soil) or changes (yearly NDVI range >= ``min_ndvi_range``: mining and
    revegetation move NDVI).

    Parameters
    ----------
    features : DataFrame from :func:`minerestore.identify.obia.object_features` (one row per patch).

    Returns
    -------
    boolean Series aligned with ``features``.
    """
    area_km2 = features["area_m2"] / 1e6
    shape_ok = (
        area_km2.between(rules["min_area_km2"], rules["max_area_km2"])
        & (features["compactness"] >= rules["min_compactness"])
        & (features["mean_slope"] <= rules["max_mean_slope_deg"])
    )
    signal = (features["mean_brightness"] >= rules["min_brightness"]) | (
        features["mean_ndvi_range"] >= rules["min_ndvi_range"])
    return shape_ok & signal


def remaining_land(grid: Grid, window, zones: gpd.GeoDataFrame, mask_paths: list[str]) -> np.ndarray:
    """The study area minus every mask (uint8 rasters, 1 = masked) on a window of the region grid: bool (rows,
    cols)."""
    left = burn(zones.geometry, tile_grid(grid, window)).astype(bool)
    for path in mask_paths:
        with rasterio.open(path) as src:
            left &= src.read(1, window=window) != 1
    return left


def candidate_patches(grid: Grid, zones: gpd.GeoDataFrame, mask_paths: list[str], *, element: str, radius_px: int,
                      min_patch_m2: float, tile_px: int) -> gpd.GeoDataFrame:
    """Candidate patches of a region: the remaining land opened by the structuring element, vectorised tile by
    tile (each tile read with a margin of twice the footprint radius, so the opening is exact) and joined across
    tile edges before patches under ``min_patch_m2`` are dropped (:func:`join_tiles`)."""
    footprint = structuring_element(element, radius_px)
    halo = 2 * (footprint.shape[0] // 2) + 1  # erosion then dilation: each reaches one radius
    pieces = []
    for window, padded, inner in halo_windows(grid, tile_px, halo):
        opened = clean(remaining_land(grid, padded, zones, mask_paths), footprint, 0, grid.resolution)
        pieces.append(vectorise(opened[inner], tile_grid(grid, window)))
    return join_tiles(pieces, min_patch_m2, grid.resolution, grid.crs)


def candidate_tiles(grid: Grid, zones: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, tile_px: int):
    """The candidate raster tile by tile. Yields (window, uint8 (rows, cols): 1 candidate, 0 not, 255 outside the
    study area)."""
    for window in tile_windows(grid, tile_px).values():
        tgrid = tile_grid(grid, window)
        inside = burn(zones.geometry, tgrid).astype(bool)
        candidate = burn(candidates.geometry, tgrid).astype(bool) & inside
        yield window, np.where(inside, candidate, 255).astype(np.uint8)
