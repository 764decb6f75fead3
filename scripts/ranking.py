"""Driver ranking across regions: rank per region by %IncMSE, mean rank, overall order (minerestore.drivers)."""

import pandas as pd

from minerestore.drivers.forest import ranking
from minerestore.io import write_table
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    table = ranking(pd.concat([pd.read_csv(p) for p in smk.input.importance], ignore_index=True))
    log.info("driver ranking:\n%s", table.to_string(index=False))
    write_table(smk.output.ranking, table)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
