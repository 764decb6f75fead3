"""Mines from candidate patches by size, shape, brightness and change rules (minerestore.patches.filter_candidates)."""


import numpy as np
from scipy import ndimage

from minerestore import obia, patches
from minerestore.io import write_vector
from minerestore.layers import read_mask, read_region
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    candidates = read_mask(smk.input.candidates)
    labels, n = ndimage.label(candidates, structure=np.ones((3, 3)))
    if n == 0:
        log.warning("no candidate patch: no mine")
        write_vector(smk.output.mines, patches.vectorise(candidates, grid)[["geometry"]])
        return
    layers = obia.object_layers(list(smk.input.composites), sources.get("dem"), grid)
    features = obia.object_features(labels.astype(np.int32), layers, grid.resolution)
    keep = patches.filter_candidates(features, smk.params.rules)
    mines = obia.merge_objects(labels, features.index[keep].to_numpy(), grid, smk.params.min_area_m2)
    log.info("%d of %d candidate patches kept as mines", int(np.sum(keep)), n)
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
