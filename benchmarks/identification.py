"""Mine identification methods on the basic and the realistic synthetic twin: one table, methods x realism.

Usage:  .venv/bin/python benchmarks/identification.py [--realism basic realistic]
                                                      [--methods candidates object_rf unet deeplabv3plus deeplabv3]
                                                      [--cores 2] [--no-run]

For each realism, the workflow runs ``config/compare-methods.yaml`` (its study area, its training split, its
network settings) with ``synthetic.realism`` set and ``identify.compare`` the methods asked for, into
benchmarks/results/identification/<realism>/ (a rerun resumes it). From each run it reports, per method (a network
with its refined mines, as the methods table does), on the same test mines:

- pixel F1 and IoU, identification rate and mean area similarity (the run's ``mines/methods.csv``);
- false mines by what lies under them: the method's polygons that touch no training mine and match no test mine
  (identify.overlap), put under the confuser type (``truth/confusers.tif``) that covers at least half of them, else
  under the truth land-cover class that covers most of them (``false_other_<class>``; the basic twin has no
  confusers, so all of its false mines are ``other``);
- the Mann–Kendall status: the BSP of the method's own polygons every year (the run's NDVI composites,
  minerestore.restoration.bare_surface) and their status (minerestore.restoration.trend), compared, for every test
  mine the method found, with the trajectory planted in it (restoring -> abandoned, active -> active,
  stable -> no_trend): ``status_match_pct`` of the test mines found (``status_mines``);
- ``job_seconds``: the whole run's job time (Snakemake's benchmark files), every method's training included.

Writes benchmarks/results/identification.csv (with the machine) and prints the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
WORK = REPO / "benchmarks" / "results" / "identification"
PLANTED_STATUS = {"restoring": "abandoned", "active": "active", "stable": "no_trend"}
NETWORK_METHODS = {"unet", "unetplusplus", "deeplabv3plus", "deeplabv3", "fcn8s", "segnet", "resunet", "unetplus"}


def run_workflow(realism: str, methods: list[str], cores: int, run: bool = True) -> tuple[Path, dict]:
    """Run compare-methods with ``realism`` up to its methods table (a rerun resumes it; ``run`` False only reads
    the run there is); returns the region's results folder and the validated config (schema defaults filled, as the
    workflow sees it)."""
    from snakemake.utils import validate

    results = WORK / realism
    compare = yaml.safe_load((REPO / "config" / "compare-methods.yaml").read_text())
    scene = {"realism": realism} | ({} if realism == "realistic" else {"footprints_file": None})
    override = {"regions": {"synthetic": {"synthetic": scene}},
                "identify": compare["identify"] | {"compare": methods}, "results": str(results)}
    path = WORK / f"{realism}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(override, sort_keys=False))
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for layer in (compare, override):
        config = merge(config, layer)
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    region = results / "synthetic"
    targets = [str(region / "mines" / "methods.csv")] + [str(region / "composites" / f"{year}.vrt")
                                                         for year in years(config)]
    if not run:
        return region, config
    proc = subprocess.run([SNAKEMAKE, *targets, "--cores", str(cores), "--quiet", "rules",
                           "--configfile", "config/compare-methods.yaml", str(path)],
                          cwd=REPO, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{realism} run failed (logs in {region / 'logs'}):\n{proc.stderr[-4000:]}")
    return region, config


def merge(base: dict, layer: dict) -> dict:
    """``layer`` over ``base``, nested dicts merged key by key (as Snakemake merges config files)."""
    out = dict(base)
    for key, value in layer.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def years(config: dict) -> list[int]:
    from minerestore.config import analysis_years, setting

    return analysis_years(setting(config, "region.years", "synthetic"))


def method_polygons(region: Path, method: str) -> dict[str, Path]:
    """The polygon files of a method, by refinement (as the methods table names them)."""
    if method in NETWORK_METHODS:
        return {"network": region / "mines" / method / "network_mines.gpkg",
                "p_intsct": region / "mines" / method / "mines.gpkg"}
    if method == "candidates":
        return {"none": region / "mines" / "candidate_mines.gpkg"}
    return {"none": region / "mines" / method / "mines.gpkg"}


def land_types(scene: Path) -> tuple[np.ndarray, np.ndarray, dict[int, str], rasterio.Affine]:
    """The scene's truth classes, its confuser raster (zeros for a basic scene, which has none) and the confuser
    names."""
    with rasterio.open(scene / "truth" / "classes.tif") as src:
        classes, transform = src.read(1), src.transform
    path = scene / "truth" / "confusers.tif"
    if not path.exists():
        return classes, np.zeros_like(classes), {}, transform
    with rasterio.open(path) as src:
        names = dict(item.split(" ", 1) for item in src.tags()["classes"].split(", "))
        return classes, src.read(1), {int(k): v for k, v in names.items()}, transform


def false_mines(predicted: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, train: np.ndarray, overlap: float,
                land: tuple) -> dict[str, int]:
    """Count the predicted polygons that match no test mine (less than ``overlap`` of them in test mines), by what
    lies under them: the confuser type covering at least half of the polygon, else the truth land-cover class
    covering most of it outside the mines (``other_<class>``). Polygons touching a training mine are left out, as
    the methods table leaves them out of its object scores (minerestore.identify.accuracy.test_scores)."""
    from rasterio.features import rasterize

    from minerestore.sources.synthetic.spectra import CLASSES, MINE

    classes, codes, names, transform = land
    train_union = shapely.union_all(truth.geometry[train].to_numpy())
    test_union = shapely.union_all(truth.geometry[~train].to_numpy())
    counts = {name: 0 for name in names.values()}
    for geom in predicted.geometry[~predicted.geometry.intersects(train_union)]:
        if geom.is_empty or geom.area == 0 or geom.intersection(test_union).area / geom.area >= overlap:
            continue
        mask = rasterize([(geom, 1)], out_shape=codes.shape, transform=transform, dtype="uint8",
                         all_touched=True).astype(bool)
        under = codes[mask][codes[mask] > 0]
        if under.size * 2 >= mask.sum():
            name = names[int(np.bincount(under).argmax())]
        else:
            land_under = classes[mask & (classes != MINE)]
            name = f"other_{CLASSES[int(np.bincount(land_under).argmax())]}" if land_under.size else "other_mine_edge"
        counts[name] = counts.get(name, 0) + 1
    return counts


def status_match(predicted: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, train: np.ndarray, ndvi_by_year: dict,
                 grid, config: dict) -> tuple[float, int]:
    """Share (%) of the test mines found whose Mann–Kendall status equals the planted trajectory, and how many;
    ``ndvi_by_year`` the run's NDVI composites (year -> array on ``grid``)."""
    from minerestore.config import setting
    from minerestore.restoration.bare_surface import bsp_table
    from minerestore.restoration.trend import mann_kendall_table

    if predicted.empty:
        return float("nan"), 0
    mines = predicted.reset_index(drop=True).assign(mine_id=lambda f: [f"P{i:04d}" for i in range(len(f))])
    bsp = bsp_table(ndvi_by_year, None, mines[["mine_id", "geometry"]], grid,
                    setting(config, "thresholds.bsp_ndvi", "synthetic"))
    status = mann_kendall_table(bsp, list(ndvi_by_year), setting(config, "thresholds.mk_alpha", "synthetic"),
                                setting(config, "restoration.min_years"),
                                setting(config, "restoration.exact_p_max_n")).set_index("mine_id")["status"]
    test = truth[~train]
    hits = []
    for mine in test.itertuples():
        overlap = mines.geometry.intersection(mine.geometry).area
        if overlap.max() <= 0.5 * mine.geometry.area:
            continue
        hits.append(status[mines["mine_id"].iloc[int(overlap.argmax())]] == PLANTED_STATUS[mine.trajectory])
    return (100 * float(np.mean(hits)) if hits else float("nan")), len(hits)


