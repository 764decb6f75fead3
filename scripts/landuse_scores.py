"""Scores of the land-use networks on the validation patches (minerestore.landuse.scores): OA, kappa and mIoU,
per-class PA, UA and IoU of every network (metrics.csv, the study's Table II and Fig. 11) and how many scores put
each network among the best two (top_two.csv, its Table III)."""

import pandas as pd

from minerestore.io import write_table
from minerestore.landuse.scores import metrics_rows, top_two
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    rows = []
    for network, path in zip(smk.params.networks, smk.input.confusion):
        matrix = pd.read_csv(path, index_col="reference")
        rows.append(metrics_rows(network, matrix.to_numpy(), list(matrix.columns)))
    metrics = pd.concat(rows, ignore_index=True)
    counts = top_two(metrics)
    overall = metrics[metrics["class"] == "all"].set_index("network")
    for network, row in overall.iterrows():
        log.info("%s: OA %.4f, kappa %.4f, mIoU %.4f; in the top two of %d of %d scores", network, row["oa"],
                 row["kappa"], row["miou"], *counts.set_index("network").loc[network, ["top_two", "scores"]])
    write_table(smk.output.metrics, metrics)
    write_table(smk.output.top_two, counts)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
