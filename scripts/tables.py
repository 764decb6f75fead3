"""Tables of one region for the report: Mann–Kendall parameters per mine, status counts by sub-region, RSEI PCA
loadings per year (wide), accuracy (wide) and driver importance."""

import pandas as pd

from minerestore.io import write_table
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    mk = pd.read_csv(smk.input.mann_kendall)
    write_table(smk.output.mann_kendall, mk.round({"p": 4, "z": 3, "tau": 3, "var_s": 2, "sen_slope": 3,
                                                    "intercept": 2, "p_exact": 4, "p_used": 4}))
    counts = pd.read_csv(smk.input.status_counts).pivot(index="subregion", columns="status", values="n_mines")
    write_table(smk.output.status_counts, counts.fillna(0).astype(int).reset_index())
    pca = pd.read_csv(smk.input.rsei_pca)
    wide = pca.pivot(index="year", columns="indicator", values="loading").round(3)
    wide["pc1_share_pct"] = pca.groupby("year")["pc1_share_pct"].first().round(1)
    write_table(smk.output.rsei_loadings, wide.reset_index())
    if smk.input.get("accuracy"):
        acc = pd.read_csv(smk.input.accuracy)
        table = acc.pivot_table(index=["scope", "level"], columns="metric", values="value").round(4).reset_index()
    else:
        table = pd.DataFrame({"note": ["no reference mines: accuracy not assessed"]})
    write_table(smk.output.accuracy, table)
    imp = pd.read_csv(smk.input.importance).round({"inc_mse_pct": 2, "inc_node_purity": 3})
    write_table(smk.output.importance, imp)
    log.info("tables written")


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
