"""Driver stack on the analysis grid: user driver rasters (bilinear), DEM (bilinear) and slope (averaged from the
fine DEM), distance to the nearest mine, mine-area share in a moving window, and the RSEI of the chosen year
(bilinear); with the pixel table of complete and incomplete samples (minerestore.driver_stack). Fine layers are
read tile by tile (tiles.size_px)."""


import numpy as np
import pandas as pd
from rasterio.enums import Resampling

from minerestore import driver_stack
from minerestore.io import atomic_path, write_raster
from minerestore.layers import burn, read_float, read_mines, read_region
from minerestore.raster import read_on_grid
from minerestore.runlog import configure
from minerestore.tiles import pad_window, tile_grid
from minerestore.topography import slope_degrees


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    target = driver_stack.analysis_grid(grid, smk.params.grid_m)
    layers: dict[str, np.ndarray] = {}
    for name, path in sources.get("drivers", {}).items():
        layers[name] = driver_stack.user_driver(path, name, target)
    tile_px = smk.params.tile_px
    if "dem" in sources:
        layers["dem"] = read_float(sources["dem"], target, Resampling.bilinear)

        def slope_tile(window):  # slope on the fine DEM with a one-pixel margin, so tile edges are exact
            padded, inner = pad_window(grid, window, 1)
            return slope_degrees(read_float(sources["dem"], grid, window=padded), grid.resolution)[inner]

        layers["slope"] = driver_stack.tiled_mean(slope_tile, grid, target, tile_px)
    mines = read_mines(smk.input.mines)
    share = driver_stack.tiled_mean(lambda w: burn(mines.geometry, tile_grid(grid, w)).astype(np.float32), grid,
                                    target, tile_px)
    obstruction = None
    if "obstruction" in sources:
        obstruction = read_on_grid(sources["obstruction"], target, 1, resampling=Resampling.nearest, fill=0) == 1
    layers["distance_to_mine"] = driver_stack.distance_to_mines(share, target, obstruction)
    layers["mine_share"] = driver_stack.mine_share_window(share, target, smk.params.window_km)
    rsei = read_on_grid(smk.input.rsei, target, "rsei", resampling=Resampling.bilinear, fill=np.nan)
    names = list(layers)
    write_raster(smk.output.stack, np.stack([layers[k] for k in names]), target.profile(len(names)), names,
                 {"year": smk.params.year, "resolution_m": target.resolution})
    xs, ys = target.xy_centres()
    gx, gy = np.meshgrid(xs, ys)
    samples = pd.DataFrame({"x": gx.ravel(), "y": gy.ravel(), "rsei": rsei.ravel(),
                            **{k: v.ravel() for k, v in layers.items()}})
    samples = samples[np.isfinite(samples["rsei"])]
    log.info("%d x %d analysis pixels at %g m, %d with RSEI; drivers %s", target.width, target.height,
             target.resolution, len(samples), names)
    with atomic_path(smk.output.samples) as tmp:
        samples.to_parquet(tmp, index=False)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
