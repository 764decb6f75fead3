"""Accuracy of the mine polygons against the reference (minerestore.identify.accuracy): pixel and object confusion
with their metrics per scope, and mine-level matches, identification rate and area similarity (also per mine type
when the reference has a type field); the reference mine each mine matches best, with its IoU. Scopes: ``all``
pixels of the study area (objects: the object random forest's objects, else the candidate patches); with object_rf
also ``test``, without what the forest saw in training."""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from minerestore.identify import accuracy
from minerestore.identify.reference import load_reference, mine_types
from minerestore.io import write_table
from minerestore.raster.vector import read_mines, read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region, reference_mines_path


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    zones = gpd.read_file(smk.input.study_area)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs,
                               shapely.union_all(zones.geometry.to_numpy()), smk.params.id_field)
    mines = read_mines(smk.input.mines)
    training = {}
    if smk.input.get("objects"):  # the forest's objects with their labels and predictions
        roles = pd.read_csv(smk.input.objects)
        objects = {"all": accuracy.object_confusion(roles),
                   "test": accuracy.object_confusion(roles[roles["role"] == "test"])}
        split = pd.read_csv(smk.input.split, dtype={"mine_id": str})
        training = {"labels_path": smk.input.labels,
                    "train_objects": roles.loc[roles["role"] == "train", "object"].to_numpy(),
                    "train_mines": reference[reference["mine_id"].isin(set(split.loc[split["role"] == "train",
                                                                                       "mine_id"]))]}
    else:  # the candidate patches, kept as mines or rejected
        patches = read_vector(smk.input.candidates, grid.crs)
        objects = {"all": accuracy.object_confusion(accuracy.object_labels(patches, mines, reference,
                                                                           smk.params.overlap))}
    scopes = accuracy.pixel_scopes(grid, zones, mines, reference, tile_px=smk.params.tile_px, **training)
    table = accuracy.accuracy_table(scopes, objects, accuracy.object_match(mines, reference, smk.params.overlap))
    log.info("accuracy:\n%s", table.to_string(index=False))
    write_table(smk.output.accuracy, table)
    write_table(smk.output.mines, accuracy.mine_matches(mines, reference))
    types = mine_types(reference, read_vector(path, grid.crs), smk.params.type_field, path)
    by_type = pd.DataFrame(columns=["scope", "mine_type", "reference_mines", "matched", "identification_rate",
                                    "mean_area_similarity"])
    if types is not None:
        scopes = {"all": np.ones(len(reference), bool)}
        if smk.input.get("method_split"):  # the mines the method did not train on
            split = pd.read_csv(smk.input.method_split, dtype={"mine_id": str})
            scopes["test"] = reference["mine_id"].isin(set(split.loc[split["role"] == "test", "mine_id"])).to_numpy()
        by_type = pd.concat([accuracy.by_type(mines, reference[keep], types[keep], smk.params.overlap)
                             .assign(scope=scope) for scope, keep in scopes.items()])[by_type.columns]
        log.info("by mine type:\n%s", by_type.to_string(index=False))
    write_table(smk.output.by_type, by_type)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
