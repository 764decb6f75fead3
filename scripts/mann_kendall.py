"""Mann–Kendall status of every mine from its BSP series, and counts per status and sub-region
(minerestore.trend, methods.md §4, §7.1)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.layers import read_mines
from minerestore.runlog import configure
from minerestore.trend import mann_kendall_table


def main(smk) -> None:
    log = configure(smk.log[0])
    bsp = pd.read_csv(smk.input.bsp, dtype={"mine_id": str})
    mines = read_mines(smk.input.mines)
    opts = smk.params.options
    table = mann_kendall_table(bsp, list(smk.params.years), smk.params.alpha, opts["min_years"], opts["exact_p_max_n"])
    table = table.merge(mines[["mine_id", "subregion"]], on="mine_id", how="left")
    parts = [table[table["subregion"] != "all"], table.assign(subregion="all")]  # "all" once, whatever the names
    counts = pd.concat(parts).groupby(["subregion", "status"]).size()
    counts = counts.rename("n_mines").reset_index()
    log.info("status counts:\n%s", counts.to_string(index=False))
    write_table(smk.output.table, table.drop(columns="subregion"))
    write_table(smk.output.counts, counts)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
