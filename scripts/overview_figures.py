"""Figures across regions: Pearson heatmap (regions x drivers), %IncMSE per region, overall ranking, RSEI by
distance ring of every region on one plot, PC1 share per region and year."""

from pathlib import Path

import pandas as pd

from minerestore.report import plots
from minerestore.scripting import configure, run


def main(smk) -> None:
    configure(smk.log[0])
    out = Path(smk.output[0]).parent
    plots.save(plots.pearson_heatmap(pd.concat(pd.read_csv(p) for p in smk.input.pearson)), out / "pearson_heatmap")
    plots.save(plots.importance_bars(pd.concat(pd.read_csv(p) for p in smk.input.importance)), out / "importance")
    plots.save(plots.ranking_bars(pd.read_csv(smk.input.ranking)), out / "ranking")
    regions = smk.params.regions
    rings = pd.concat(pd.read_csv(p).assign(region=r) for r, p in zip(regions, smk.input.rings))
    plots.save(plots.rings_by_region(rings), out / "rings_by_region")
    pca = pd.concat(pd.read_csv(p).assign(region=r) for r, p in zip(regions, smk.input.rsei_pca))
    plots.save(plots.pc1_share_lines(pca), out / "pc1_share")


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
