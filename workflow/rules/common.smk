"""Config validation, planning and the helpers every stage shares: the config accessor (``setting``), the planned
grid, tiles and years of each region, and path helpers. Each stage's own input functions and constants sit in its
rules file, beside the rules that use them; rules take their inputs from ``rules.<name>.output.<key>``.
"""

import functools
import json
import os
import sys
import time
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config, validate

# The package of this checkout is importable here and in every job (conda environments too) without installation;
# Snakemake appends a script's folder to sys.path, after a minerestore installed from another checkout.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from minerestore import config as minerestore_config  # noqa: E402
from minerestore.config import (  # noqa: E402
    ConfigError,
    analysis_years,
    check_config,
    check_config_files,
    explain_validation_failure,
    landuse_only,
    split_regions,
    typed_overrides,
)
from minerestore.cluster import ClusterError, check_executor, check_memory_fits, largest_node_mb  # noqa: E402
from minerestore.identify.methods import METHODS  # noqa: E402
from minerestore.identify.networks import NETWORKS  # noqa: E402
from minerestore.identify.statistics import GROUPINGS as MINE_GROUPINGS  # noqa: E402
from minerestore.io import write_text  # noqa: E402
from minerestore.registry import wildcard_pattern  # noqa: E402
from minerestore.report.summary import mine_counts, mine_lines, set_aside, write_run_summary  # noqa: E402
from minerestore.restoration.trend_indices import inputs_bands, trend_index  # noqa: E402
from minerestore.scripting import jobs_import_from  # noqa: E402
from minerestore.seasons import epoch_years, period_dates, year_batches  # noqa: E402
from minerestore.sources.contract import PATH_KEYS, SOURCE_GROUPS, lst_family  # noqa: E402
from minerestore.sources.local import local_files  # noqa: E402
from minerestore.sources.plan import (  # noqa: E402
    PLAN_RECORD,
    check_crs_scale,
    check_drivers_grid,
    plan_record,
    planned_grid,
    study_area_tiles,
)
from minerestore.writer import (  # noqa: E402
    WriterError,
    check_writer,
    code_version,
    record_writer,
    synthetic_code_digest,
)

jobs_import_from(sys.path[0])


def _keep_cli_config(overrides):
    """With --configfile, the config is the given file(s) and --config alone, with or without
    --replace-workflow-config: the default config.yaml (the demo's region and settings) is not merged in. Its keys
    would otherwise reach every other study's run, and the jobs a cluster runs, which Snakemake starts without
    --replace-workflow-config (a SLURM run of config/tiny.yaml skipped the sensitivity analysis that its local run
    made, config.yaml's identify.sensitivity reaching only the jobs). Without --configfile, regions given with
    --config replace config.yaml's. ``overrides``: the typed values of --config."""
    if not workflow.overwrite_configfiles:
        if overrides.get("regions"):
            config["regions"] = {k: v for k, v in config["regions"].items() if k in overrides["regions"]}
        return
    given = {}
    for path in workflow.overwrite_configfiles:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        regions = loaded.get("regions") or {}
        if not isinstance(regions, dict):  # e.g. a YAML list ("- name:"), which has no names to keep
            raise ConfigError(
                f"{path}: config key regions: expected each region's name with its keys under it "
                f"(regions: / NAME: / source: …); found {str(regions)[:80]}"
            )
        update_config(given, loaded)
    update_config(given, overrides)
    config.clear()
    config.update(given)


SCHEMA = "../schemas/config.schema.yaml"


def _validate_config():
    overrides = typed_overrides(dict(workflow.config_settings.config or {}))
    update_config(config, overrides)
    _keep_cli_config(overrides)
    check_config_files(workflow.configfiles)
    split_regions(config, Path.cwd())
    try:
        validate(config, SCHEMA)
    except WorkflowError as err:
        top_level = yaml.safe_load(
            (Path(workflow.basedir) / "workflow/schemas/config.schema.yaml").read_text()
        )
        message = explain_validation_failure(err, top_level["properties"])
        if message is None:
            raise
        raise ConfigError(message) from err
    check_config(config, Path.cwd())


def stop_on_config_error(check):
    """Run a check of the config; a ConfigError stops Snakemake with its message alone (it names the key or file
    and what to do; a traceback would only hide it)."""
    try:
        check()
    except (ConfigError, WriterError, ClusterError) as err:
        sys.exit(f"Error: {err}")


stop_on_config_error(_validate_config)


def value(key, region=None):
    """One config value (minerestore.config.setting): ``section.key`` globally, or for ``region`` with its own
    value where it overrides the global one (thresholds, the drivers' grid); ``region.key`` in the region's block.
    """
    return minerestore_config.setting(config, key, region)


def setting(*keys):
    """Params function: the config values of ``keys`` for the job's region (:func:`value`). One key gives its
    value; several give a dict by each key's last part (``setting("identify.overlap", "seed")`` ->
    ``{"overlap": …, "seed": …}``). A rule's params hold only the keys its script reads, so a change to another
    key does not rerun its jobs."""
    if len(keys) == 1:
        return lambda w: value(keys[0], w.get("region"))
    return lambda w: {k.rsplit(".", 1)[-1]: value(k, w.get("region")) for k in keys}