def table_for(realism: str, region: Path, config: dict) -> pd.DataFrame:
    from minerestore.config import setting
    from minerestore.identify.reference import training_split
    from minerestore.raster.grid import Grid
    from minerestore.raster.read import read_composites

    scene = region / "synthetic"
    grid = Grid.read(region / "inputs" / "grid.json")
    analysis = years(config)
    ndvi = read_composites([str(region / "composites" / f"{year}.vrt") for year in analysis], ["ndvi"],
                           None)["ndvi"]
    ndvi_by_year = dict(zip(analysis, ndvi))
    truth = gpd.read_file(scene / "truth" / "mines_truth.gpkg")
    train = training_split(len(truth), setting(config, "identify.train_fraction"), setting(config, "seed"))
    methods = pd.read_csv(region / "mines" / "methods.csv")
    overlap = setting(config, "identify.overlap")
    land = land_types(scene)
    # the whole run's job time, from Snakemake's per-job benchmark files (the same on a resumed run)
    job_seconds = sum(float(pd.read_csv(p, sep="\t")["s"].iloc[0]) for p in (region / "benchmarks").glob("*.tsv"))
    rows = []
    for row in methods.itertuples():
        predicted = gpd.read_file(method_polygons(region, row.method)[row.refinement])
        matched, found = status_match(predicted, truth, train, ndvi_by_year, grid, config)
        rows.append({"realism": realism, "method": row.method, "refinement": row.refinement,
                     "pixel_f1": row.pixel_f1, "pixel_iou": row.pixel_iou,
                     "identification_rate": row.identification_rate,
                     "area_similarity": row.mean_area_similarity, "status_match_pct": matched,
                     "status_mines": found,
                     **{f"false_{k}": v for k, v in false_mines(predicted, truth, train, overlap, land).items()},
                     "job_seconds": job_seconds})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realism", nargs="+", default=["basic", "realistic"])
    parser.add_argument("--methods", nargs="+", default=["candidates", "object_rf", "unet", "deeplabv3plus",
                                                           "deeplabv3"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--no-run", action="store_true", help="tabulate the runs there are, without Snakemake")
    args = parser.parse_args()
    tables = [table_for(realism, *run_workflow(realism, args.methods, args.cores, not args.no_run))
              for realism in args.realism]
    table = pd.concat(tables, ignore_index=True)
    false = sorted(c for c in table if c.startswith("false_"))
    table[false] = table[false].fillna(0).astype(int)
    table = table[[c for c in table if not c.startswith("false_")] + false]
    machine = f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}"
    table["machine"] = machine
    out = REPO / "benchmarks" / "results" / "identification.csv"
    table.to_csv(out, index=False)
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(table.drop(columns="machine").to_string(index=False))
    print(f"\n{machine}; written to {out}")


if __name__ == "__main__":
    main()
