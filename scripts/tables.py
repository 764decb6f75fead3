"""Tables of one region for the report: Mann–Kendall parameters per mine, status counts by sub-region, RSEI PCA
loadings per year (wide), accuracy (wide) and driver importance; each as CSV and as an HTML page the report shows
as a table (minerestore.report.pages)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.report.pages import write_table_page
from minerestore.scripting import configure, run


TITLES = {
    "mann_kendall": "Mann–Kendall test and Sen's slope of each mine's BSP",
    "status_counts": "Mines by restoration status and sub-region",
    "rsei_loadings": "RSEI: PC1 loadings of the indicators and PC1's share of the variance, per year",
    "accuracy": "Accuracy of the mines against the reference",
    "importance": "Drivers of RSEI: random-forest importance (%IncMSE, IncNodePurity)",
}


def write(smk, name: str, frame: pd.DataFrame) -> None:
    write_table(smk.output[name], frame)
    write_table_page(smk.output[f"{name}_html"], frame, f"{TITLES[name]} ({smk.wildcards.region})")


def main(smk) -> None:
    log = configure(smk.log[0])
    mk = pd.read_csv(smk.input.mann_kendall)
    write(smk, "mann_kendall", mk.round({"p": 4, "z": 3, "tau": 3, "var_s": 2, "sen_slope": 3, "intercept": 2,
                                         "p_exact": 4, "p_used": 4}))
    counts = pd.read_csv(smk.input.status_counts).pivot(index="subregion", columns="status", values="n_mines")
    write(smk, "status_counts", counts.fillna(0).astype(int).reset_index())
    pca = pd.read_csv(smk.input.rsei_pca)
    wide = pca.pivot(index="year", columns="indicator", values="loading").round(3)
    wide["pc1_share_pct"] = pca.groupby("year")["pc1_share_pct"].first().round(1)
    write(smk, "rsei_loadings", wide.reset_index())
    if smk.input.get("accuracy"):
        acc = pd.read_csv(smk.input.accuracy)
        table = acc.pivot_table(index=["scope", "level"], columns="metric", values="value").round(4).reset_index()
    else:
        table = pd.DataFrame({"note": ["no reference mines: accuracy not assessed"]})
    write(smk, "accuracy", table)
    imp = pd.read_csv(smk.input.importance).round({"inc_mse_pct": 2, "inc_node_purity": 3})
    write(smk, "importance", imp)
    log.info("tables written")


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
