"""Statistics of RSEI and REM: per mine and year (exact coverage fractions), mines vs study area vs region,
1 km distance rings around all mines and around the mines of each restoration status, and mine size classes
(minerestore.zonal, minerestore.rings; methods.md §7.2).

Memory is bounded by the tile (tiles.size_px): per-mine statistics read the window of each group of mines;
region and ring statistics add up pixel counts, sums and sums of squares tile by tile, the rings computed on the
tile plus a margin as wide as the outer ring, so distances to mines in the next tiles are exact."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore import rings
from minerestore.grid import Grid
from minerestore.io import write_table
from minerestore.layers import burn, read_composites, read_mines
from minerestore.runlog import configure
from minerestore.tiles import halo_windows, polygon_windows, tile_grid
from minerestore.zonal import zonal

OPS = ["mean", "median", "stdev", "count"]


def read_layers(rsei_path: str, rem_path: str, window) -> dict[str, np.ndarray]:
    """RSEI and REM (with I_veg, I_imper) of one year on a window, each file read once."""
    stacks = read_composites([rsei_path], ["rsei"], window) | read_composites([rem_path], ["rem", "i_veg", "i_imper"],
                                                                              window)
    return {name: stack[0] for name, stack in stacks.items()}


def per_mine(mines: gpd.GeoDataFrame, grid: Grid, years, rsei_paths, rem_paths, tile_px: int) -> pd.DataFrame:
    """Zonal statistics of every mine and year, reading the window of each group of mines."""
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
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def region_and_rings(mines, groups, zones, grid, years, rsei_paths, rem_paths, opts, tile_px):
    """Moments of every layer by scope (mines, study_area, region) and by ring, added up over tiles."""
    width, reach = opts["ring_width_km"], opts["ring_max_km"]
    halo = int(np.ceil(reach * 1000.0 / grid.resolution)) + 1
    scope_parts, ring_parts = [], {g: [] for g in groups}
    for window, padded, inner in halo_windows(grid, tile_px, halo):
        pgrid, tgrid = tile_grid(grid, padded), tile_grid(grid, window)
        inside_any = burn(mines.geometry, pgrid).astype(bool)
        ring_rasters = {g: rings.ring_zones(burn(m.geometry, pgrid).astype(bool), inside_any, grid.resolution, width,
                                            reach)[inner] for g, m in groups.items()}
        scopes = {"mines": inside_any[inner], "study_area": burn(zones.geometry, tgrid).astype(bool),
                  "region": np.ones(tgrid.shape, bool)}
        for year, rsei_path, rem_path in zip(years, rsei_paths, rem_paths):
            layers = read_layers(rsei_path, rem_path, window)
            for name, values in layers.items():
                for scope, mask in scopes.items():
                    v = values[mask & np.isfinite(values)].astype(np.float64)
                    frame = pd.DataFrame({"year": year, "index": name, "scope": scope, "v": v})
                    scope_parts.append(rings.moments(frame, ["year", "index", "scope"], "v"))
            for group, ring_raster in ring_rasters.items():
                ring_parts[group].append(rings.ring_moments(layers, ring_raster).assign(year=year))
    region = rings.summary(scope_parts, ["year", "index", "scope"])
    ring_tables = [rings.ring_summary(parts, width, ("year",)).assign(mines=group) for group, parts in ring_parts.items()]
    return region, ring_tables


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    mines = read_mines(smk.input.mines)
    status = pd.read_csv(smk.input.status, dtype={"mine_id": str})[["mine_id", "status"]]
    mines = mines.merge(status, on="mine_id", how="left")
    mines["area_class"] = rings.area_class(mines["area_km2"])
    zones = gpd.read_file(smk.input.study_area)
    opts, years, tile_px = smk.params.options, list(smk.params.years), smk.params.tile_px
    groups = {"all": mines} | {s: mines[mines["status"] == s] for s in sorted(mines["status"].dropna().unique())}
    groups = {g: m for g, m in groups.items() if len(m)}
    mine_table = per_mine(mines, grid, years, smk.input.rsei, smk.input.rem, tile_px)
    region, ring_tables = region_and_rings(mines, groups, zones, grid, years, smk.input.rsei, smk.input.rem, opts,
                                           tile_px)
    log.info("statistics of %d mines x %d years", len(mines), len(years))
    ring_table = pd.concat(ring_tables, ignore_index=True) if ring_tables else pd.DataFrame(
        columns=["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"])
    classes = mine_table.merge(mines[["mine_id", "area_class"]], on="mine_id") if len(mine_table) else mine_table
    area = (classes.groupby(["year", "index", "area_class"])["mean"].agg(["count", "mean", "std"]).reset_index()
            .rename(columns={"count": "n_mines"}) if len(classes) else
            pd.DataFrame(columns=["year", "index", "area_class", "n_mines", "mean", "std"]))
    write_table(smk.output.mines, mine_table.sort_values(["mine_id", "year", "index"]) if len(mine_table) else mine_table)
    write_table(smk.output.region, region)
    write_table(smk.output.rings, ring_table[["year", "mines", "index", "ring", "ring_km", "mean", "std", "n_px"]])
    write_table(smk.output.area_classes, area)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
