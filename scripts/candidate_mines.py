"""Mines from candidate patches by size, shape, brightness and change rules (minerestore.mask.patches.filter_candidates).

Patches are taken in groups by tile (tiles.size_px); each group reads only the window holding it."""


import numpy as np
import pandas as pd

from minerestore.identify import obia
from minerestore.io import write_vector
from minerestore.mask import patches
from minerestore.raster.vector import read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    candidates = read_vector(smk.input.patches, grid.crs).reset_index(drop=True)
    if candidates.empty:
        log.warning("no candidate patch: no mine")
        write_vector(smk.output.mines, candidates[["geometry"]])
        return
    bounds, windows = obia.segmentation_windows("candidates", patches=candidates, zones=None, grid=grid,
                                                size_px=smk.params.tile_px, composites=list(smk.input.composites),
                                                dem_path=sources.get("dem"))
    features = pd.concat([obia.object_features(labels, layers, grid.resolution, glcm_layers=(), bounds=bounds)
                          for _, labels, layers in windows]).sort_index()
    keep = patches.filter_candidates(features, smk.params.rules)
    objects = candidates.assign(object=np.arange(1, len(candidates) + 1))
    mines = obia.merge_objects(objects, features.index[keep], smk.params.min_area_m2, grid.resolution)
    log.info("%d of %d candidate patches kept as mines", int(np.sum(keep)), len(candidates))
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
