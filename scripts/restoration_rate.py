"""Restoration rates of the bare area (BSP x mine area) by sub-region and by mine against the base year, on the
mines with a BSP in both years (minerestore.restoration.bare_surface.rate_tables, methods.md §6.3)."""


import pandas as pd

from minerestore.io import write_table
from minerestore.raster.vector import read_mines
from minerestore.restoration.bare_surface import rate_tables
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    bsp = pd.read_csv(smk.input.bsp, dtype={"mine_id": str})
    mines = read_mines(smk.input.mines)
    base_year = smk.params.base_year or smk.params.years[0]
    by_sub, by_mine = rate_tables(bsp, mines, base_year, smk.params.convention)
    log.info("restoration rates (%s convention, base %d):\n%s", smk.params.convention, base_year,
             by_sub.to_string(index=False))
    left_out = by_sub[(by_sub["subregion"] == "all") & (by_sub["n_left_out"] > 0)]
    for row in left_out.itertuples():
        log.warning("%d: %d mine(s) without a BSP in %d or %d (no clear land pixel) left out of the sums",
                    row.year, row.n_left_out, base_year, row.year)
    write_table(smk.output.subregions, by_sub)
    write_table(smk.output.mines, by_mine)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