REGIONS = list(value("regions"))
# When this run was planned: the logs written after it are this run's (the onerror hook reads them).
RUN_STARTED = time.time()
# Regions of the time-series stages (composites to drivers) and of the across-region outputs; a land-use-only
# region (regions.<name>.landuse.only) runs the landuse stage alone.
SERIES_REGIONS = [r for r in REGIONS if not landuse_only(value("region", r))]
RESULTS = value("results")
# A change to the generator's code changes this parameter, so Snakemake regenerates the synthetic scene.
SYNTHETIC_CODE = synthetic_code_digest()
# object_rf and drivers_model gain only 1.27x and 1.5x from a second thread: on a laptop they take half the cores
# and start beside the per-year jobs, where a two-thread job waits until both cores are free at once (which never
# happens while one-thread jobs are ready). Without --cores (cluster runs, the API) they ask for two.
HALF_THE_CORES = max(1, workflow.resource_settings.cores // 2) if workflow.resource_settings.cores else 2


TILE_PX = value("tiles.size_px")


def years(region):
    """Analysis years of a region: the listed years, or first to last every ``step`` years."""
    return analysis_years(value("region.years", region))


def region_years(wildcards):
    return years(wildcards.region)


def data_years(region):
    """Calendar years whose acquisitions a region needs: every analysis year's window
    (composite.window_years, minerestore.seasons.epoch_years)."""
    window = value("composite.window_years")
    return sorted({y for year in years(region) for y in epoch_years(year, window)})


def mask_periods(region):
    """Date windows (ISO, inclusive) of the region's vegetation and snow masks (minerestore.seasons.period_dates)."""
    return period_dates(value("masks"), years(region))


def rpath(region, *parts):
    """A path under the region's results folder."""
    return str(Path(RESULTS, region, *parts))


def log_path(region, name):
    return rpath(region, "logs", f"{name}.log")


def benchmark_path(region, name):
    return rpath(region, "benchmarks", f"{name}.tsv")


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
    return planned_grid(value("region", region), value("thresholds.buffer_km", region), Path.cwd())


@functools.cache
def region_tiles(region):
    """Ids of the tiles of a region that meet its study area."""
    cfg, buffer_km = value("region", region), value("thresholds.buffer_km", region)
    return study_area_tiles(cfg, region_grid(region), TILE_PX, buffer_km, Path.cwd())


def ingest_spec(region):
    """What ingest reads of a local region's config: its files (and nothing that would rerun ingest needlessly)."""
    cfg = value("region", region)
    return {k: cfg[k] for k in (*PATH_KEYS, *SOURCE_GROUPS, "aoi_select") if k in cfg}


@functools.cache
def region_local_files(region):
    """Every file a local region reads (minerestore.sources.local.local_files), listed once per run."""
    return tuple(local_files(ingest_spec(region), Path.cwd()))


def has_landuse(region):
    """Whether the landuse stage runs for a region (it has a landuse block)."""
    return "landuse" in value("region", region)


def _plan():
    """Plan every time-series region's grid and tiles and list its local inputs now, so that a bad region stops
    the run before the DAG is built, with a message naming the region (not an input-function traceback)."""
    for region in SERIES_REGIONS:
        try:
            for warning in check_crs_scale(value("region.crs", region), region_grid(region).bounds):
                print(f"Warning: region {region!r}: {warning}", file=sys.stderr)
            n_years, min_years = len(years(region)), value("restoration.min_years")
            if n_years < min_years:
                print(
                    f"Warning: region {region!r}: {n_years} analysis year(s), fewer than restoration.min_years "
                    f"({min_years}): every mine's restoration status will be 'insufficient' (no Mann-Kendall "
                    "trend); add years for a trend",
                    file=sys.stderr,
                )
            if not region_tiles(region):
                raise ValueError(
                    f"the study area does not meet the region grid {region_grid(region).bounds}; check bounds, "
                    "rivers / aoi and their CRS"
                )
            if value("region.source", region) == "local":
                region_local_files(region)
            check_drivers_grid(
                region_grid(region), value("drivers.grid_m", region), value("drivers.min_samples")
            )
        except (ValueError, KeyError, OSError) as err:
            raise ConfigError(f"region {region!r}: {err}") from None


stop_on_config_error(_plan)
stop_on_config_error(lambda: check_writer(RESULTS, workflow.basedir, Path.cwd()))


def _record_plan(path):
    """What the run will do, for ``minerestore check``: each region's planned grid, tiles and years as JSON in
    ``path`` (null for a land-use-only region, which is not planned)."""
    plans = {
        r: (
            plan_record(value("region", r), region_grid(r), region_tiles(r), TILE_PX, years(r))
            if r in SERIES_REGIONS
            else None
        )
        for r in REGIONS
    }
    write_text(path, json.dumps(plans))


if PLAN_RECORD in os.environ:
    _record_plan(os.environ[PLAN_RECORD])
