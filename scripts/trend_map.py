"""Pixel-wise Mann–Kendall / Sen's slope maps of one tile, one per configured yearly layer
(minerestore.restoration.trend.mann_kendall_grid).

Layers: ``ndvi`` (growing-season NDVI), ``bare`` (1 where NDVI is below the BSP threshold, 0 above, NaN on
water or missing), ``rsei`` or ``rem`` (first band of the yearly ecology rasters). Pixels outside the study area
are NaN (the study area is read from the water mask, 255 outside it). One job per tile computes every layer's map,
so the process start-up and imports are paid once per tile; only the tile's window of each layer is read."""


import numpy as np

from minerestore.indices import bare_layer
from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites, read_domain_and_water
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.raster.write import write_raster
from minerestore.restoration.trend import GRID_FIELDS, mann_kendall_grid
from minerestore.scripting import configure, timed


def layer_stack(smk, index: str, window, ndvi: np.ndarray | None, water: np.ndarray) -> np.ndarray:
    """(years, rows, cols) float32 stack of ``index`` in the tile's window; ``ndvi`` is the tile's NDVI stack,
    read once for both the ndvi and the bare maps."""
    if index in ("rsei", "rem"):
        return read_composites(list(smk.input[index]), [index], window)[index]
    if index == "ndvi":
        return ndvi.copy()
    return np.stack([bare_layer(v, water, smk.params.threshold) for v in ndvi])


def main(smk) -> None:
    log = configure(smk.log[0])
    region_grid = Grid.read(smk.input.grid)
    window = tile_windows(region_grid, smk.params.tile_px)[smk.wildcards.tile]
    grid = tile_grid(region_grid, window)
    inside, water = read_domain_and_water(smk.input.water, grid, window=window)
    years = list(smk.params.years)
    reads_ndvi = {"ndvi", "bare"} & set(smk.params.indices)
    ndvi = read_composites(list(smk.input.composites), ["ndvi"], window)["ndvi"] if reads_ndvi else None
    for index, path in zip(smk.params.indices, smk.output, strict=True):
        stack = layer_stack(smk, index, window, ndvi, water)
        stack[:, ~inside] = np.nan
        with timed(log, f"Mann-Kendall grid of {index}"):
            result = mann_kendall_grid(stack, smk.params.alpha, years=years)  # slope per year, whatever the spacing
        data = np.stack([result[k].astype(np.float32) for k in GRID_FIELDS])
        data[:, ~inside] = np.nan
        write_raster(path, data, grid.profile(len(GRID_FIELDS)), list(GRID_FIELDS),
                     {"index": index, "years": f"{years[0]}-{years[-1]}", "slope_units": f"{index} per year"})


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
