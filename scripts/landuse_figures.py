"""Figures of the land-use stage (minerestore.report.landuse): the networks' maps beside the labels, OA / kappa /
mIoU bars and the per-class PA / UA / IoU heat map."""

import pandas as pd
import rasterio

from minerestore.landuse.classes import class_table
from minerestore.raster.read import read_preview
from minerestore.report import landuse as figures
from minerestore.report.plots import save
from minerestore.scripting import configure, run

#: Longest side of each map panel (px): seven panels of a figure 13 inches wide.
PANEL_PX = 800


def main(smk) -> None:
    configure(smk.log[0])
    table = class_table(smk.params.classes)
    labels = smk.params.labels
    with rasterio.open(smk.input.labels) as src:
        bounds, transform = src.bounds, src.transform
    patches = pd.read_csv(smk.input.patches)
    size = smk.params.patch_px
    validation = []
    for p in patches[patches["role"] == "validation"].itertuples():
        x0, y1 = transform * (p.col, p.row)
        x1, y0 = transform * (p.col + size, p.row + size)
        validation.append((x0, y0, x1, y1))
    maps = {labels[n]: read_preview(path, 1, PANEL_PX) for n, path in zip(smk.params.networks, smk.input.predictions)}
    save(figures.class_maps(read_preview(smk.input.labels, 1, PANEL_PX), maps, table, bounds, validation),
         smk.output.maps.removesuffix(".png"))
    metrics = pd.read_csv(smk.input.metrics)
    save(figures.overall_bars(metrics, labels), smk.output.scores.removesuffix(".png"))
    save(figures.class_heatmap(metrics, labels, table), smk.output.classes.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
