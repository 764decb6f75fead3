"""Pixel-wise Mann–Kendall / Sen's slope maps of one tile, one per configured trend index
(minerestore.restoration.trend_indices, minerestore.restoration.trend.mann_kendall_grid).

Each index names the yearly rasters it reads (composites, RSEI or REM) and its bands; every band is read once for
all the indices of the tile. Pixels outside the study area are NaN (the study area is read from the water mask,
255 outside it). One job per tile computes every index's map, so the process start-up and imports are paid once
per tile; only the tile's window of each raster is read."""


import numpy as np

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites, read_domain_and_water
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.raster.write import write_raster
from minerestore.restoration.trend import GRID_FIELDS, mann_kendall_grid
from minerestore.restoration.trend_indices import inputs_bands, trend_index
from minerestore.scripting import configure, run, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region_grid = Grid.read(smk.input.grid)
    window = tile_windows(region_grid, smk.params.tile_px)[smk.wildcards.tile]
    grid = tile_grid(region_grid, window)
    inside, water = read_domain_and_water(smk.input.water, grid, window=window)
    years = list(smk.params.years)
    stacks = {source: read_composites(list(smk.input[source]), bands, window)
              for source, bands in inputs_bands(smk.params.indices).items()}
    for name, path in zip(smk.params.indices, smk.output, strict=True):
        index = trend_index(name)
        stack = index.layer(stacks[index.input], water, smk.params.bsp_ndvi)
        stack = np.where(inside, stack, np.float32(np.nan))
        with timed(log, f"Mann-Kendall grid of {name}"):
            result = mann_kendall_grid(stack, smk.params.alpha, years=years)  # slope per year, whatever the spacing
        data = np.stack([result[k].astype(np.float32) for k in GRID_FIELDS])
        data[:, ~inside] = np.nan
        write_raster(path, data, grid.profile(len(GRID_FIELDS)), list(GRID_FIELDS),
                     {"index": name, "years": f"{years[0]}-{years[-1]}", "slope_units": f"{name} per year"})


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
