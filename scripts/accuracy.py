"""Accuracy of the mine polygons against the reference (pixel confusion and metrics per scope, object matches).

Scopes: ``all`` pixels of the study area; with object_rf also ``test``: the study area without the training
mines and the training objects, so the forest is scored on what it did not see (minerestore.accuracy). Pixel
counts add up tile by tile (tiles.size_px)."""


from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

from minerestore import accuracy
from minerestore.ingest import reference_mines_path
from minerestore.io import write_table
from minerestore.layers import burn, read_mines, read_region, read_vector
from minerestore.reference import load_reference
from minerestore.runlog import configure
from minerestore.tiles import tile_grid, tile_windows


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    zones = gpd.read_file(smk.input.study_area)
    area = shapely.union_all(zones.geometry.to_numpy())
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, area, smk.params.id_field)
    mines = read_mines(smk.input.mines)
    scored = bool(smk.input.get("objects"))
    if scored:
        roles = pd.read_csv(smk.input.objects)
        train_objects = roles.loc[roles["role"] == "train", "object"].to_numpy()
        split = pd.read_csv(smk.input.split, dtype={"mine_id": str})
        train_mines = reference.loc[reference["mine_id"].isin(set(split.loc[split["role"] == "train", "mine_id"]))]
    scopes = {"all": Counter(), "test": Counter()}
    for window in tile_windows(grid, smk.params.tile_px).values():  # pixel counts add up over tiles
        tgrid = tile_grid(grid, window)
        inside = burn(zones.geometry, tgrid).astype(bool)
        predicted = burn(mines.geometry, tgrid).astype(bool)
        truth = burn(reference.geometry, tgrid).astype(bool)
        scopes["all"].update(accuracy.pixel_confusion(predicted, truth, inside))
        if scored:
            with rasterio.open(smk.input.labels) as src:
                labels = src.read(1, window=window)
            seen = (np.isin(labels, train_objects) & (labels > 0)) | burn(train_mines.geometry, tgrid).astype(bool)
            scopes["test"].update(accuracy.pixel_confusion(predicted, truth, inside & ~seen))
    scopes = {k: {c: v[c] for c in ("tp", "fp", "fn", "tn")} for k, v in scopes.items() if k == "all" or scored}
    objects = accuracy.object_match(mines, reference, smk.params.overlap)
    table = accuracy.accuracy_table(scopes, objects)
    log.info("accuracy:\n%s", table.to_string(index=False))
    write_table(smk.output.accuracy, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
