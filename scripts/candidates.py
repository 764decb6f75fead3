"""Candidate patches: study area minus the masks, cleaned of isolated pixels, vectorised (minerestore.patches)."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio

from minerestore import patches, studyarea
from minerestore.grid import Grid
from minerestore.io import write_raster, write_vector
from minerestore.layers import burn
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    zones = gpd.read_file(smk.input.study_area)
    inside = burn(zones.geometry, grid).astype(bool)
    masked = np.zeros(grid.shape, bool)
    for path in smk.input.masks:
        with rasterio.open(path) as src:
            masked |= src.read(1) == 1
    m = smk.params.masks
    footprint = patches.structuring_element(m["structuring_element"], m["opening_radius_px"])
    candidates = patches.clean(inside & ~masked, footprint, smk.params.min_patch_m2, grid.resolution)
    log.info("candidates cover %.3f %% of the study area", 100 * candidates.sum() / max(inside.sum(), 1))
    write_raster(smk.output.raster, np.where(inside, candidates.astype(np.uint8), 255).astype(np.uint8)[None],
                 grid.profile(1, "uint8", 255), ["candidate"])
    frame = patches.vectorise(candidates, grid)
    if frame.empty:
        log.warning("no candidate patch left after masking: empty candidates written")
    frame["subregion"] = studyarea.assign_subregion(frame, zones)
    write_vector(smk.output.vector, frame)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
