"""Mines per river: each mine's nearest line of the rivers file (per mine, for the mine summary), counted and
summed by river name (the Yangtze study's Fig. 5; minerestore.identify.mines.by_river)."""

from minerestore.identify.mines import by_river, nearest_river, river_names
from minerestore.io import write_table
from minerestore.raster.vector import read_mines, read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    rivers = read_vector(sources["rivers"], grid.crs, kind="lines")
    mines = read_mines(smk.input.mines)
    names = river_names(rivers, smk.params.river_field, sources["rivers"])
    write_table(smk.output.mines, nearest_river(mines, rivers, names))
    table = by_river(mines, rivers, names)
    log.info("mines per river:\n%s", table.to_string(index=False))
    write_table(smk.output.table, table)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
