"""Who writes a results folder: one checkout and working directory per folder.

Snakemake records what each run did (the params, code and inputs of every output) in the ``.snakemake`` folder of
its working directory. Two checkouts (or two working directories) writing into one results folder do not see each
other's records: each finds the other's outputs newer than its own records say nothing of, takes them as up to
date and reports one config's numbers as the other's. So the first real run of a results folder writes
``<results>/.minerestore-writer.json`` (the workflow folder, the working directory, the config's hash and the code
version), and a run from elsewhere is refused before anything runs. No library does this for Snakemake.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from minerestore.io import write_text

STAMP = ".minerestore-writer.json"


class WriterError(ValueError):
    """Another checkout or working directory writes this results folder; the message names both and what to do."""


def code_version(workflow_dir: str | os.PathLike) -> str:
    """The package version and, in a git checkout, its commit (``-dirty`` when tracked files differ from it)."""
    import subprocess

    from minerestore import __version__

    git = ["git", "-C", str(workflow_dir)]
    try:
        commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return __version__
    return f"{__version__} {commit.stdout.strip()}{'-dirty' if dirty.stdout.strip() else ''}"


def synthetic_code_digest() -> str:
    """SHA-1 (first 12 hex digits) of the synthetic generator's source files (``minerestore.sources.synthetic``):
    a rule parameter, so a change to the generator's code makes Snakemake regenerate the synthetic scenes."""
    folder = Path(__file__).parent / "sources" / "synthetic"
    return hashlib.sha1(b"".join(p.read_bytes() for p in sorted(folder.glob("*.py")))).hexdigest()[:12]


def config_hash(config: dict) -> str:
    """SHA-256 (first 12 hex digits) of a config as canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def check_writer(results: str | os.PathLike, workflow_dir: str | os.PathLike, workdir: str | os.PathLike) -> None:
    """Refuse a run whose workflow folder or working directory differs from those recorded in the results folder.

    Raises
    ------
    WriterError
        Naming the results folder, the recorded writer (folders, config hash, when) and this run's, and the two
        ways on: another ``results:`` folder, or removing the stamp when the other writer is gone.
    """
    stamp = Path(results) / STAMP
    if not stamp.exists():
        return
    recorded = json.loads(stamp.read_text())
    here = {"workflow": str(Path(workflow_dir).resolve()), "workdir": str(Path(workdir).resolve())}
    if all(recorded.get(k) == v for k, v in here.items()):
        return
    raise WriterError(
        f"results folder {results} is written by the workflow in {recorded.get('workflow')} run from "
        f"{recorded.get('workdir')} (config {recorded.get('config')}, last run {recorded.get('last_run')}); this run "
        f"is the workflow in {here['workflow']} run from {here['workdir']}. Snakemake keeps what each run did in its "
        "working directory, so neither would see the other's changes and outputs of one config would be taken as up "
        "to date for the other. Set another results folder (config key results), or delete "
        f"{stamp} if the other checkout is gone")


def record_writer(results: str | os.PathLike, workflow_dir: str | os.PathLike, workdir: str | os.PathLike,
                  config: dict, version: str) -> Path:
    """Write (or refresh) the results folder's stamp: this run's workflow folder, working directory, config hash,
    code version and time. Returns its path."""
    stamp = Path(results) / STAMP
    record = {"workflow": str(Path(workflow_dir).resolve()), "workdir": str(Path(workdir).resolve()),
              "config": config_hash(config), "version": version,
              "last_run": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text(stamp, json.dumps(record, indent=1) + "\n")
    return stamp
