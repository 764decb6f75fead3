"""Statistics of RSEI and REM: per mine and year (exact coverage fractions), mines vs study area vs region, 1 km
distance rings around all mines and around the mines of each restoration status, and mine size classes
(methods.md §11).

Memory is bounded by the tile: per-mine statistics read the window of each group of mines; region and ring
statistics add up pixel counts, sums and sums of squares tile by tile, the rings computed on the tile plus a margin
as wide as the outer ring, so distances to mines in the next tiles are exact.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore.ecology import rings
from minerestore.memory import trim_heap
from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites
from minerestore.raster.tiles import halo_windows, polygon_windows, tile_grid
from minerestore.raster.vector import burn
from minerestore.raster.zonal import zonal

OPS = ["mean", "median", "stdev", "count"]
RING_COLUMNS = ["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"]
AREA_COLUMNS = ["year", "index", "area_class", "n_mines", "mean", "std"]


def read_layers(rsei_path: str, rem_path: str, window) -> dict[str, np.ndarray]:
    """RSEI and REM (with I_veg, I_imper) of one year on a window, each file read once: name -> (rows, cols)."""
    stacks = read_composites([rsei_path], ["rsei"], window)
    stacks |= read_composites([rem_path], ["rem", "i_veg", "i_imper"], window)
    return {name: stack[0] for name, stack in stacks.items()}


def mine_groups(mines: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Mines by ring group: ``all`` and each restoration status present (column ``status``); no empty group."""
    groups = {"all": mines} | {s: mines[mines["status"] == s] for s in sorted(mines["status"].dropna().unique())}
    return {g: m for g, m in groups.items() if len(m)}


def per_mine(mines: gpd.GeoDataFrame, grid: Grid, years, rsei_paths, rem_paths, *, tile_px: int) -> pd.DataFrame:
    """Zonal statistics of every mine and year: mine_id, year, index, mean, median, std, count.

    Reads the window of each group of mines (:func:`minerestore.raster.tiles.polygon_windows`); coverage
    fractions by exactextract (:func:`minerestore.raster.zonal.zonal`). NaN pixels are not counted.
    """
    rows = []
    for members, window in polygon_windows(mines, grid, tile_px):
        group = mines.iloc[members][["mine_id", "geometry"]]
        for year, rsei_path, rem_path in zip(years, rsei_paths, rem_paths):
            layers = read_layers(rsei_path, rem_path, window)
            stats = zonal(layers, group, tile_grid(grid, window), OPS, "mine_id")
            for name in layers:
                rows.append(pd.DataFrame({"mine_id": stats["mine_id"], "year": year, "index": name,
                                          "mean": stats[f"{name}_mean"], "median": stats[f"{name}_median"],
                                          "std": stats[f"{name}_stdev"], "count": stats[f"{name}_count"]}))
        trim_heap()
    if not rows:
        return pd.DataFrame(columns=["mine_id", "year", "index", "mean", "median", "std", "count"])
    return pd.concat(rows, ignore_index=True).sort_values(["mine_id", "year", "index"])


def region_and_rings(mines: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, grid: Grid, years, rsei_paths, rem_paths, *,
                     ring_width_km: float, ring_max_km: float, tile_px: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Moments of every layer by scope and by distance ring, added up over tiles.

    Parameters
    ----------
    mines : mine polygons with ``status`` (restoration status, may be NaN); zones : the study area.
    grid : the region grid; years, rsei_paths, rem_paths : aligned lists of the yearly rasters.
    ring_width_km, ring_max_km : ring width and reach (km).

    Returns
    -------
    region : year, index, scope (mines, study_area, region), mean, std, n_px.
    rings : year, mines (all or a status), index, ring, ring_km, mean, std, n_px.
    """
    groups = mine_groups(mines)
    halo = int(np.ceil(ring_max_km * 1000.0 / grid.resolution)) + 1
    scope_parts, ring_parts = [], {g: [] for g in groups}
    for window, padded, inner in halo_windows(grid, tile_px, halo):
        pgrid, tgrid = tile_grid(grid, padded), tile_grid(grid, window)
        inside_any = burn(mines.geometry, pgrid).astype(bool)
        ring_rasters = {g: rings.ring_zones(burn(m.geometry, pgrid).astype(bool), inside_any, grid.resolution,
                                            ring_width_km, ring_max_km)[inner] for g, m in groups.items()}
        scopes = {"mines": inside_any[inner], "study_area": burn(zones.geometry, tgrid).astype(bool),
                  "region": np.ones(tgrid.shape, bool)}
        for year, rsei_path, rem_path in zip(years, rsei_paths, rem_paths):
            layers = read_layers(rsei_path, rem_path, window)
            for name, values in layers.items():
                for scope, mask in scopes.items():
                    v = values[mask & np.isfinite(values)]
                    scope_parts.append(rings.moments(v, year=year, index=name, scope=scope))
            for group, ring_raster in ring_rasters.items():
                ring_parts[group].append(rings.ring_moments(layers, ring_raster).assign(year=year))
    region = rings.summary(scope_parts, ["year", "index", "scope"])
    tables = [rings.ring_summary(parts, ring_width_km, ("year",)).assign(mines=group)
              for group, parts in ring_parts.items()]
    ring_table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=RING_COLUMNS)
    return region, ring_table[RING_COLUMNS]


def area_class_table(mine_table: pd.DataFrame, mines: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread of the per-mine means by mine size class (:func:`minerestore.ecology.rings.area_class`):
    year, index, area_class, n_mines, mean, std."""
    if mine_table.empty:
        return pd.DataFrame(columns=AREA_COLUMNS)
    classes = mine_table.merge(mines[["mine_id", "area_class"]], on="mine_id")
    return (classes.groupby(["year", "index", "area_class"])["mean"].agg(["count", "mean", "std"]).reset_index()
            .rename(columns={"count": "n_mines"}))[AREA_COLUMNS]
