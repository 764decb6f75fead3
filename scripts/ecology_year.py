"""RSEI and REM of one year, from one read of the year's layers (minerestore.ecology; methods.md §9, §10).

- RSEI (minerestore.ecology.rsei.year_rsei), or the pooled multi-year model applied to it (ecology.rsei_mode:
  pooled), with the year's oriented PC1 loadings and share.
- REM with its four sub-indices and PCA weights (minerestore.ecology.rem), fitted on the year's study-area pixels
  or the pooled model applied to it (ecology.rem_mode: pooled); I_soil with the flatness of the region's DEM
  (ecology.flatness_slope_deg; warned and bareness alone without a DEM).

Water (the water mask, or MNDWI above the threshold) and every pixel outside the study area (the analysis domain)
are left out before the normalisation and the PCAs; every band is NaN outside the domain. A region of more than
tiles.whole_region_px pixels is read tile by tile (tiles.size_px) as dask arrays, Rao's Q with a halo of half its
window, so memory is bounded by the tile: every pass (bounds, covariance, PC1 range, writing) streams the tiles;
a smaller one is computed as whole arrays (minerestore.raster.tiles.stream_chunk). One job computes both indices:
the two shared the masks, the reads and a second of imports, which were most of each job on small regions."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from minerestore.ecology.layers import flatness, impervious, read_year
from minerestore.ecology.rem import SUB_INDICES, RemOptions, apply_rem, fit_rem, rem_base
from minerestore.ecology.rsei import RSEI_INDICATORS, grades, year_rsei
from minerestore.io import write_table
from minerestore.raster.read import read_domain_and_water
from minerestore.raster.tiles import stream_chunk
from minerestore.raster.write import spill, write_blocks
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region

RSEI_BANDS = ["rsei", "grade", *RSEI_INDICATORS, "mndwi"]
REM_BANDS = ["rem", "i_wet", "i_veg", "i_soil", "i_imper"]


def write_rsei(smk, d: dict, grid, tile_px, log) -> None:
    p, year = smk.params, int(smk.wildcards.year)
    model = json.loads(Path(smk.input.rsei_model).read_text()) if smk.input.get("rsei_model") else None
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.rsei).parent) as tmp:
        # streamed runs: indicators computed once into a scratch file, each later pass reads them
        d = d | spill({k: d[k] for k in (*RSEI_INDICATORS, "valid", "domain", "mndwi")}, grid, tile_px, tmp)
        index, loadings, share = year_rsei(d, year, model)
        inputs = [np.where(d["domain"], d[k], np.nan) for k in (*RSEI_INDICATORS, "mndwi")]  # NaN outside the domain
        write_blocks(smk.output.rsei, [index, grades(index, p.grade_width), *inputs], grid, RSEI_BANDS,
                     tags={"year": year, "mode": p.rsei_mode, "coefficients": d["coefficients"],
                           "grade_width": p.grade_width, "years_used": d["years_used"]}, chunk_px=p.tile_px)
    table = pd.DataFrame({"year": year, "indicator": RSEI_INDICATORS, "loading": np.asarray(loadings, float),
                          "pc1_share_pct": 100 * share, "years_used": d["years_used"]})
    log.info("PC1 loadings:\n%s", table.to_string(index=False))
    write_table(smk.output.rsei_pca, table)


def write_rem(smk, d: dict, built, flat, grid, tile_px, log) -> None:
    p, year = smk.params, int(smk.wildcards.year)
    options = RemOptions.from_config(p.rem)
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.rem).parent) as tmp:
        if int((d["valid"] & np.isfinite(d["ndvi"])).sum()) < 2:
            log.warning("%d: no valid pixel (all water or all cloud): REM written as NaN", year)
            layers = [d["ndvi"] * np.nan] * len(REM_BANDS)
            weights, share = [np.nan] * 3, np.nan
        else:
            try:  # streamed runs: the base layers (with Rao's Q) are computed once into a scratch file
                base = rem_base(d["bands"], d["ndvi"], coefficients=d["coefficients"], valid=d["valid"],
                                window=options.window, impervious=built, flatness=flat,
                                materialise=lambda layers: spill(layers, grid, tile_px, tmp))
                pooled = p.rem_mode == "pooled"
                model = json.loads(Path(smk.input.rem_model).read_text()) if pooled else fit_rem([base], options)
                res = apply_rem(base, model, options)
            except ValueError as err:
                raise ValueError(f"REM of {year}: {err}") from err
            layers = [res.rem, res.i_wet, res.i_veg, res.i_soil, res.i_imper]
            weights, share = res.weights, res.pc1_share
        write_blocks(smk.output.rem, layers, grid, REM_BANDS,
                     tags={"year": year, "coefficients": d["coefficients"], "mode": p.rem_mode,
                           "imper_mode": options.imper_mode,
                           "soil_flatness_slope_deg": "none" if flat is None else p.rem["flatness_slope_deg"]},
                     chunk_px=p.tile_px)
    table = pd.DataFrame({"year": year, "sub_index": list(SUB_INDICES), "weight": np.asarray(weights, float),
                          "pc1_share_pct": 100 * share})
    log.info("REM weights:\n%s", table.to_string(index=False))
    write_table(smk.output.rem_weights, table)


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    p = smk.params
    tile_px = stream_chunk(grid, p.tile_px, p.whole_region_px)
    log.info("%d x %d px: %s", grid.height, grid.width,
             f"streamed in tiles of {tile_px} px" if tile_px else "whole arrays (tiles.whole_region_px)")
    masks = read_domain_and_water(smk.input.water, grid, tile_px)
    d = read_year(smk.input.composite, *masks, mndwi_threshold=p.mndwi_threshold, grid=grid,
                  lst_path=sources.get("lst"), wet_setting=p.wet_coefficients, family=p.sensor, chunk_px=tile_px)
    log.info("%s: tasseled-cap set %s, RSEI mode %s, REM mode %s", smk.wildcards.year, d["coefficients"],
             p.rsei_mode, p.rem_mode)
    write_rsei(smk, d, grid, tile_px, log)
    write_rem(smk, d, impervious(sources.get("landcover"), p.rem["imper_classes"], masks[0], grid, tile_px),
              flatness(sources.get("dem"), p.rem["flatness_slope_deg"], grid, tile_px), grid, tile_px, log)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
