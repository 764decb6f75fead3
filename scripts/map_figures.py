"""Maps of one region (minerestore.report.plots): masks, REM series of one mine, RSEI maps, densities and
latitude profile, trend maps. PNG (300 dpi) and SVG under figures/. Maps are read decimated to at most 1500 px a
side (minerestore.raster.read.MAP_PX), so a basin-size region plots in bounded memory. They need no statistics
table, so they are drawn while the ecology statistics and the drivers' forest run (the charts and the map of the
mines by status: scripts/figures.py)."""

from pathlib import Path

import numpy as np
import pandas as pd
import rasterio
from rasterio.windows import from_bounds

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_preview
from minerestore.raster.vector import read_mines
from minerestore.report import plots
from minerestore.restoration.trend_indices import trend_index
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    out = Path(smk.output[0]).parent
    grid = Grid.read(smk.input.grid)
    years = list(smk.params.years)
    mines = read_mines(smk.input.mines)
    masks = {name: np.nan_to_num(read_preview(path), nan=255)
             for name, path in zip(("water", "vegetation", "snow", "builtup"), smk.input.masks)}
    plots.save(plots.study_area_masks(masks, grid.bounds, pd.read_csv(smk.input.areas), grid.crs), out / "study_area_masks")
    chosen = smk.params.mine_id or (mines.sort_values("area_km2").iloc[-1]["mine_id"] if len(mines) else None)
    layers = {}
    if chosen is not None:
        geom = mines.set_index("mine_id").loc[chosen, "geometry"].buffer(2 * grid.resolution)
        for year, path in zip(years, smk.input.rem):
            with rasterio.open(path) as src:
                layers[year] = src.read(1, window=from_bounds(*geom.bounds, src.transform))
        plots.save(plots.mine_series(layers, geom.bounds, chosen, grid.crs), out / "mine_rem_series")
    else:
        plots.save(plots.mine_series({}, grid.bounds, "none", grid.crs), out / "mine_rem_series")  # says "no mines"
    rsei = {y: read_preview(p, "rsei") for y, p in zip(years, smk.input.rsei)}  # maps: at most MAP_PX a side
    plots.save(plots.rsei_maps(rsei[years[0]], rsei[years[-1]], (years[0], years[-1]), grid.bounds, grid.crs),
               out / "rsei_maps")
    plots.save(plots.rsei_density(rsei), out / "rsei_density")
    rows = rsei[years[-1]].shape[0]
    top, bottom = grid.bounds[3], grid.bounds[1]
    northing = top - (np.arange(rows) + 0.5) * (top - bottom) / rows
    profile = np.broadcast_to(northing[:, None], rsei[years[-1]].shape)
    plots.save(plots.latitude_profile(rsei[years[-1]], profile, mines.geometry.centroid.y.to_numpy()),
               out / "latitude_profile")
    for name, path in zip(smk.params.trend_indices, smk.input.trends):
        plots.save(plots.trend_map(read_preview(path, "slope"), read_preview(path, "p"), grid.bounds, grid.crs,
                                   alpha=smk.params.alpha, label=name,
                                   higher_is_better=trend_index(name).higher_is_better), out / f"trend_{name}")
    log.info("maps written to %s", out)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
