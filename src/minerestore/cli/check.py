"""``minerestore check``: validate a config and plan its run, without running it.

The run is planned by the workflow itself, ``snakemake --dry-run`` in a subprocess from the working directory, so
every check a run makes before its first job is made here: the schema and :func:`minerestore.config.check_config`,
each region's grid, tiles and inputs (``workflow/rules/common.smk``), the DAG. What the run would do is then read
back: each region's planned grid, tiles and years, which the Snakefile writes to the file named by
:data:`minerestore.sources.plan.PLAN_RECORD`, and the jobs of each rule, from the dry run's job table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from minerestore.cli.shared import CHECKOUT, UsageError, existing_file
from minerestore.sources.plan import PLAN_RECORD

SNAKEFILE = CHECKOUT / "Snakefile"
#: Lines of a failed dry run's output shown when it names no error of the config checks.
TAIL_LINES = 20


DESCRIPTION = """\
Validate CONFIG with the workflow's schema and make every check the workflow
makes before its first job (inputs, grids, tiles, years, the DAG of jobs), by
planning the run as snakemake --dry-run does; then print each region's grid,
tiles and years and the jobs per rule. Nothing is run. Exit status 0 when the
run can start; 1, with the error that stops it, when it cannot.

Run it from the folder snakemake will run in (the repository root): the
config's paths are taken from there.

Example:
  minerestore check config/tiny.yaml --config results=/tmp/tiny
"""


def add_parser(commands) -> None:
    """The ``check`` sub-command and its arguments."""
    p = commands.add_parser("check", help="validate a config and show what its run will do, without running it",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", metavar="CONFIG", type=existing_file, help="the config file (YAML)")
    p.add_argument("--config", dest="overrides", metavar="KEY=VALUE", nargs="+", default=[],
                   help="config values that override the file's, as snakemake --config takes them")
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    """Plan the run of ``args.config`` and print what it would do (or the error that stops it, on stderr).

    Raises
    ------
    UsageError
        When the package's checkout has no Snakefile (installed without it).
    """
    if not SNAKEFILE.exists():
        raise UsageError(f"no workflow to check with: {SNAKEFILE} does not exist (minerestore check needs the "
                         "package installed from its checkout: pip install -e <checkout>)")
    unreadable = yaml_error(args.config)
    if unreadable:
        print(unreadable, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "plan.json"
        planned = dry_run(args.config, args.overrides, record)
        for warning in warnings(planned.stderr):
            print(warning, file=sys.stderr)
        if planned.returncode != 0:
            print(failure(planned), file=sys.stderr)
            return 1
        plans = json.loads(record.read_text())
    print(report(args.config, args.overrides, plans, job_counts(planned.stdout)))
    return 0


def yaml_error(config: str) -> str | None:
    """Why ``config`` cannot be read as YAML, naming its line and column (Snakemake's own error names neither); None
    when it can."""
    try:
        with open(config, encoding="utf-8") as stream:
            yaml.safe_load(stream)
    except yaml.YAMLError as err:
        return f"Error: {config} is not valid YAML (indent with spaces, not tabs; close every quote and bracket):\n{err}"
    except UnicodeDecodeError as err:
        return f"Error: {config} is not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8"
    return None


def dry_run(config: str, overrides: list[str], record: Path) -> subprocess.CompletedProcess:
    """``snakemake --dry-run`` of the config (and ``--config`` overrides) with the checkout's Snakefile, run from
    the working directory; the Snakefile writes each region's plan to ``record``."""
    command = [sys.executable, "-m", "snakemake", "--dry-run", "--cores", "1", "--quiet", "rules", "--snakefile",
               str(SNAKEFILE), "--configfile", config, "--replace-workflow-config"]
    command += ["--config", *overrides] if overrides else []
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, PLAN_RECORD: str(record)})


def warnings(stderr: str) -> list[str]:
    """The warnings of the planning checks (a CRS that scales distances, …) in the dry run's output."""
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


def failure(planned: subprocess.CompletedProcess) -> str:
    """Why a dry run failed: the errors the config checks stop with (``Error: config key …`` on stderr), else the
    end of Snakemake's output (its own errors, on stdout: a config that is not YAML, an input no rule makes …)."""
    errors = [line for line in planned.stderr.splitlines() if line.startswith("Error")]
    return "\n".join(errors or (planned.stdout + planned.stderr).strip().splitlines()[-TAIL_LINES:])


def job_counts(stdout: str) -> dict[str, int]:
    """Jobs per rule of a dry run's job table (``Job stats:``), in its order; {} when there is nothing to do."""
    counts = {}
    for rule, count in re.findall(r"^(\w+)\s+(\d+)$", stdout.partition("Job stats:")[2], flags=re.M):
        if rule == "total":
            break
        counts[rule] = int(count)
    return counts


def report(config: str, overrides: list[str], plans: dict, jobs: dict[str, int]) -> str:
    """What the run of ``config`` will do: each region's plan (:func:`region_lines`), the jobs per rule, and the
    command that runs it."""
    lines = [f"{config}: valid; its run is planned below (nothing was run)"]
    for name, plan in plans.items():
        lines += region_lines(name, plan)
    lines.append(f"jobs: {sum(jobs.values())}" if jobs else "jobs: none (every output is up to date)")
    width = max(map(len, jobs), default=0)
    lines += [f"  {rule:<{width}}  {count:>5}" for rule, count in jobs.items()]
    command = f"snakemake --cores N --configfile {shlex.quote(config)} --replace-workflow-config"
    lines.append(f"run it: {command}" + (f" --config {shlex.join(overrides)}" if overrides else ""))
    return "\n".join(lines)


def region_lines(name: str, plan: dict | None) -> list[str]:
    """A region's plan (:func:`minerestore.sources.plan.plan_record`; None: a land-use-only region) as lines."""
    if plan is None:
        return [f"region {name}: the land-use stage alone, on its image's own grid"]
    pixels = plan["rows"] * plan["cols"]
    years = plan["years"]
    span = (f"{years[0]}-{years[-1]}" if years == list(range(years[0], years[-1] + 1))
            else ", ".join(map(str, years)))
    return [f"region {name}: {plan['sensor']} imagery, source {plan['source']}",
            f"  grid   {plan['rows']} rows x {plan['cols']} cols = {pixels:,} px of {plan['resolution']:g} m = "
            f"{pixels * plan['resolution'] ** 2 / 1e6:,.2f} km² ({plan['crs']})",
            f"  tiles  {plan['tiles']} of the grid's {plan['grid_tiles']} ({plan['tile_px']} px a side) meet the study "
            "area",
            f"  years  {span} ({len(years)} year{'s' if len(years) > 1 else ''})"]
