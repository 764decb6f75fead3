"""The network's mines beside the refined ones (the DeepLabV3 / OBIA study's Fig. 9), over the mine probability
read on a preview of the region grid (at most minerestore.raster.read.MAP_PX a side)."""

import json
from pathlib import Path

from shapely.geometry import box

from minerestore.identify.reference import load_reference
from minerestore.raster.read import MAP_PX, read_float
from minerestore.raster.vector import read_vector
from minerestore.report import plots
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region, reference_mines_path


def main(smk) -> None:
    configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, box(*grid.bounds), smk.params.id_field)
    preview = grid.coarsened(MAP_PX)
    figure = plots.refined_mines(read_float(smk.input.probability, preview), preview.bounds,
                                 read_vector(smk.input.network_mines, grid.crs), read_vector(smk.input.mines, grid.crs),
                                 reference, json.loads(Path(smk.input.refine).read_text()), grid.crs)
    plots.save(figure, smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
