"""The mine summary (minerestore.report.mine_summary): one row per mine with every per-mine result of the region as
attributes, as mines/summary.gpkg (the mine polygons) and mines/summary.csv (their centroids)."""

import pandas as pd

from minerestore.io import write_table, write_vector
from minerestore.raster.vector import read_mines
from minerestore.report.mine_summary import OPTIONAL_COLUMNS, mine_summary, summary_table
from minerestore.scripting import configure, run


def read(path) -> pd.DataFrame:
    """A per-mine table, its ids and names as text (a river or reference id may be a number)."""
    return pd.read_csv(path, dtype={"mine_id": str, "river": str, "reference_id": str})


def main(smk) -> None:
    log = configure(smk.log[0])
    optional = {name: read(smk.input[name]) for name in OPTIONAL_COLUMNS if smk.input.get(name)}
    summary = mine_summary(read_mines(smk.input.mines), read(smk.input.mann_kendall), read(smk.input.bsp),
                           read(smk.input.rates), read(smk.input.ecology), list(smk.params.years), **optional)
    log.info("%d mines, %d attributes (with %s)", len(summary), summary.shape[1] - 1, ", ".join(optional) or "none")
    write_vector(smk.output.vector, summary)
    write_table(smk.output.table, summary_table(summary))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
