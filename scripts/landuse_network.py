"""One land-use network (minerestore.landuse.network): trained on the training patches (or a given model applied),
the whole image predicted by sliding windows, scored on the validation patches; writes the class map, the model
with its card, the training history and the confusion matrix."""

import pandas as pd

from minerestore.identify import segmentation as seg
from minerestore.identify.networks import NETWORKS
from minerestore.io import write_table
from minerestore.landuse import network as net
from minerestore.landuse.classes import class_table
from minerestore.landuse.samples import image_grid
from minerestore.landuse.scores import scores
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    name, options, seed = smk.wildcards.network, smk.params.options, smk.params.seed
    table = class_table(options["classes"])
    bands = pd.read_csv(smk.input.normalisation)
    patches = pd.read_csv(smk.input.patches)
    origins = {role: list(zip(p["row"], p["col"])) for role, p in patches.groupby("role")}
    grid = image_grid(smk.input.image)
    seg.seeded(seed, smk.threads)
    dev = seg.device(options["device"], "landuse.device")
    history = pd.DataFrame(columns=["epoch", "train_loss", "val_loss", "seconds"])
    if "model" in smk.input.keys():
        model, card = net.load(smk.input.model)
        card.check_bands(bands["band"].tolist(), f"{smk.input.model} applied to {smk.input.image}")
        card.check_classes(table, str(smk.input.model))
        log.info("model %s (%s, trained on %s) applied", smk.input.model, card.network, card.bands)
    else:
        card = net.new_card(name, encoder=options["encoder"], width=options["width"], table=table,
                            bands=bands["band"].tolist(), mean=bands["mean"].tolist(), std=bands["std"].tolist(),
                            options=options, seed=seed)
        model = net.build(name, len(bands), len(table), encoder=options["encoder"], width=options["width"])
        reader = net.PatchReader(smk.input.image, bands["index"].tolist(), smk.input.labels, table, card.mean,
                                 card.std, card.patch_px)
        train_px = patches.loc[patches["role"] == "train", [c.abbreviation for c in table]].sum().to_numpy()
        loss = net.loss_function(options["loss"], train_px, dev)
        log.info("%s: %d training and %d validation patches of %d px, device %s, %d parameters",
                 NETWORKS[name].label, len(origins["train"]), len(origins.get("validation", [])), card.patch_px, dev,
                 sum(p.numel() for p in model.parameters()))
        fit = net.train(model, reader, origins["train"], origins.get("validation", []), loss=loss,
                        epochs=options["epochs"], batch_size=options["batch_size"],
                        learning_rate=options["learning_rate"], seed=seed, dev=dev)
        history = pd.DataFrame(fit["history"])
        card.epochs, card.best_epoch, card.train_seconds = fit["epochs"], fit["best_epoch"], round(fit["seconds"], 2)
    seconds = net.predict_map(model, card, smk.input.image, bands["index"].tolist(), grid, smk.output.prediction,
                              tile_px=smk.params.tile_px, overlap=options["overlap_px"], dev=dev)
    matrix = net.validation_confusion(smk.output.prediction, smk.input.labels, table, origins["validation"],
                                      card.patch_px)
    s = scores(matrix)
    card.scores = {"oa": s["oa"], "kappa": s["kappa"], "miou": s["miou"], "validation_px": int(matrix.sum()),
                   "inference_seconds": round(seconds, 2),
                   "inference_megapixels_per_s": round(grid.width * grid.height / 1e6 / seconds, 3)}
    log.info("%s on the validation patches: OA %.4f, kappa %.4f, mIoU %.4f; inference %.1f s (%.2f Mpx/s)",
             NETWORKS[name].label, s["oa"], s["kappa"], s["miou"], seconds, card.scores["inference_megapixels_per_s"])
    abbreviations = [c.abbreviation for c in table]
    write_table(smk.output.confusion, pd.DataFrame(matrix, columns=abbreviations).assign(reference=abbreviations)
                [["reference", *abbreviations]])
    write_table(smk.output.history, history)
    seg.save_model(model, card, smk.output.model)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
