"""Config validation and the path helpers all rules use. Paths are built here and only here (design.md §3,
so no script hard-codes results/)."""

import functools
import hashlib
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The package is importable here without installation; scripts find it through the scripts/minerestore link
# (Snakemake puts the script's folder on sys.path), so conda environments need no extra install step.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from minerestore.config import (  # noqa: E402
    ConfigError,
    check_config,
    check_config_files,
    explain_validation_failure,
    lst_family,
)
from minerestore.tiles import planned_grid, study_area_tiles, tile_grid, tile_windows  # noqa: E402


def _keep_cli_regions():
    """With --configfile, the regions are those of the given file(s) (and --config): the default config.yaml's
    synthetic region is not merged into them. Other keys merge as Snakemake merges them."""
    named = set()
    for path in workflow.overwrite_configfiles or ():
        named |= set((yaml.safe_load(Path(path).read_text()) or {}).get("regions") or {})
    named |= set((workflow.config_settings.overwrite_config or {}).get("regions") or {})
    if named:
        config["regions"] = {k: v for k, v in config["regions"].items() if k in named}


def _validate_config():
    _keep_cli_regions()
    check_config_files(workflow.configfiles)
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError as err:
        message = explain_validation_failure(err)
        if message is None:
            raise
        raise ConfigError(message) from err
    check_config(config, Path.cwd())


_validate_config()

REGIONS = list(config["regions"])
# A change to the generator's code changes this parameter, so Snakemake regenerates the synthetic scene.
SYNTHETIC_CODE = hashlib.sha1(
    b"".join(p.read_bytes() for p in sorted((Path(workflow.basedir) / "src/minerestore/synthetic").glob("*.py")))
).hexdigest()[:12]
RESULTS = config["results"]


def region_cfg(region):
    return config["regions"][region]


def region_thresholds(region):
    """Global thresholds overridden by the region's own."""
    return {**config["thresholds"], **region_cfg(region).get("thresholds", {})}


def years(region):
    """Analysis years of a region: first to last, every ``step`` years."""
    y = region_cfg(region)["years"]
    return list(range(y["first"], y["last"] + 1, y["step"]))


def rpath(region, *parts):
    """A path under the region's results folder."""
    return str(Path(RESULTS, region, *parts))


def log_path(region, name):
    return rpath(region, "logs", f"{name}.log")


def benchmark_path(region, name):
    return rpath(region, "benchmarks", f"{name}.tsv")


def inputs(region, name):
    return rpath(region, "inputs", name)


def composite_path(region, year):
    """The yearly composite: a virtual mosaic of its tiles."""
    return rpath(region, "composites", f"{year}.vrt")


@functools.cache
def region_grid(region):
    """The region grid planned from the config (ingest checks it builds the same)."""
    return planned_grid(region_cfg(region), region_thresholds(region)["buffer_km"], Path.cwd())


@functools.cache
def region_tiles(region):
    """Ids of the tiles of a region that meet its study area."""
    return study_area_tiles(region_cfg(region), region_grid(region), config["tiles"]["size_px"],
                            region_thresholds(region)["buffer_km"], Path.cwd())


def tile_grid_json(region, tile):
    grid = region_grid(region)
    return tile_grid(grid, tile_windows(grid, config["tiles"]["size_px"])[tile]).to_json()


def region_source_files(wildcards):
    """Ingest inputs: the generated scene (synthetic), the fetched inputs manifest (stac, earthengine); local files
    are checked by the script."""
    source = region_cfg(wildcards.region)["source"]
    if source == "synthetic":
        return {"scene": rpath(wildcards.region, "synthetic")}
    if source in ("stac", "earthengine"):
        return {"manifest": rpath(wildcards.region, "fetch", "inputs.yaml")}
    return {}


def fetch_cache(region):
    """Folder of the files a remote region fetches (kept across reruns; files are keyed by grid and items)."""
    return region_cfg(region)["stac"].get("cache") or rpath(region, "fetch", "cache")


def composites(wildcards):
    return [composite_path(wildcards.region, y) for y in years(wildcards.region)]


def trend_layers(wildcards):
    """Yearly rasters a trend map reads: the composites (ndvi, bare) or the RSEI / REM rasters."""
    if wildcards.index in ("rsei", "rem"):
        return [rpath(wildcards.region, "ecology", wildcards.index, f"{y}.tif") for y in years(wildcards.region)]
    return composites(wildcards)


def mine_products(region):
    """Names of the other mine products a region is compared with."""
    products = list(region_cfg(region).get("mine_products", {}))
    if region_cfg(region)["source"] == "synthetic":
        products.append("simulated_global")
    return products


