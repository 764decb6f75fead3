"""RSEI of one year (minerestore.ecology.rsei.year_rsei), or the pooled multi-year model applied to it
(ecology.rsei_mode: pooled), with the year's oriented PC1 loadings and share. Water (the water mask, or MNDWI above
the threshold) and every pixel outside the study area (the analysis domain) are left out before the normalisation
and the PCA; every band is NaN outside the domain. Layers are read tile by tile as dask arrays, so memory is
bounded by the tile: every pass (bounds, covariance, PC1 range, writing) streams the tiles."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from minerestore.ecology.layers import analysis_masks, read_year
from minerestore.ecology.rsei import RSEI_INDICATORS, grades, year_rsei
from minerestore.io import write_table
from minerestore.raster.tiles import stream_chunk
from minerestore.raster.write import spill, write_blocks
from minerestore.scripting import configure
from minerestore.sources.contract import read_region

BANDS = ["rsei", "grade", *RSEI_INDICATORS, "mndwi"]


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    p, year = smk.params, int(smk.wildcards.year)
    tile_px = stream_chunk(grid, p.tile_px)
    masks = analysis_masks(smk.input.study_area, smk.input.water, grid, tile_px, smk.wildcards.region)
    d = read_year(smk.input.composite, *masks, p.mndwi_threshold, grid, sources.get("lst"), p.wet_coefficients,
                  p.sensor, tile_px)
    model = json.loads(Path(smk.input.model).read_text()) if smk.input.get("model") else None
    log.info("%d: tasseled-cap set %s, mode %s", year, d["coefficients"], p.rsei_mode)
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.raster).parent) as tmp:
        # streamed runs: indicators computed once into a scratch file, each later pass reads them
        d |= spill({k: d[k] for k in (*RSEI_INDICATORS, "valid", "domain", "mndwi")}, grid, tile_px, tmp)
        index, loadings, share = year_rsei(d, year, model)
        inputs = [np.where(d["domain"], d[k], np.nan) for k in (*RSEI_INDICATORS, "mndwi")]  # NaN outside the domain
        write_blocks(smk.output.raster, [index, grades(index, p.grade_width), *inputs], grid, BANDS,
                     {"year": year, "mode": p.rsei_mode, "coefficients": d["coefficients"],
                      "grade_width": p.grade_width, "years_used": d["years_used"]}, p.tile_px)
    table = pd.DataFrame({"year": year, "indicator": RSEI_INDICATORS, "loading": np.asarray(loadings, float),
                          "pc1_share_pct": 100 * share, "years_used": d["years_used"]})
    log.info("PC1 loadings:\n%s", table.to_string(index=False))
    write_table(smk.output.pca, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
