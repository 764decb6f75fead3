"""The identification methods side by side on the same test mines (minerestore.identify.accuracy.test_scores): one
row per method (a network's own mines and, with identify.dl.refine, its refined ones: column refinement) with pixel,
object and mine-level scores, training seconds and inference speed, and a figure."""

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from minerestore.identify.accuracy import test_scores
from minerestore.identify.reference import load_reference, training_split
from minerestore.io import write_table
from minerestore.raster.vector import read_vector
from minerestore.report import plots
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region, reference_mines_path


def timing(path: str) -> dict:
    """Training seconds and inference speed: a network's model card, else the rule's benchmark (whole run)."""
    if path.endswith(".json"):
        card = json.loads(Path(path).read_text())
        return {"train_seconds": card["train_seconds"],
                "inference_megapixels_per_s": card["metrics"].get("inference_megapixels_per_s", np.nan)}
    return {"train_seconds": float(pd.read_csv(path, sep="\t")["s"].iloc[0]), "inference_megapixels_per_s": np.nan}


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    zones = gpd.read_file(smk.input.study_area)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, box(*grid.bounds), smk.params.id_field)
    train = training_split(len(reference), smk.params.train_fraction, smk.params.seed)
    patches = read_vector(smk.input.patches, grid.crs)
    network_mines = dict(zip(smk.params.networks, smk.input.network_mines))
    rows = []
    for method, mines_path, timing_path in zip(smk.params.methods, smk.input.mines, smk.input.timing):
        versions = {"none": mines_path}
        if method in network_mines:  # the network's own mines, then (with identify.dl.refine) the refined ones
            versions = {"network": network_mines[method], **({"p_intsct": mines_path} if smk.params.refine else {})}
        for refinement, path in versions.items():
            scores = test_scores(grid, zones, read_vector(path, grid.crs), reference, train, patches,
                                 tile_px=smk.params.tile_px, overlap=smk.params.overlap)
            rows.append({"method": method, "refinement": refinement, "test_mines": int((~train).sum()), **scores,
                         **timing(timing_path)})
    table = pd.DataFrame(rows)
    log.info("methods on the %d test mines:\n%s", int((~train).sum()),
             table[["method", "refinement", "pixel_f1", "pixel_kappa", "identification_rate", "mean_area_similarity",
                    "train_seconds"]].to_string(index=False))
    write_table(smk.output.table, table)
    plots.save(plots.methods_bars(table), smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
