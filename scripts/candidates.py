"""Candidate patches: the study area minus the masks, cleaned of isolated pixels and vectorised tile by tile
(minerestore.mask.patches.candidate_patches), with the candidate raster."""

import geopandas as gpd

from minerestore.io import write_vector
from minerestore.mask import patches, studyarea
from minerestore.raster.grid import Grid
from minerestore.raster.write import raster_writer
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    zones = gpd.read_file(smk.input.study_area)
    p = smk.params
    frame = patches.candidate_patches(grid, zones, list(smk.input.masks), element=p.structuring_element,
                                      radius_px=p.opening_radius_px, min_patch_m2=p.min_patch_m2, tile_px=p.tile_px)
    n_inside = n_candidate = 0
    with raster_writer(smk.output.raster, grid.profile(1, "uint8", 255), ["candidate"]) as dst:
        for window, tile in patches.candidate_tiles(grid, zones, frame, p.tile_px):
            dst.write(tile[None], window=window)
            n_inside, n_candidate = n_inside + int((tile != 255).sum()), n_candidate + int((tile == 1).sum())
    log.info("candidates cover %.3f %% of the study area", 100 * n_candidate / max(n_inside, 1))
    if frame.empty:
        log.warning("no candidate patch left after masking: empty candidates written")
    frame["subregion"] = studyarea.assign_subregion(frame, zones)
    write_vector(smk.output.vector, frame)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
