"""Correlation of RSEI with each driver and the random-forest regression RSEI ~ drivers with R-style %IncMSE,
IncNodePurity, partial dependence and predicted / residual maps (minerestore.drivers, methods.md §5, §7.2)."""

import numpy as np
import pandas as pd
import rasterio

from minerestore import drivers
from minerestore.io import write_raster, write_table
from minerestore.runlog import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region, opts, seed = smk.wildcards.region, smk.params.options, smk.params.seed
    samples = pd.read_parquet(smk.input.samples)
    complete, kept, report = drivers.usable_samples(samples, "rsei", opts["min_samples"])
    if report["constant"]:
        log.warning("constant drivers left out of the correlation and the forest: %s", report["constant"])
    log.info("%d complete samples; %d rows dropped for NaN in RSEI or a driver", report["rows"], report["dropped_rows"])
    corr = drivers.correlation(samples["rsei"].to_numpy(float), samples[kept], opts["correlation"])
    write_table(smk.output.pearson, corr.assign(region=region)[["region", "driver", "method", "r", "p", "n"]])
    with timed(log, f"random forest ({opts['n_estimators']} trees) and %IncMSE"):
        fit = drivers.fit_forest(complete, "rsei", kept, opts["n_estimators"], opts["mtry"], opts["nodesize"],
                                 opts["train_fraction"], seed, smk.threads)
    metrics = pd.DataFrame([{"region": region, **fit["metrics"], "dropped_rows": report["dropped_rows"],
                             "constant_drivers": ";".join(report["constant"])}])
    write_table(smk.output.metrics, metrics)
    test = fit["test"]
    write_table(smk.output.test_predictions, pd.DataFrame({
        "region": region, "x": test["x"], "y": test["y"], "observed": test["rsei"],
        "predicted": fit["forest"].predict(test[kept])}))
    write_table(smk.output.importance, fit["importance"].assign(region=region)[
        ["region", "driver", "inc_mse_pct", "inc_node_purity", "rank"]])
    pdp = drivers.partial_dependence_table(fit["forest"], fit["train"][kept], opts["partial_dependence_points"])
    write_table(smk.output.partial_dependence, pdp.assign(region=region)[["region", "driver", "value",
                                                                          "partial_dependence"]])
    log.info("metrics: %s\nimportance:\n%s", fit["metrics"], fit["importance"].to_string(index=False))
    with rasterio.open(smk.input.stack) as src:
        profile, names, stack = src.profile, list(src.descriptions), src.read()
    shape = (profile["height"], profile["width"])
    layers = np.stack([stack[names.index(k)] for k in kept]).reshape(len(kept), -1).T
    ok = np.all(np.isfinite(layers), axis=1)
    predicted = np.full(layers.shape[0], np.nan, np.float32)
    predicted[ok] = fit["forest"].predict(pd.DataFrame(layers[ok], columns=kept))
    observed = np.full(shape, np.nan, np.float32)
    rows, cols = rasterio.transform.rowcol(profile["transform"], samples["x"].to_numpy(), samples["y"].to_numpy())
    observed[np.asarray(rows), np.asarray(cols)] = samples["rsei"].to_numpy()
    single = dict(profile, count=1, dtype="float32", nodata=np.nan)
    predicted = predicted.reshape(shape)
    write_raster(smk.output.predicted, predicted[None], single, ["rsei_predicted"])
    write_raster(smk.output.residual, (observed - predicted)[None], single, ["rsei_residual"])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
