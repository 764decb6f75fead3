"""Config validation and the path helpers all rules use. Paths are built here and only here (design.md §3,
so no script hard-codes results/)."""

import sys
from pathlib import Path

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


def _validate_config():
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
RESULTS = config["results"]


def region_cfg(region):
    return config["regions"][region]


def years(region):
    y = region_cfg(region)["years"]
    return list(range(y["first"], y["last"] + 1))


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
    return rpath(region, "composites", f"{year}.tif")


def region_source_files(wildcards):
    """Ingest inputs. Synthetic regions need their generated scene; local files are checked by the script."""
    if region_cfg(wildcards.region)["source"] == "synthetic":
        return {"scene": rpath(wildcards.region, "synthetic")}
    return {}


def all_targets():
    return [composite_path(r, y) for r in REGIONS for y in years(r)]
