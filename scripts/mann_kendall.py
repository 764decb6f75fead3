"""Mann–Kendall status of every mine from its BSP series, and counts per status and sub-region
(minerestore.restoration.trend)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.raster.vector import read_mines
from minerestore.restoration.trend import mann_kendall_table, status_counts
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    bsp = pd.read_csv(smk.input.bsp, dtype={"mine_id": str})
    mines = read_mines(smk.input.mines)
    p = smk.params
    table = mann_kendall_table(bsp, list(p.years), p.alpha, p.min_years, p.exact_p_max_n)
    counts = status_counts(table, mines)
    log.info("status counts:\n%s", counts.to_string(index=False))
    write_table(smk.output.table, table)
    write_table(smk.output.counts, counts)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
