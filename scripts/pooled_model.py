"""Pooled model of RSEI (ecology.rsei_mode: pooled) or REM (ecology.rem_mode: pooled): every normalisation bound,
the PCA and the final range fitted on the study-area pixels of all years together
(minerestore.ecology.rsei.rsei_pooled, minerestore.ecology.rem.fit_rem; methods.md §9.3, §10.6). The years are
read tile by tile as dask arrays (tiles.size_px): memory is bounded by the tile."""

import json
import tempfile
from pathlib import Path

from minerestore.ecology.layers import flatness, impervious, read_year
from minerestore.ecology.rem import RemOptions, fit_rem, rem_base
from minerestore.ecology.rsei import RSEI_INDICATORS, rsei_pooled
from minerestore.io import write_text
from minerestore.raster.read import read_domain_and_water
from minerestore.raster.tiles import stream_chunk
from minerestore.raster.write import spill
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def rsei_model(years: dict) -> dict:
    res = next(iter(rsei_pooled({y: (*(d[k] for k in RSEI_INDICATORS), d["valid"]) for y, d in years.items()})
                    .values()))
    return {"bounds": res.bounds, "loadings": res.loadings.tolist(), "pc1_share": res.pc1_share,
            "pc1_bounds": list(res.pc1_bounds)}


def rem_model(years: dict, o: dict, built, flat, grid, tile_px, folder) -> dict:
    options = RemOptions.from_config(o)
    bases = []
    for year, d in years.items():  # base layers of each year spilled once to its own scratch file
        (Path(folder) / str(year)).mkdir()
        bases.append(rem_base(d["bands"], d["ndvi"], coefficients=d["coefficients"], valid=d["valid"],
                              window=options.window, impervious=built, flatness=flat,
                              materialise=lambda layers, y=year: spill(layers, grid, tile_px, Path(folder) / str(y))))
    return fit_rem(bases, options)


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    tile_px = stream_chunk(grid, smk.params.tile_px, smk.params.whole_region_px)
    masks = read_domain_and_water(smk.input.water, grid, tile_px)
    p = smk.params
    years = {}
    for path in smk.input.composites:
        d = read_year(path, *masks, mndwi_threshold=p.mndwi_threshold, grid=grid, lst_path=sources.get("lst"),
                      wet_setting=p.wet_coefficients, family=p.sensor, chunk_px=tile_px)
        if int(d["valid"].sum()) < 2:
            log.warning("%d: no valid pixel in the study area (all water or cloud): left out of the pooled model",
                        d["year"])
            continue
        years[d["year"]] = d
    with tempfile.TemporaryDirectory(prefix=".spill-", dir=Path(smk.output.model).parent) as tmp:
        if smk.wildcards.index == "rsei":
            model = rsei_model(years)
        else:
            built = impervious(sources.get("landcover"), p.rem["imper_classes"], masks[0], grid, tile_px)
            flat = flatness(sources.get("dem"), p.rem["flatness_slope_deg"], grid, tile_px)
            model = rem_model(years, p.rem, built, flat, grid, tile_px, tmp)
    model["years"] = sorted(years)
    log.info("pooled %s model: %s", smk.wildcards.index, model)
    write_text(smk.output.model, json.dumps(model, indent=2))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
