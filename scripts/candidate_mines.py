"""Mines from candidate patches by size, shape, brightness and change rules (minerestore.patches.filter_candidates).

Patches are taken in groups by tile (tiles.size_px); each group reads only the window holding it."""


import numpy as np
import pandas as pd

from minerestore import obia, patches
from minerestore.io import write_vector
from minerestore.layers import burn, read_region, read_vector
from minerestore.runlog import configure
from minerestore.tiles import polygon_windows, tile_grid


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    candidates = read_vector(smk.input.patches, grid.crs).reset_index(drop=True)
    if candidates.empty:
        log.warning("no candidate patch: no mine")
        write_vector(smk.output.mines, candidates[["geometry"]])
        return
    groups = polygon_windows(candidates, grid, smk.params.tile_px)

    def windows():  # one group of patches at a time: memory bounded by the window
        for members, window in groups:
            labels = burn(candidates.geometry.iloc[members], tile_grid(grid, window), [m + 1 for m in members], "int32")
            yield labels, obia.object_layers(list(smk.input.composites), sources.get("dem"), grid, window)

    bounds = obia.percentile_bounds([obia.layer_histograms(layers, labels > 0) for labels, layers in windows()])
    features = pd.concat([obia.object_features(labels, layers, grid.resolution, brightness_bounds=bounds["brightness"])
                          for labels, layers in windows()]).sort_index()
    keep = patches.filter_candidates(features, smk.params.rules)
    objects = candidates.assign(object=np.arange(1, len(candidates) + 1))
    mines = obia.merge_objects(objects, features.index[keep], smk.params.min_area_m2, grid.resolution)
    log.info("%d of %d candidate patches kept as mines", int(np.sum(keep)), len(candidates))
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
