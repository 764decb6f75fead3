"""Figures across regions: Pearson heatmap (regions x drivers), %IncMSE per region, overall ranking."""

from pathlib import Path

import pandas as pd

from minerestore.report import plots
from minerestore.scripting import configure


def main(smk) -> None:
    configure(smk.log[0])
    out = Path(smk.output[0]).parent
    plots.save(plots.pearson_heatmap(pd.concat(pd.read_csv(p) for p in smk.input.pearson)), out / "pearson_heatmap")
    plots.save(plots.importance_bars(pd.concat(pd.read_csv(p) for p in smk.input.importance)), out / "importance")
    plots.save(plots.ranking_bars(pd.read_csv(smk.input.ranking)), out / "ranking")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
