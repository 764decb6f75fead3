"""Deep-learning segmentation of the mines of a region (minerestore.identify.segmentation): train a network on the
training share of the reference mines (the split object_rf uses), or apply a given model; write the model with its
card, the mine probability raster and the mine polygons."""

import json
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from minerestore.identify import segmentation as seg
from minerestore.identify.obia import check_objects
from minerestore.identify.reference import load_reference, training_split
from minerestore.io import write_table, write_text, write_vector
from minerestore.mask.patches import join_tiles, vectorise
from minerestore.raster.tiles import tile_grid
from minerestore.raster.vector import burn, read_vector
from minerestore.raster.write import raster_writer
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region, reference_mines_path


def main(smk) -> None:
    log = configure(smk.log[0])
    method, dl, ident = smk.wildcards.network, smk.params.dl, smk.params.identify
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    zones = gpd.read_file(smk.input.study_area)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, box(*grid.bounds), smk.params.id_field)
    is_train = training_split(len(reference), ident["train_fraction"], smk.params.seed)
    write_table(smk.output.split, pd.DataFrame({"mine_id": reference["mine_id"],
                                                "role": np.where(is_train, "train", "test")}))
    seg.seeded(smk.params.seed, smk.threads)
    dev = seg.device(dl["device"])
    bands = seg.input_bands(dl["bands"], "dem" in sources)
    composites, dem = list(smk.input.composites), sources.get("dem")
    history = pd.DataFrame(columns=["epoch", "train_loss", "val_loss", "seconds"])
    if dl["model"]:
        model, card = seg.load_model(dl["model"])
        card.check_compatible(bands, source=dl["model"])
        log.info("model %s (%s, trained on %s) applied", dl["model"], card.method, card.bands)
    else:
        x, y, mean, std = seg.training_set(composites, dem, grid, tile_px=smk.params.tile_px, bands=bands,
                                           zones=zones, train_mines=reference[is_train],
                                           test_mines=reference[~is_train], patch=dl["patch_px"],
                                           step=dl["step_px"], rim_px=dl["rim_px"])
        log.info("%d training patches of %d px, %.2f %% mine pixels, bands %s, device %s", len(x), dl["patch_px"],
                 100 * float(np.mean(y == 1)), bands, dev)
        encoder = seg.encoder_of(method, dl["encoder"])
        model = seg.build_model(method, len(bands), encoder, dl["encoder_weights"], dl["width"])
        fit = seg.train(model, x, y, options=dl, seed=smk.params.seed, dev=dev)
        history = pd.DataFrame(fit["history"])
        card = seg.ModelCard(method, encoder, bands, mean, std, dl["patch_px"], grid.resolution,
                             smk.params.seed, fit["epochs"], fit["best_epoch"], round(fit["seconds"], 2),
                             width=dl["width"])
        if len(fit["validation"]):
            card.threshold = seg.calibrated_threshold(model, x[fit["validation"]], y[fit["validation"]], dev)
    threshold = dl["threshold"] if dl["threshold"] != "auto" else card.threshold
    if threshold is None:
        log.warning("identify.dl.threshold auto: the model has no calibrated threshold (no validation patches); "
                    "0.5 is used")
        threshold = 0.5
    log.info("mine probability threshold %.2f (identify.dl.threshold: %s)", threshold, dl["threshold"])
    started, pieces, objects, segmented, pixels, codes = time.perf_counter(), [], [], 0, 0, set()
    bounds = seg.study_area_bounds(composites, dem, grid, smk.params.tile_px, zones) if dl["refine"] else None
    with raster_writer(smk.output.probability, grid.profile(1), ["mine_probability"]) as dst:
        for window, prob, layers in seg.probability_tiles(model, card, composites, dem, grid,
                                                          tile_px=smk.params.tile_px, overlap=dl["overlap_px"],
                                                          dev=dev):
            dst.write(prob[None], window=window)
            tgrid = tile_grid(grid, window)
            inside, mine = burn(zones.geometry, tgrid).astype(bool), prob >= threshold
            pieces.append(vectorise(mine & inside, tgrid))
            if dl["refine"]:
                tile_objects, count, found = seg.refine_tile(sources, layers, tgrid, inside, mine, reference[is_train],
                                                             dl=dl, segmentation=ident["segmentation"], bounds=bounds)
                objects.append(tile_objects)
                segmented, pixels, codes = segmented + count, pixels + int(inside.sum()), codes | found
    seconds = time.perf_counter() - started
    network_mines = join_tiles(pieces, ident["min_mine_area_m2"], grid.resolution, grid.crs)[["geometry"]]
    mines, record = network_mines, {"refined": False}
    if dl["refine"]:
        check_objects(segmented, pixels, ident["segmentation"])
        absent = seg.missing_classes(dl["refine_exclude_classes"], codes, sources.get("landcover"))
        mines, record = seg.refine(pd.concat(objects, ignore_index=True), reference[is_train], zones,
                                   segmented=segmented, min_mine_area_m2=ident["min_mine_area_m2"],
                                   exclude_overlap=dl["refine_exclude_overlap"], grid=grid)
        record = {"refined": True, "network_mines": len(network_mines), "refined_mines": len(mines),
                  "exclude_classes": dl["refine_exclude_classes"], "exclude_classes_absent": absent, **record}
    card.metrics = {"inference_seconds": round(seconds, 2),
                    "inference_megapixels_per_s": round(grid.width * grid.height / 1e6 / seconds, 3)}
    log.info("%d mine polygons; inference %.1f s (%.2f Mpx/s)", len(mines), seconds,
             card.metrics["inference_megapixels_per_s"])
    seg.save_model(model, card, smk.output.model)
    write_table(smk.output.history, history)
    write_vector(smk.output.network_mines, network_mines)
    write_text(smk.output.refine, json.dumps(record, indent=1))
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
