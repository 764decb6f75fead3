"""Config validation and the helpers rules share: region settings, narrow params, the planned grid and tiles, and
the few paths that are not another rule's output (rules take their inputs from ``rules.<name>.output.<key>``).
"""

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
    analysis_years,
    check_config,
    check_config_files,
    explain_validation_failure,
    split_regions,
)
from minerestore.report.summary import write_run_summary  # noqa: E402
from minerestore.seasons import epoch_years, period_dates, year_batches  # noqa: E402
from minerestore.sources.contract import PATH_KEYS, SOURCE_GROUPS, lst_family  # noqa: E402
from minerestore.sources.local import local_files  # noqa: E402
from minerestore.sources.plan import planned_grid, study_area_tiles  # noqa: E402


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
    split_regions(config, Path.cwd())
    try:
        validate(config, "../schemas/config.schema.yaml")
    except WorkflowError as err:
        message = explain_validation_failure(err)
        if message is None:
            raise
        raise ConfigError(message) from err
    check_config(config, Path.cwd())


def stop_on_config_error(check):
    """Run a check of the config; a ConfigError stops Snakemake with its message alone (it names the key or file
    and what to do; a traceback would only hide it)."""
    try:
        check()
    except ConfigError as err:
        sys.exit(f"Error: {err}")


stop_on_config_error(_validate_config)

REGIONS = list(config["regions"])
# A change to the generator's code changes this parameter, so Snakemake regenerates the synthetic scene.
SYNTHETIC_CODE = hashlib.sha1(
    b"".join(
        p.read_bytes()
        for p in sorted((Path(workflow.basedir) / "src/minerestore/sources/synthetic").glob("*.py"))
    )
).hexdigest()[:12]
RESULTS = config["results"]


