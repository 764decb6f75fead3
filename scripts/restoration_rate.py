"""Restoration rates of the bare area by sub-region and by mine against the base year
(minerestore.bare_surface.rate_tables, methods.md §3.1, §7.1)."""


import pandas as pd

from minerestore.io import write_table
from minerestore.raster.grid import Grid
from minerestore.raster.vector import read_mines
from minerestore.restoration.bare_surface import rate_tables
from minerestore.scripting import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    bsp = pd.read_csv(smk.input.bsp, dtype={"mine_id": str})
    mines = read_mines(smk.input.mines)
    base_year = smk.params.base_year or smk.params.years[0]
    by_sub, by_mine = rate_tables(bsp, mines, grid.resolution**2 / 1e6, base_year, smk.params.convention)
    log.info("restoration rates (%s convention, base %d):\n%s", smk.params.convention, base_year,
             by_sub.to_string(index=False))
    write_table(smk.output.subregions, by_sub)
    write_table(smk.output.mines, by_mine)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
