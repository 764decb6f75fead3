"""Correlation of RSEI with each driver and the random-forest regression RSEI ~ drivers with R-style %IncMSE,
IncNodePurity, partial dependence and predicted / residual maps (minerestore.drivers.forest)."""

import numpy as np
import pandas as pd
import rasterio

from minerestore.drivers import forest
from minerestore.io import write_table
from minerestore.raster.write import write_raster
from minerestore.scripting import configure, run, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region, opts = smk.wildcards.region, smk.params.options
    samples = pd.read_parquet(smk.input.samples)
    with timed(log, f"random forest ({opts['n_estimators']} trees) and %IncMSE"):
        res = forest.fit_region(samples, opts, smk.params.seed, smk.threads, region)
    report, fit = res["report"], res["fit"]
    if report["constant"]:
        log.warning("constant drivers left out of the correlation and the forest: %s", report["constant"])
    log.info("%d complete samples; %d rows dropped for NaN in RSEI or a driver", report["rows"], report["dropped_rows"])
    log.info("metrics: %s\nimportance:\n%s", fit["metrics"], fit["importance"].to_string(index=False))
    write_table(smk.output.pearson, res["correlation"].assign(region=region)[["region", "driver", "method", "r", "p",
                                                                              "n"]])
    write_table(smk.output.metrics, pd.DataFrame([{"region": region, **fit["metrics"],
                                                   "dropped_rows": report["dropped_rows"],
                                                   "constant_drivers": ";".join(report["constant"])}]))
    write_table(smk.output.test_predictions, res["test_predictions"].assign(region=region)[
        ["region", "x", "y", "observed", "predicted"]])
    write_table(smk.output.importance, fit["importance"].assign(region=region)[
        ["region", "driver", "inc_mse_pct", "inc_node_purity", "rank"]])
    write_table(smk.output.partial_dependence, res["partial_dependence"].assign(region=region)[
        ["region", "driver", "value", "partial_dependence"]])
    with rasterio.open(smk.input.stack) as src:
        profile, stack = src.profile, dict(zip(src.descriptions, src.read()))
    predicted = forest.predicted_map(fit["forest"], stack, res["kept"])
    observed = np.full(predicted.shape, np.nan, np.float32)
    rows, cols = rasterio.transform.rowcol(profile["transform"], samples["x"].to_numpy(), samples["y"].to_numpy())
    observed[np.asarray(rows), np.asarray(cols)] = samples["rsei"].to_numpy()
    single = dict(profile, count=1, dtype="float32", nodata=np.nan)
    write_raster(smk.output.predicted, predicted[None], single, ["rsei_predicted"])
    write_raster(smk.output.residual, (observed - predicted)[None], single, ["rsei_residual"])


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
