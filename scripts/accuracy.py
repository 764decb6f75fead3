"""Accuracy of the mine polygons against the reference (pixel confusion and metrics per scope, object matches).

Scopes: ``all`` pixels of the study area; with object_rf also ``test``: the study area without the training
mines and the training objects, so the forest is scored on what it did not see (minerestore.accuracy)."""


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


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    zones = gpd.read_file(smk.input.study_area)
    area = shapely.union_all(zones.geometry.to_numpy())
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, area, smk.params.id_field)
    mines = read_mines(smk.input.mines)
    inside = burn(zones.geometry, grid).astype(bool)
    predicted = burn(mines.geometry, grid).astype(bool)
    truth = burn(reference.geometry, grid).astype(bool)
    scopes = {"all": accuracy.pixel_confusion(predicted, truth, inside)}
    if smk.input.get("objects"):
        roles = pd.read_csv(smk.input.objects)
        split = pd.read_csv(smk.input.split, dtype={"mine_id": str})
        with rasterio.open(smk.input.labels) as src:
            labels = src.read(1)
        seen = np.isin(labels, roles.loc[roles["role"] == "train", "object"].to_numpy()) & (labels > 0)
        train_ids = set(split.loc[split["role"] == "train", "mine_id"])
        seen |= burn(reference.loc[reference["mine_id"].isin(train_ids)].geometry, grid).astype(bool)
        scopes["test"] = accuracy.pixel_confusion(predicted, truth, inside & ~seen)
    objects = accuracy.object_match(mines, reference, smk.params.overlap)
    table = accuracy.accuracy_table(scopes, objects)
    log.info("accuracy:\n%s", table.to_string(index=False))
    write_table(smk.output.accuracy, table)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
