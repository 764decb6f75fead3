"""REM of one year with its four sub-indices and PCA weights (minerestore.ecology.rem, methods.md §2.2): fitted on
the year's study-area pixels, or the pooled multi-year model applied to it (ecology.rem_mode: pooled). Layers are
read tile by tile (tiles.size_px) as dask arrays, Rao's Q with a halo of half its window, so memory is bounded by
the tile."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from minerestore.ecology.layers import analysis_masks, impervious, read_year
from minerestore.ecology.rem import SUB_INDICES, RemOptions, apply_rem, fit_rem, rem_base
from minerestore.io import write_table
from minerestore.raster.tiles import stream_chunk
from minerestore.raster.write import spill, write_blocks
from minerestore.scripting import configure
from minerestore.sources.contract import read_region

BANDS = ["rem", "i_wet", "i_veg", "i_soil", "i_imper"]


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    tile_px = stream_chunk(grid, smk.params.tile_px)
    p, o = smk.params, smk.params.rem
    year = int(smk.wildcards.year)
    options = RemOptions.from_config(o)
    masks = analysis_masks(smk.input.study_area, smk.input.water, grid, tile_px, smk.wildcards.region)
    d = read_year(smk.input.composite, *masks, p.mndwi_threshold, grid, sources.get("lst"), p.wet_coefficients,
                  p.sensor, tile_px)
    built = impervious(sources.get("landcover"), o["imper_classes"], masks[0], grid, tile_px)
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.raster).parent) as tmp:
        if int((d["valid"] & np.isfinite(d["ndvi"])).sum()) < 2:
            log.warning("%d: no valid pixel (all water or all cloud): REM written as NaN", year)
            layers = [d["ndvi"] * np.nan] * len(BANDS)
            weights, share = [np.nan] * 3, np.nan
        else:
            try:  # streamed runs: the base layers (with Rao's Q) are computed once into a scratch file
                base = rem_base(d["bands"], d["ndvi"], d["coefficients"], d["valid"], options.window, built,
                                lambda layers: spill(layers, grid, tile_px, tmp))
                pooled = p.rem_mode == "pooled"
                model = json.loads(Path(smk.input.model).read_text()) if pooled else fit_rem([base], options)
                res = apply_rem(base, model, options)
            except ValueError as err:
                raise ValueError(f"REM of {year}: {err}") from err
            layers = [res.rem, res.i_wet, res.i_veg, res.i_soil, res.i_imper]
            weights, share = res.weights, res.pc1_share
        write_blocks(smk.output.raster, layers, grid, BANDS,
                     {"year": year, "coefficients": d["coefficients"], "mode": p.rem_mode,
                      "imper_mode": options.imper_mode}, p.tile_px)
    table = pd.DataFrame({"year": year, "sub_index": list(SUB_INDICES), "weight": np.asarray(weights, float),
                          "pc1_share_pct": 100 * share})
    log.info("REM weights:\n%s", table.to_string(index=False))
    write_table(smk.output.weights, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
