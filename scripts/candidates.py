"""Candidate patches: study area minus the masks, cleaned of isolated pixels, vectorised (minerestore.patches).

Tile by tile (tiles.size_px): each tile is opened with a margin of twice the footprint radius (exact), vectorised,
and the pieces are joined across tile edges before small patches are dropped, so memory is bounded by the tile."""

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio

from minerestore import patches, studyarea
from minerestore.grid import Grid
from minerestore.io import raster_writer, write_vector
from minerestore.layers import burn
from minerestore.runlog import configure
from minerestore.tiles import halo_windows, tile_grid, tile_windows


def remaining(grid: Grid, window, zones, mask_paths) -> np.ndarray:
    """Study area minus every mask on a window of the region grid."""
    left = burn(zones.geometry, tile_grid(grid, window)).astype(bool)
    for path in mask_paths:
        with rasterio.open(path) as src:
            left &= src.read(1, window=window) != 1
    return left


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    zones = gpd.read_file(smk.input.study_area)
    m, tile_px = smk.params.masks, smk.params.tile_px
    footprint = patches.structuring_element(m["structuring_element"], m["opening_radius_px"])
    halo = 2 * (footprint.shape[0] // 2) + 1  # erosion then dilation: each reaches one radius
    pieces = []
    for window, padded, inner in halo_windows(grid, tile_px, halo):
        opened = patches.clean(remaining(grid, padded, zones, smk.input.masks), footprint, 0, grid.resolution)
        pieces.append(patches.vectorise(opened[inner], tile_grid(grid, window)))
    frame = patches.join_tiles(pieces, smk.params.min_patch_m2, grid.resolution, grid.crs)
    n_inside = n_candidate = 0
    with raster_writer(smk.output.raster, grid.profile(1, "uint8", 255), ["candidate"]) as dst:
        for window in tile_windows(grid, tile_px).values():
            tgrid = tile_grid(grid, window)
            inside = burn(zones.geometry, tgrid).astype(bool)
            candidate = burn(frame.geometry, tgrid).astype(bool) & inside
            dst.write(np.where(inside, candidate, 255).astype(np.uint8)[None], window=window)
            n_inside, n_candidate = n_inside + int(inside.sum()), n_candidate + int(candidate.sum())
    log.info("candidates cover %.3f %% of the study area", 100 * n_candidate / max(n_inside, 1))
    if frame.empty:
        log.warning("no candidate patch left after masking: empty candidates written")
    frame["subregion"] = studyarea.assign_subregion(frame, zones)
    write_vector(smk.output.vector, frame)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
