"""Driver stack on the analysis grid and the pixel table of RSEI and drivers (minerestore.drivers.stack)."""

import numpy as np

from minerestore.drivers import stack
from minerestore.io import atomic_path
from minerestore.raster.vector import read_mines
from minerestore.raster.write import write_raster
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    target = stack.analysis_grid(grid, smk.params.grid_m)
    layers = stack.driver_layers(grid, target, sources, read_mines(smk.input.mines), tile_px=smk.params.tile_px,
                                 window_km=smk.params.window_km)
    rsei = stack.analysis_rsei(smk.input.rsei, grid, target, smk.params.tile_px, smk.params.min_valid_fraction)
    coverage = stack.check_coverage(layers, rsei, sources, smk.wildcards.region, smk.params.min_coverage)
    log.info("share of the sampled analysis pixels each driver covers: %s",
             {k: round(v, 3) for k, v in coverage.items()})
    names = list(layers)
    write_raster(smk.output.stack, np.stack([layers[k] for k in names]), target.profile(len(names)), names,
                 {"year": smk.params.year, "resolution_m": target.resolution})
    samples = stack.samples_table(target, rsei, layers)
    log.info("%d x %d analysis pixels at %g m, %d with RSEI over >= %g of their area; drivers %s", target.width,
             target.height, target.resolution, len(samples), smk.params.min_valid_fraction, names)
    with atomic_path(smk.output.samples) as tmp:
        samples.to_parquet(tmp, index=False)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
