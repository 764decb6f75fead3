"""Object-based random forest: segment the candidate patches, compute object features, label objects from the
reference mines (> overlap rule), tune and fit the forest on a seeded share of the mines, report CV/OOB and
permutation importance, predict, and merge adjacent mine objects (minerestore.obia, methods.md §7.3)."""


import pandas as pd
from shapely.geometry import box

from minerestore import obia
from minerestore.ingest import reference_mines_path
from minerestore.io import write_raster, write_table, write_vector
from minerestore.layers import burn, read_mask, read_region, read_vector
from minerestore.reference import load_reference
from minerestore.runlog import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    cfg, seed = smk.params.identify, smk.params.seed
    candidates = read_mask(smk.input.candidates)
    layers = obia.object_layers(list(smk.input.composites), sources.get("dem"), grid)
    seg = cfg["segmentation"]
    with timed(log, "segmentation"):
        labels = obia.segment(layers, candidates, seg["scale"], seg["sigma"], seg["min_size_px"])
    if labels.max() == 0:
        raise ValueError("no candidate patch to segment: object_rf cannot train; check the masks (masks/areas.csv) "
                         "or use identify.method: reference")
    with timed(log, f"features of {labels.max()} objects"):
        features = obia.object_features(labels, layers, grid.resolution).fillna(0.0)
    ref_path = reference_mines_path(sources)
    reference = load_reference(read_vector(ref_path, grid.crs), ref_path, grid.crs, box(*grid.bounds),
                               smk.params.id_field)
    ref_raster = burn(reference.geometry, grid, range(1, len(reference) + 1), "int32")
    roles = obia.training_roles(obia.overlap_with(labels, ref_raster), len(reference), cfg["overlap"],
                                cfg["train_fraction"], seed)
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
    mines = obia.merge_objects(labels, roles.index[roles["predicted"] == 1].to_numpy(), grid, cfg["min_mine_area_m2"])
    log.info("%d mine objects merged into %d mines; search:\n%s", int(roles["predicted"].sum()), len(mines),
             cv.to_string(index=False))
    split = pd.DataFrame({"mine_id": reference["mine_id"],
                          "role": ["train" if i + 1 in roles.attrs["train_mines"] else "test" for i in range(len(reference))]})
    write_table(smk.output.cv, cv)
    write_table(smk.output.importance, imp)
    write_table(smk.output.objects, roles.rename_axis("object").reset_index())
    write_table(smk.output.split, split)
    write_raster(smk.output.labels, labels[None], grid.profile(1, "int32", 0), ["object"])
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
