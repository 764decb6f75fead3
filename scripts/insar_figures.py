"""Figures of the InSAR activity of one region (minerestore.report.plots): the velocity map with the mines and their
buffers, the mines' velocities by class, and the cross table with the Mann–Kendall status. The map is read on the
region grid coarsened to at most 1500 px a side (minerestore.raster.read.MAP_PX)."""

from pathlib import Path

import pandas as pd

from minerestore.raster.read import MAP_PX, read_float
from minerestore.raster.vector import read_mines
from minerestore.report import plots
from minerestore.restoration import insar
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    configure(smk.log[0])
    out = Path(smk.output[0]).parent
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    options = smk.params.insar
    activity = pd.read_csv(smk.input.activity, dtype={"mine_id": str})
    mines = read_mines(smk.input.mines).merge(activity[["mine_id", "insar_class"]], on="mine_id", how="left")
    preview = grid.coarsened(MAP_PX)
    with insar.velocity_raster(sources["insar"]["velocity"], options["units"], options["dataset"]) as (path, factor):
        velocity = read_float(path, preview) * factor
    threshold = options["threshold_mm_yr"]
    buffer_m = 1000 * options["buffer_km"]
    plots.save(plots.insar_velocity_map(velocity, preview.bounds, mines, buffer_m, threshold, grid.crs),
               out / "insar_velocity")
    plots.save(plots.insar_velocities_by_class(activity, threshold), out / "insar_classes")
    plots.save(plots.insar_cross(pd.read_csv(smk.input.cross)), out / "insar_cross")


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
