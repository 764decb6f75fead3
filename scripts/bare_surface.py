"""Bare Surface Percentage of every mine in every year (minerestore.bare_surface, methods.md §3.1)."""

from pathlib import Path

from minerestore.bare_surface import bsp_table
from minerestore.grid import Grid
from minerestore.io import write_table
from minerestore.layers import read_composites, read_mask, read_mines
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    mines = read_mines(smk.input.mines)
    water = read_mask(smk.input.water)
    ndvi = read_composites(list(smk.input.composites), ["ndvi"])["ndvi"]
    table = bsp_table(dict(zip(smk.params.years, ndvi)), water, mines, grid, smk.params.threshold)
    no_data = table[table["valid_px"] == 0]
    for row in no_data.itertuples():
        log.warning("mine %s has no valid pixel in %d: BSP NaN", row.mine_id, row.year)
    log.info("BSP of %d mines x %d years", mines["mine_id"].nunique(), len(smk.params.years))
    write_table(smk.output.bsp, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
