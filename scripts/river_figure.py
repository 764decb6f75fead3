"""Bar chart of the mines per river (minerestore.report.plots.mines_by_river), PNG (300 dpi) and SVG."""

from pathlib import Path

import pandas as pd

from minerestore.report import plots
from minerestore.scripting import configure, run


def main(smk) -> None:
    configure(smk.log[0])
    plots.save(plots.mines_by_river(pd.read_csv(smk.input.table)), Path(smk.output[0]).with_suffix(""))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
