"""Concatenate per-year tables into one (e.g. RSEI loadings, REM weights)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    table = pd.concat([pd.read_csv(p) for p in smk.input.tables], ignore_index=True)
    log.info("%d tables, %d rows", len(smk.input.tables), len(table))
    write_table(smk.output.table, table)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
