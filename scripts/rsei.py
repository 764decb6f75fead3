"""RSEI of one year (minerestore.ecology.rsei), or the pooled multi-year model applied to it
(ecology.rsei_mode: pooled), with the year's oriented PC1 loadings and share. Water (the water mask, or MNDWI
above the threshold) is left out before the PCA."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from minerestore.ecology import RSEI_INDICATORS, grades, rsei, rsei_valid, rsei_with_bounds
from minerestore.io import write_raster, write_table
from minerestore.layers import read_mask, read_region, read_year
from minerestore.runlog import configure

BANDS = ["rsei", "grade", *RSEI_INDICATORS, "mndwi"]


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    water = read_mask(smk.input.water)
    opts = smk.params.options
    d = read_year(smk.input.composite, water, smk.params.mndwi_threshold, grid, sources.get("lst"),
                  opts["wet_coefficients"], smk.params.sensor)
    year = int(smk.wildcards.year)
    indicators = [d[k] for k in RSEI_INDICATORS]
    ok = rsei_valid(*indicators, d["valid"])
    log.info("%d: %d valid pixels, tasseled-cap set %s, mode %s", year, int(ok.sum()), d["coefficients"],
             opts["rsei_mode"])
    if ok.sum() < 2:
        log.warning("%d: no valid pixel (all water or all cloud): RSEI written as NaN", year)
        index, loadings, share = np.full(grid.shape, np.nan, np.float32), [np.nan] * 4, np.nan
    else:
        try:
            if smk.input.get("model"):
                model = json.loads(Path(smk.input.model).read_text())
                res = rsei_with_bounds(dict(zip(RSEI_INDICATORS, indicators)), ok,
                                       {k: tuple(v) for k, v in model["bounds"].items()}, np.array(model["loadings"]),
                                       model["pc1_share"], tuple(model["pc1_bounds"]))
            else:
                res = rsei(*indicators, d["valid"])
        except ValueError as err:
            raise ValueError(f"RSEI of {year}: {err}") from err
        index, loadings, share = res.rsei, res.loadings, res.pc1_share
        if loadings[2] > 0 or loadings[3] > 0:
            log.warning("%d: after orientation NDBSI or LST loads positively on PC1 (%s); kept as computed",
                        year, np.round(loadings, 3).tolist())
    stack = np.stack([index, grades(index), *indicators, d["mndwi"]]).astype(np.float32)
    write_raster(smk.output.raster, stack, grid.profile(len(BANDS)), BANDS,
                 {"year": year, "mode": opts["rsei_mode"], "coefficients": d["coefficients"]})
    table = pd.DataFrame({"year": year, "indicator": RSEI_INDICATORS, "loading": np.asarray(loadings, float),
                          "pc1_share_pct": 100 * share})
    log.info("PC1 loadings:\n%s", table.to_string(index=False))
    write_table(smk.output.pca, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
