"""Statistics of RSEI and REM per mine, mines vs study area vs region, distance rings and mine size classes
(minerestore.ecology.stats)."""

import geopandas as gpd
import pandas as pd

from minerestore.ecology import rings, stats
from minerestore.io import write_table
from minerestore.raster.grid import Grid
from minerestore.raster.vector import read_mines
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    status = pd.read_csv(smk.input.status, dtype={"mine_id": str})[["mine_id", "status"]]
    mines = read_mines(smk.input.mines).merge(status, on="mine_id", how="left")
    mines["area_class"] = rings.area_class(mines["area_km2"])
    empty = [c for c in rings.area_class_labels() if c not in set(mines["area_class"])]
    if empty:
        log.warning("mine size classes %s (km²) hold no mine; with identify.min_mine_area_m2 = %g m² or the pixel "
                    "size above a class's area, that class cannot be compared", empty, smk.params.min_mine_area_m2)
    zones = gpd.read_file(smk.input.study_area)
    years, p = list(smk.params.years), smk.params
    mine_table = stats.per_mine(mines, grid, years, smk.input.rsei, smk.input.rem, tile_px=p.tile_px)
    region, ring_table = stats.region_and_rings(mines, zones, grid, years, smk.input.rsei, smk.input.rem,
                                                ring_width_km=p.ring_width_km, ring_max_km=p.ring_max_km,
                                                tile_px=p.tile_px)
    log.info("statistics of %d mines x %d years", len(mines), len(years))
    write_table(smk.output.mines, mine_table)
    write_table(smk.output.region, region)
    write_table(smk.output.rings, ring_table)
    write_table(smk.output.area_classes, stats.area_class_table(mine_table, mines))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
