"""RSEI of one year (minerestore.ecology.rsei), or the pooled multi-year model applied to it
(ecology.rsei_mode: pooled), with the year's oriented PC1 loadings and share. Water (the water mask, or MNDWI
above the threshold) is left out before the PCA. Layers are read tile by tile (tiles.size_px) as dask arrays,
so memory is bounded by the tile: every pass (bounds, covariance, PC1 range, writing) streams the tiles."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from minerestore.ecology import RSEI_INDICATORS, grades, rsei, rsei_valid, rsei_with_bounds
from minerestore.io import write_table
from minerestore.layers import read_region, read_water, read_year
from minerestore.runlog import configure
from minerestore.tiles import spill, stream_chunk, write_blocks

BANDS = ["rsei", "grade", *RSEI_INDICATORS, "mndwi"]


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    tile_px = stream_chunk(grid, smk.params.tile_px)
    opts = smk.params.options
    d = read_year(smk.input.composite, read_water(smk.input.water, grid, tile_px), smk.params.mndwi_threshold, grid,
                  sources.get("lst"), opts["wet_coefficients"], smk.params.sensor, tile_px)
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.raster).parent) as tmp:
        # streamed runs: indicators computed once into a scratch file, each later pass reads them
        d |= spill({k: d[k] for k in (*RSEI_INDICATORS, "valid", "mndwi")}, grid, tile_px, tmp)
        loadings, share = write_rsei(smk, d, grid, log)
    table = pd.DataFrame({"year": int(smk.wildcards.year), "indicator": RSEI_INDICATORS,
                          "loading": np.asarray(loadings, float), "pc1_share_pct": 100 * share})
    log.info("PC1 loadings:\n%s", table.to_string(index=False))
    write_table(smk.output.pca, table)


def write_rsei(smk, d: dict, grid, log) -> tuple:
    """RSEI of the year (fitted, or the pooled model applied) written with its indicators; (loadings, share)."""
    opts = smk.params.options
    year = int(smk.wildcards.year)
    indicators = [d[k] for k in RSEI_INDICATORS]
    ok = rsei_valid(*indicators, d["valid"])
    n_valid = int(ok.sum())
    log.info("%d: %d valid pixels, tasseled-cap set %s, mode %s", year, n_valid, d["coefficients"],
             opts["rsei_mode"])
    if n_valid < 2:
        log.warning("%d: no valid pixel (all water or all cloud): RSEI written as NaN", year)
        index, loadings, share = d["ndvi"] * np.nan, [np.nan] * 4, np.nan
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
    write_blocks(smk.output.raster, [index, grades(index), *indicators, d["mndwi"]], grid, BANDS,
                 {"year": year, "mode": opts["rsei_mode"], "coefficients": d["coefficients"]}, smk.params.tile_px)
    return loadings, share


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
