"""Pooled RSEI model (ecology.rsei_mode: pooled): normalisation bounds, oriented PC1 loadings and PC1 bounds
fitted on the pixels of all years together (minerestore.ecology.rsei_pooled; methods.md §1.3 item 8). The years
are read tile by tile as dask arrays (tiles.size_px): memory is bounded by the tile."""

import json

from minerestore.ecology.layers import read_year
from minerestore.ecology.rsei import RSEI_INDICATORS, rsei_pooled
from minerestore.io import write_text
from minerestore.raster.read import read_water
from minerestore.raster.tiles import stream_chunk
from minerestore.scripting import configure
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    tile_px = stream_chunk(grid, smk.params.tile_px)
    water = read_water(smk.input.water, grid, tile_px)
    years = {}
    for path in smk.input.composites:
        d = read_year(path, water, smk.params.mndwi_threshold, grid, sources.get("lst"), smk.params.wet_coefficients,
                      smk.params.sensor, tile_px)
        years[d["year"]] = (*(d[k] for k in RSEI_INDICATORS), d["valid"])
    res = next(iter(rsei_pooled(years).values()))
    model = {"bounds": res.bounds, "loadings": res.loadings.tolist(), "pc1_share": res.pc1_share,
             "pc1_bounds": list(res.pc1_bounds), "years": sorted(years)}
    log.info("pooled RSEI model: %s", model)
    write_text(smk.output.model, json.dumps(model, indent=2))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