# object_rf and drivers_model gain only 1.27x and 1.5x from a second thread: on a laptop they take half the cores
# and start beside the per-year jobs, where a two-thread job waits until both cores are free at once (which never
# happens while one-thread jobs are ready). Without --cores (cluster runs, the API) they ask for two.
HALF_THE_CORES = max(1, workflow.resource_settings.cores // 2) if workflow.resource_settings.cores else 2


def region_cfg(region):
    return config["regions"][region]


def region_thresholds(region):
    """Global thresholds overridden by the region's own."""
    return {**config["thresholds"], **region_cfg(region).get("thresholds", {})}


def pick(mapping, *keys):
    """Only the named keys of a config section: a rule's params hold what its script reads and nothing else, so a
    change to another key does not rerun its jobs."""
    return {k: mapping[k] for k in keys}


def threshold(*keys):
    """Params function: the named thresholds of the job's region (global values overridden by the region's)."""
    if len(keys) == 1:
        return lambda w: region_thresholds(w.region)[keys[0]]
    return lambda w: pick(region_thresholds(w.region), *keys)


def region_key(key):
    """Params function: one key of the job's region config."""
    return lambda w: region_cfg(w.region)[key]


def years(region):
    """Analysis years of a region: the listed years, or first to last every ``step`` years."""
    return analysis_years(region_cfg(region)["years"])


def region_years(wildcards):
    return years(wildcards.region)


def data_years(region):
    """Calendar years whose acquisitions a region needs: every analysis year's window
    (composite.window_years, minerestore.seasons.epoch_years)."""
    window = config["composite"]["window_years"]
    return sorted({y for year in years(region) for y in epoch_years(year, window)})


def region_data_years(wildcards):
    return data_years(wildcards.region)


def rpath(region, *parts):
    """A path under the region's results folder."""
    return str(Path(RESULTS, region, *parts))


def log_path(region, name):
    return rpath(region, "logs", f"{name}.log")


def benchmark_path(region, name):
    return rpath(region, "benchmarks", f"{name}.tsv")


def mask_periods(region):
    """Date windows (ISO, inclusive) of the region's vegetation and snow masks (minerestore.seasons.period_dates)."""
    return period_dates(config["masks"], years(region))


def for_job(pattern, wildcards, **fixed):
    """``pattern`` (a rule's output) filled with the job's region and the ``fixed`` wildcards: one path."""
    return expand(pattern, region=wildcards.region, **fixed)[0]


def each_year(pattern):
    """Input function: ``pattern`` (a rule's output, with {region} and {year}) for every analysis year."""
    return lambda w: expand(pattern, region=w.region, year=years(w.region))


def each_tile(pattern, **values):
    """Input function: ``pattern`` (with {region} and {tile}, its other wildcards given in ``values``) for every
    tile of the region that meets its study area."""
    return lambda w: expand(pattern, region=w.region, tile=region_tiles(w.region), **values)


def tile_mosaics(tile_pattern, mosaic_pattern, key, names):
    """Inputs and outputs of a rule that joins the tiles of several layers into one virtual mosaic each
    (scripts/mosaic.py): per layer ``name`` of ``names``, the tiles (``tile_pattern`` with ``key`` = name) and the
    mosaic (``mosaic_pattern`` with ``key`` = name), both under the layer's name."""
    tiles = {name: each_tile(tile_pattern, **{key: name}) for name in names}
    mosaics = {name: expand(mosaic_pattern, **{key: name}, allow_missing=True)[0] for name in names}
    return tiles, mosaics


@functools.cache
def region_grid(region):
    """The region grid, planned once from the config (written by the plan rule as inputs/grid.json)."""
    return planned_grid(region_cfg(region), region_thresholds(region)["buffer_km"], Path.cwd())


@functools.cache
def region_tiles(region):
    """Ids of the tiles of a region that meet its study area."""
    return study_area_tiles(
        region_cfg(region),
        region_grid(region),
        config["tiles"]["size_px"],
        region_thresholds(region)["buffer_km"],
        Path.cwd(),
    )


@functools.cache
def composite_batches(region):
    """The region's analysis years by composite batch id: the years one composite job computes for a tile
    (composite.batch_px, minerestore.seasons.year_batches)."""
    grid = region_grid(region)
    tile_pixels = min(TILE_PX, grid.height) * min(TILE_PX, grid.width)
    return year_batches(years(region), tile_pixels, config["composite"]["batch_px"])


def year_batch(region, year):
    """The id of the composite batch that computes ``year`` of ``region``."""
    return next(batch for batch, run in composite_batches(region).items() if year in run)


def composite_tiles(wildcards):
    """Input function: every tile's composite folder of the batch that computes the job's year."""
    return expand(
        rules.composite.output.composites,
        region=wildcards.region,
        years=year_batch(wildcards.region, int(wildcards.year)),
        tile=region_tiles(wildcards.region),
    )


#: Keys of a region's config that only later stages read: fetching does not depend on them.
ANALYSIS_KEYS = (
    "thresholds",
    "analysis_grid_m",
    "subregion_field",
    "reference_id_field",
    "mine_products",
    "obstruction",
    "synthetic",
)


def fetch_region(wildcards):
    """The region config a fetch job depends on (not the analysis-only keys)."""
    return {k: v for k, v in region_cfg(wildcards.region).items() if k not in ANALYSIS_KEYS}


def ingest_spec(region):
    """What ingest reads of a local region's config: its files (and nothing that would rerun ingest needlessly)."""
    cfg = region_cfg(region)
    return {k: cfg[k] for k in (*PATH_KEYS, *SOURCE_GROUPS, "aoi_select") if k in cfg}


def season(wildcards):
    s = region_cfg(wildcards.region)["season"]
    return (s["start_month"], s["end_month"])


def year_span(wildcards):
    """First and last calendar year of the acquisitions a region reads (its analysis years' windows)."""
    span = data_years(wildcards.region)
    return (span[0], span[-1])


def fetch_cache(wildcards):
    """Folder of the files a remote region fetches (kept across reruns; files are keyed by grid and items)."""
    return region_cfg(wildcards.region)["stac"].get("cache") or rpath(wildcards.region, "fetch", "cache")


def region_source_files(wildcards):
    """Ingest inputs: the generated scene (synthetic), the fetched inputs manifest (stac, earthengine), or every
    local file the region reads (minerestore.sources.local.local_files), so editing one reruns what depends on it.
    """
    source = region_cfg(wildcards.region)["source"]
    if source == "synthetic":
        return {"scene": for_job(rules.synthetic_scene.output.scene, wildcards)}
    if source in ("stac", "earthengine"):
        return {"manifest": for_job(rules.remote_inputs.output.manifest, wildcards)}
    return {"local": list(region_local_files(wildcards.region))}


@functools.cache
def region_local_files(region):
    """Every file a local region reads (minerestore.sources.local.local_files), listed once per run."""
    return tuple(local_files(ingest_spec(region), Path.cwd()))


def mine_products(region):
    """Names of the other mine products a region is compared with."""
    products = list(region_cfg(region).get("mine_products", {}))
    if region_cfg(region)["source"] == "synthetic":
        products.append("simulated_global")
    return products


def has_insar(region):
    """The region has InSAR products (its own, or the synthetic scene's)."""
    return "insar" in region_cfg(region) or region_cfg(region)["source"] == "synthetic"


def has_accuracy(region):
    """Accuracy needs a reference other than the mines themselves."""
    cfg = region_cfg(region)
    reference = cfg["source"] == "synthetic" or "reference_mines" in cfg
    return reference and config["identify"]["method"] != "reference"


NETWORKS = ("unet", "unetplusplus", "deeplabv3plus")
COMPARED = config["identify"]["compare"]


def method_output(method, wildcards):
    """(mine polygons, timing file) of an identification method: a network's model card, else the rule's
    benchmark."""
    if method in NETWORKS:
        out = rules.segment.output
        return for_job(out.mines, wildcards, network=method), for_job(out.card, wildcards, network=method)
    producer, name = {
        "object_rf": (rules.object_rf, "object_rf"),
        "candidates": (rules.candidate_mines, "candidate_mines"),
    }[method]
    return for_job(producer.output.mines, wildcards), benchmark_path(wildcards.region, name)


def network_files(wildcards):
    """The user's files a network reads (a trained model and its card, encoder weights), so replacing one reruns
    the segmentation."""
    dl = config["identify"]["dl"]
    files = {
        "model": dl["model"],
        "card": dl["model"] and f"{dl['model']}.json",
        "weights": dl["encoder_weights"],
    }
    return {k: v for k, v in files.items() if v}


def identified_polygons(wildcards):
    """Polygons that the mines step finalises, from the configured identification method."""
    method = config["identify"]["method"]
    return {} if method == "reference" else {"polygons": method_output(method, wildcards)[0]}


def object_rf_outputs(wildcards):
    """Training outputs the accuracy rule uses for its test scope (object_rf only)."""
    if config["identify"]["method"] != "object_rf":
        return {}
    out = rules.object_rf.output
    return {k: for_job(getattr(out, k), wildcards) for k in ("objects", "split", "labels")}


def pooled_models(wildcards):
    """Input function: the pooled model of RSEI and of REM (``rsei_model``, ``rem_model``) for the index pooled
    over the years (ecology.rsei_mode / rem_mode), nothing for an index fitted per year."""
    return {
        f"{index}_model": for_job(rules.pooled_model.output.model, wildcards, index=index)
        for index in ("rsei", "rem")
        if config["ecology"][f"{index}_mode"] == "pooled"
    }


def trend_inputs(wildcards):
    """Yearly rasters a tile's trend maps read: the composites (ndvi, bare) and the RSEI / REM rasters, as named
    inputs (``composites``, ``rsei``, ``rem``) for the configured trend indices."""
    patterns = {"rsei": rules.ecology_year.output.rsei, "rem": rules.ecology_year.output.rem}
    layers = {i: patterns.get(i, rules.composite_mosaic.output.composite) for i in TREND_INDICES}
    return {i if i in patterns else "composites": each_year(p)(wildcards) for i, p in layers.items()}


def accuracy_table_input(wildcards):
    if has_accuracy(wildcards.region):
        return {"accuracy": for_job(rules.accuracy.output.accuracy, wildcards)}
    return {}


def drivers_year(region):
    return config["drivers"]["year"] or years(region)[-1]


def driver_rsei(wildcards):
    return for_job(rules.ecology_year.output.rsei, wildcards, year=drivers_year(wildcards.region))


YEARLY_TABLES = ("rsei_pca", "rem_weights")

INSAR_FIGURES = ["insar_velocity", "insar_classes", "insar_cross"]
# The maps (rule plot_maps) need no statistics table, so they are drawn while ecology_stats and drivers_model run;
# the charts of the tables and the map of the mines by Mann-Kendall status (rule plot_region) come after them.
MAP_FIGURES = [
    "study_area_masks",
    "mine_rem_series",
    "rsei_maps",
    "rsei_density",
    "latitude_profile",
]
REGION_FIGURES = [
    "mines_status",
    "bsp_boxplots",
    "restoration_rate_boxplots",
    "rem_boxplots",
    "veg_imper",
    "mine_vs_region",
    "rings_curve",
    "area_classes",
    "rf_observed_predicted",
]
OVERVIEW_FIGURES = ["pearson_heatmap", "importance", "ranking", "rings_by_region", "pc1_share"]
REGION_TABLES = ["mann_kendall", "status_counts", "rsei_loadings", "accuracy", "importance"]
TREND_INDICES = config["restoration"]["trend_indices"]
TREND_TILE = rpath("{region}", "restoration", "trend_{index}", "{tile}.tif")
TREND_TILES, TREND_MOSAICS = tile_mosaics(
    TREND_TILE, rpath("{region}", "restoration", "trend_{index}.vrt"), "index", TREND_INDICES
)
TILE_PX = config["tiles"]["size_px"]


def region_figure_files(region):
    names = MAP_FIGURES + REGION_FIGURES + [f"trend_{i}" for i in TREND_INDICES]
    return [rpath(region, "figures", f"{n}.{ext}") for n in names for ext in ("png", "svg")]


def overview_files():
    return [str(Path(RESULTS, "figures", f"{n}.{ext}")) for n in OVERVIEW_FIGURES for ext in ("png", "svg")]


def region_targets(region):
    """Every final output of a region, from the rules' own outputs (so no path is spelled twice)."""
    r = rules
    out = expand(r.composite_mosaic.output.composite, region=region, year=years(region))
    out += expand(r.agreement.output.agreement, region=region, product=mine_products(region))
    out += expand(r.accuracy.output.accuracy, region=region) if has_accuracy(region) else []
    out += expand(r.compare_methods.output.table, region=region) if COMPARED else []
    if has_insar(region):
        out += [expand(p, region=region)[0] for p in [*r.insar_activity.output, *r.plot_insar.output]]
    out += expand(list(r.trend_mosaic.output), region=region)
    out += expand(r.ecology_table.output.table, region=region, table=YEARLY_TABLES)
    for rule_outputs in (
        [r.mines.output.mines, r.masks.output.areas],
        [r.bare_surface.output.bsp, *r.mann_kendall.output, *r.restoration_rate.output],
        r.ecology_stats.output,
        [*r.driver_stack.output, *r.drivers_model.output],
        r.tables.output,
    ):
        out += [expand(pattern, region=region)[0] for pattern in rule_outputs]
    return out + region_figure_files(region)


def all_targets():
    out = [f for r in REGIONS for f in region_targets(r)]
    return out + [rules.ranking.output.ranking] + overview_files()


def _plan():
    """Plan every region's grid and tiles and list its local inputs now, so that a bad region stops the run before
    the DAG is built, with a message naming the region (not an input-function traceback)."""
    for region in REGIONS:
        try:
            if not region_tiles(region):
                raise ValueError(
                    f"the study area does not meet the region grid {region_grid(region).bounds}; check bounds, "
                    "rivers / aoi and their CRS"
                )
            if region_cfg(region)["source"] == "local":
                region_local_files(region)
        except (ValueError, KeyError, OSError) as err:
            raise ConfigError(f"region {region!r}: {err}") from None


stop_on_config_error(_plan)
