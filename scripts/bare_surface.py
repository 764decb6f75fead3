"""Bare Surface Percentage of every mine in every year (minerestore.bare_surface, methods.md §6.1), over the whole
mine (the study's Eq. 1) or, with restoration.bsp_exclude_water, without the water mask's pixels. Mines are taken
in groups by tile; each group reads only the window of the composites (and water mask) that holds it."""


import pandas as pd

from minerestore.io import write_table
from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites, read_mask
from minerestore.raster.tiles import polygon_windows, tile_grid
from minerestore.raster.vector import read_mines
from minerestore.restoration.bare_surface import bsp_table
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    mines = read_mines(smk.input.mines)
    parts = [bsp_table({}, None, mines, grid, smk.params.threshold)]  # no year yet: checks the ids, gives the columns
    for members, window in polygon_windows(mines, grid, smk.params.tile_px):
        ndvi = read_composites(list(smk.input.composites), ["ndvi"], window)["ndvi"]
        water = read_mask(smk.input.water, window) if smk.params.exclude_water else None
        parts.append(bsp_table(dict(zip(smk.params.years, ndvi)), water, mines.iloc[members],
                               tile_grid(grid, window), smk.params.threshold))
    table = pd.concat(parts, ignore_index=True).sort_values(["mine_id", "year"]).reset_index(drop=True)
    for row in table[table["valid_px"] == 0].itertuples():
        log.warning("mine %s has no valid pixel in %d: BSP NaN", row.mine_id, row.year)
    partial = table[(table["unobserved_px"] > 0) & (table["valid_px"] > 0)]
    if len(partial):
        log.info("%d mine-years have pixels without a clear observation, left out of their BSP (unobserved_px; "
                 "at most %.0f %% of a mine)", len(partial),
                 100 * (partial["unobserved_px"] / (partial["unobserved_px"] + partial["valid_px"])).max())
    log.info("BSP of %d mines x %d years over %s", mines["mine_id"].nunique(), len(smk.params.years),
             "the mines' land (water mask left out)" if smk.params.exclude_water else "the whole mines")
    write_table(smk.output.bsp, table)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