def has_accuracy(region):
    """Accuracy needs a reference other than the mines themselves."""
    cfg = region_cfg(region)
    reference = cfg["source"] == "synthetic" or "reference_mines" in cfg
    return reference and config["identify"]["method"] != "reference"


def identified_polygons(wildcards):
    """Polygons that the mines step finalises, from the configured identification method."""
    method = config["identify"]["method"]
    if method == "object_rf":
        return {"polygons": rpath(wildcards.region, "mines", "object_rf", "mines.gpkg")}
    if method == "candidates":
        return {"polygons": rpath(wildcards.region, "mines", "candidate_mines.gpkg")}
    return {}


def object_rf_outputs(wildcards):
    """Training outputs the accuracy rule uses for its test scope (object_rf only)."""
    if config["identify"]["method"] != "object_rf":
        return {}
    folder = rpath(wildcards.region, "mines", "object_rf")
    return {
        "objects": f"{folder}/objects.csv",
        "split": f"{folder}/split.csv",
        "labels": f"{folder}/objects.tif",
    }


def identification_targets(region):
    out = [rpath(region, "mines", "mines.gpkg"), rpath(region, "masks", "areas.csv")]
    out += [rpath(region, "mines", f"agreement_{p}.csv") for p in mine_products(region)]
    if has_accuracy(region):
        out.append(rpath(region, "mines", "accuracy.csv"))
    return out


def restoration_targets(region):
    names = ["bsp.csv", "mann_kendall.csv", "status_counts.csv", "restoration_rate.csv", "restoration_rate_mines.csv"]
    names += [f"trend_{i}.vrt" for i in config["restoration"]["trend_indices"]]
    return [rpath(region, "restoration", n) for n in names]


def rsei_model_input(wildcards):
    """The pooled RSEI model, when RSEI is pooled over the years."""
    if config["ecology"]["rsei_mode"] == "pooled":
        return {"model": rpath(wildcards.region, "ecology", "rsei_pooled_model.json")}
    return {}


YEARLY_TABLES = {"rsei_pca": ("rsei", "pca"), "rem_weights": ("rem", "weights")}


def yearly_tables(wildcards):
    folder, suffix = YEARLY_TABLES[wildcards.table]
    return [rpath(wildcards.region, "ecology", folder, f"{y}_{suffix}.csv") for y in years(wildcards.region)]


def ecology_targets(region):
    out = [rpath(region, "ecology", f"{t}.csv") for t in YEARLY_TABLES]
    out += [rpath(region, "ecology", f"{t}.csv") for t in ("mines", "region", "rings", "area_classes")]
    return out


def drivers_year(region):
    return config["drivers"]["year"] or years(region)[-1]


def driver_targets(region):
    names = ["stack.tif", "samples.parquet", "pearson.csv", "rf_metrics.csv", "importance.csv",
             "partial_dependence.csv", "rf_predicted.tif", "rf_residual.tif", "rf_test_predictions.csv"]
    return [rpath(region, "drivers", n) for n in names]


REGION_FIGURES = [
    "study_area_masks", "mines_status", "bsp_boxplots", "restoration_rate_boxplots", "rem_boxplots", "veg_imper",
    "mine_rem_series", "rsei_maps", "rsei_density", "latitude_profile", "mine_vs_region", "rings_curve",
    "area_classes", "rf_observed_predicted",
]
OVERVIEW_FIGURES = ["pearson_heatmap", "importance", "ranking"]
REGION_TABLES = ["mann_kendall", "status_counts", "rsei_loadings", "accuracy", "importance"]


def region_figure_files(region):
    names = REGION_FIGURES + [f"trend_{i}" for i in config["restoration"]["trend_indices"]]
    return [rpath(region, "figures", f"{n}.{ext}") for n in names for ext in ("png", "svg")]


def accuracy_table_input(wildcards):
    if has_accuracy(wildcards.region):
        return {"accuracy": rpath(wildcards.region, "mines", "accuracy.csv")}
    return {}


def all_targets():
    out = []
    for r in REGIONS:
        out += [composite_path(r, y) for y in years(r)]
        out += identification_targets(r)
        out += restoration_targets(r)
        out += ecology_targets(r)
        out += driver_targets(r)
        out += region_figure_files(r) + [rpath(r, "tables", f"{t}.csv") for t in REGION_TABLES]
    overview = [str(Path(RESULTS, "figures", f"{n}.{ext}")) for n in OVERVIEW_FIGURES for ext in ("png", "svg")]
    return out + [str(Path(RESULTS, "ranking.csv"))] + overview
