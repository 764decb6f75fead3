"""Object-based random forest: segment the candidate patches, compute object features, label objects from the
reference mines (> overlap rule), tune and fit the forest on a seeded share of the mines, report CV/OOB and
permutation importance, predict, and merge adjacent mine objects (minerestore.obia, methods.md §7.3).

Patches are taken in groups by tile (tiles.size_px), each group reading only the window that holds it; objects lie
inside patches, so no object is cut. The scaling of the segmentation and of the GLCM comes from histograms of all
candidate pixels (a first pass over the windows), as if the region were segmented at once."""

import pandas as pd
from shapely.geometry import box

from minerestore import obia
from minerestore.ingest import reference_mines_path
from minerestore.io import raster_writer, write_table, write_vector
from minerestore.layers import burn, read_region, read_vector
from minerestore.reference import load_reference
from minerestore.runlog import configure, timed
from minerestore.tiles import tile_grid, tile_windows


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    cfg, seed = smk.params.identify, smk.params.seed
    seg = cfg["segmentation"]
    patches = read_vector(smk.input.patches, grid.crs).reset_index(drop=True)
    if patches.empty:
        raise ValueError("no candidate patch to segment: object_rf cannot train; check the masks (masks/areas.csv) "
                         "or use identify.method: reference")
    ref_path = reference_mines_path(sources)
    reference = load_reference(read_vector(ref_path, grid.crs), ref_path, grid.crs, box(*grid.bounds),
                               smk.params.id_field)
    patch_args = (patches, grid, smk.params.tile_px, list(smk.input.composites), sources.get("dem"))
    bounds = obia.patch_bounds(*patch_args)
    features, overlaps, objects, offset = [], [], [], 0
    with timed(log, f"segmentation and features of {len(patches)} patches"):
        for wgrid, patch_labels, layers in obia.patch_windows(*patch_args):
            labels = obia.segment(layers, patch_labels > 0, seg["scale"], seg["sigma"], seg["min_size_px"], bounds)
            labels[labels > 0] += offset
            offset = max(offset, int(labels.max()))
            features.append(obia.object_features(labels, layers, grid.resolution,
                                                 brightness_bounds=bounds["brightness"]))
            ref_raster = burn(reference.geometry, wgrid, range(1, len(reference) + 1), "int32")
            overlaps.append(obia.overlap_with(labels, ref_raster))
            objects.append(obia.label_polygons(labels, wgrid))
    features = pd.concat(features).fillna(0.0)
    objects = pd.concat(objects, ignore_index=True)
    roles = obia.training_roles(pd.concat(overlaps), len(reference), cfg["overlap"], cfg["train_fraction"], seed)
    train = roles[roles["role"] == "train"]
    log.info("objects: %s; labels: %s", roles["role"].value_counts().to_dict(), train["y"].value_counts().to_dict())
    rf = cfg["rf"]
    with timed(log, "grid search"):
        model, cv = obia.fit_forest(features.loc[train.index], train["y"].to_numpy(), rf["param_grid"],
                                    rf["n_estimators"], rf["cv_folds"], seed, smk.threads)
    test = roles[roles["role"] == "test"]
    scored = test if test["y"].nunique() == 2 else train
    imp = obia.importance(model, features.loc[scored.index], scored["y"].to_numpy(), rf["importance_repeats"], seed)
    roles["probability"] = model.predict_proba(features.loc[roles.index])[:, 1]
    roles["predicted"] = (roles["probability"] >= 0.5).astype(int)
    mines = obia.merge_objects(objects, roles.index[roles["predicted"] == 1], cfg["min_mine_area_m2"], grid.resolution)
    log.info("%d mine objects merged into %d mines; search:\n%s", int(roles["predicted"].sum()), len(mines),
             cv.to_string(index=False))
    split = pd.DataFrame({"mine_id": reference["mine_id"],
                          "role": ["train" if i + 1 in roles.attrs["train_mines"] else "test" for i in range(len(reference))]})
    write_table(smk.output.cv, cv)
    write_table(smk.output.importance, imp)
    write_table(smk.output.objects, roles.rename_axis("object").reset_index())
    write_table(smk.output.split, split)
    with raster_writer(smk.output.labels, grid.profile(1, "int32", 0), ["object"]) as dst:
        for window in tile_windows(grid, smk.params.tile_px).values():
            labels = burn(objects.geometry, tile_grid(grid, window), objects["object"].to_numpy(), "int32")
            dst.write(labels[None], window=window)
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
