"""What every workflow script shares: :func:`run` (the job's log ends with the error when it fails, and a damaged
file of the workflow's results is set aside for the next run to rebuild), logging to the rule's ``log:`` file,
timing of steps, and :func:`mock_snakemake` to run a script outside Snakemake for debugging."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace


#: How a job's log names a file of the results it set aside (minerestore.report.summary.set_aside reads it).
SET_ASIDE = "unreadable result set aside:"
#: File names a reader's error message may hold.
_PATH = re.compile(r"[^\s'\"`:,;()<>]+\.(?:tif|tiff|vrt|gpkg|parquet|json|csv|h5|pt)\b")


def jobs_import_from(src: str | os.PathLike) -> None:
    """Put ``src`` (a checkout's ``src`` folder) first on the ``PYTHONPATH`` that Snakemake's jobs inherit, in
    their conda environments and on a cluster too: Snakemake appends a script's folder to ``sys.path``, after any
    ``minerestore`` installed in the environment, which may be another checkout's."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))


def run(main, smk) -> None:
    """Run a script's ``main(smk)`` as a Snakemake job.

    When it fails, the job's log (``smk.log[0]``) ends with the error's message and traceback, so the log that
    Snakemake (or a cluster's job) points to holds the cause. When the failure is a read error of a file under the
    results folder (``smk.config["results"]``: written by the workflow, e.g. a truncated ``masks/water.tif``), that
    file is moved to ``<name>.unreadable`` (a file of a directory output: the whole folder, which Snakemake would
    otherwise take as complete), so the next run makes it again with everything that depends on it; the log says
    so (:data:`SET_ASIDE`), and the Snakefile names the rule that makes it. The error is raised again.
    """
    try:
        main(smk)
    except Exception as err:
        if smk.log and not any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers):
            configure(smk.log[0])  # it failed before it configured its log
        log = logging.getLogger("minerestore")
        for path, aside in set_aside_unreadable(err, smk.input, smk.config["results"]):
            log.error("%s %s -> %s (the next run makes it again)", SET_ASIDE, path, aside)
        atexit.unregister(_log_peak_memory)
        _log_peak_memory()
        log.error("the job failed: %s: %s", type(err).__name__, err, exc_info=err)
        raise


def set_aside_unreadable(err: BaseException, inputs, results: str | os.PathLike) -> list[tuple[Path, Path]]:
    """Move aside the files of ``results`` that the read error ``err`` is about, and return (file, where it went).

    Only read errors count (rasterio / GDAL, pyogrio), and only files under ``results`` (never a user's input).
    The suspects are the job's ``inputs`` (and the files their VRT mosaics list) whose path or name the error's
    message holds (GDAL names a TIFF by its name alone); a suspect that cannot be read whole is moved to
    ``<name>.unreadable``. A suspect in a directory output (a folder with Snakemake's ``.snakemake_timestamp``) or
    missing from one (a tile a VRT mosaic lists) moves its folder instead, which Snakemake would otherwise take as
    complete.
    """
    import pyogrio.errors
    import rasterio.errors
    from rasterio._err import CPLE_BaseError

    if not isinstance(err, (rasterio.errors.RasterioError, CPLE_BaseError, pyogrio.errors.DataSourceError,
                            pyogrio.errors.DataLayerError)):
        return []
    root = Path(results).resolve()
    named = set(_PATH.findall(str(err)))
    names = {Path(n).name for n in named}
    files = {Path(f).resolve() for f in _flat(inputs)}
    files |= {src for f in files if f.suffix == ".vrt" and f.exists() for src in _vrt_sources(f)}
    files |= {Path(n).resolve() for n in named}
    moved = []
    for path in sorted(f for f in files if root in f.parents and (f.name in names or str(f) in named)):
        in_folder_output = (path.parent / ".snakemake_timestamp").exists()
        if path.exists() and _readable(path):
            continue
        target = path.parent if in_folder_output else path
        if not target.exists() or target == root or any(target == m or target in m.parents for m, _ in moved):
            continue
        aside = target.with_name(target.name + ".unreadable")
        if aside.is_dir():
            shutil.rmtree(aside)
        os.replace(target, aside)
        moved.append((target, aside))
    return moved


def _flat(values) -> list[str]:
    out = []
    for v in values:
        out += _flat(v) if isinstance(v, (list, tuple)) else [str(v)]
    return out


def _vrt_sources(path: Path) -> list[Path]:
    """The files a VRT mosaic lists (its SourceFilename elements, relative ones taken from its folder)."""
    import xml.etree.ElementTree as ET

    try:
        tree = ET.parse(path)
    except ET.ParseError:
        return []
    out = []
    for node in tree.iter("SourceFilename"):
        source = Path(node.text or "")
        out.append((path.parent / source if node.get("relativeToVRT") == "1" else source).resolve())
    return out


def _readable(path: Path) -> bool:
    """Whether a raster (every block of every band) or a vector layer reads whole."""
    import pyogrio
    import rasterio

    try:
        if path.suffix in (".gpkg", ".geojson", ".shp"):
            pyogrio.read_dataframe(path)
        else:
            with rasterio.open(path) as src:
                for _, window in src.block_windows(1):
                    src.read(window=window)
    except Exception:  # noqa: BLE001 - any failure to read is what is probed for
        return False
    return True


def configure(log_path: str | None, level: int = logging.INFO) -> logging.Logger:
    """Send ``minerestore`` and script messages to ``log_path`` (and stderr when it is None), and bound GDAL's memory
    where it grows with the region (each unless already set in the environment):

    - the block cache to 128 MB (``GDAL_CACHEMAX``; GDAL's default is 5 % of the machine's memory, which a job on a
      cluster node may not have been given; the files :func:`minerestore.raster.read.lazy_on_grid` keeps open hold
      their blocks there);
    - the tiles a VRT mosaic keeps open to 16 (``GDAL_MAX_DATASET_POOL_SIZE``; default 100). An open
      pixel-interleaved composite tile holds about 7 MB (a block of every band and its decompression buffers): a
      job streaming a 64-tile region's composite kept 64 of them open, 1.1 GB, and 16 tiles' worth is enough for
      windows read tile by tile.
    """
    os.environ.setdefault("GDAL_CACHEMAX", "128")
    os.environ.setdefault("GDAL_MAX_DATASET_POOL_SIZE", "16")
    handlers: list[logging.Handler] = [logging.FileHandler(log_path, mode="w")] if log_path else [logging.StreamHandler()]
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)
    atexit.unregister(_log_peak_memory)  # once per process, however often configured
    atexit.register(_log_peak_memory)
    return logging.getLogger("minerestore")


def _log_peak_memory() -> None:
    """Log the job's peak resident memory at exit: the kernel's high-water mark of this process (``VmHWM``), exact
    where Snakemake's benchmark samples it every 30 s after a job's first 30 s. What to give ``resources.mem_mb``
    on a cluster. ``getrusage`` where there is no /proc (it also counts the memory of the process that started
    the job, as Linux keeps it across fork and exec)."""
    log = logging.getLogger("minerestore")
    status = Path("/proc/self/status")
    lines = [ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:")] if status.exists() else []
    if lines:
        peak_mb = int(lines[0].split()[1]) / 1024  # kB
    else:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux, bytes on macOS
        peak_mb = peak / 2**20 if sys.platform == "darwin" else peak / 1024
    log.info("%s %.0f MB", PEAK_MEMORY, peak_mb)


#: How a job's log starts its last line, the peak resident memory (benchmarks/scaling.py reads it).
PEAK_MEMORY = "peak memory (max RSS):"


@contextlib.contextmanager
def timed(log: logging.Logger, what: str):
    """Log how long a step took."""
    start = time.perf_counter()
    yield
    log.info("%s took %.1f s", what, time.perf_counter() - start)


def mock_snakemake(rule: str, root: str | os.PathLike = ".", configfiles: list[str] | None = None,
                   **wildcards: str) -> SimpleNamespace:
    """The ``snakemake`` object a rule's script receives, built outside Snakemake for one job, so a script can be
    run and debugged in a Python session (as PyPSA-Eur's helper of the same name does).

    Parameters
    ----------
    rule : the rule name (e.g. ``"ecology_stats"``).
    root : the repository root (the folder of the Snakefile); the working directory is changed to it, since the
        workflow's paths are relative to it.
    configfiles : config files as ``--configfile`` would give them (default: the Snakefile's ``config.yaml``).
    wildcards : the job's wildcards (``region="synthetic", year="2020"``).

    Returns
    -------
    SimpleNamespace with ``input``, ``output``, ``params``, ``wildcards``, ``log``, ``threads``, ``resources``,
    ``config`` and ``rule``, as in the script of that job.

    Example
    -------
    >>> import runpy
    >>> smk = mock_snakemake("ecology_stats", region="synthetic")  # doctest: +SKIP
    >>> runpy.run_path("scripts/ecology_stats.py", init_globals={"snakemake": smk}, run_name="__main__")  # doctest: +SKIP

    Raises
    ------
    snakemake.exceptions.WorkflowError
        Unknown rule, or wildcards that do not match it (Snakemake's own message).
    """
    from snakemake.api import SnakemakeApi
    from snakemake.dag import DAG
    from snakemake.jobs import Job
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        OutputSettings,
        ResourceSettings,
        StorageSettings,
    )

    root = Path(root).resolve()
    os.chdir(root)
    config = ConfigSettings(configfiles=[Path(p) for p in configfiles or ()])
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(), config_settings=config,
                                    storage_settings=StorageSettings(), snakefile=root / "Snakefile", workdir=root)
        workflow_api.dag(dag_settings=DAGSettings())
        workflow = workflow_api._workflow  # the parsed workflow; Snakemake has no public accessor for it
        job = Job(workflow.get_rule(rule), DAG(workflow, rules=[workflow.get_rule(rule)]), dict(wildcards))
        for path in [*job.output, *job.log]:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SimpleNamespace(input=job.input, output=job.output, params=job.params, wildcards=job.wildcards,
                               log=job.log, threads=job.threads, resources=job.resources, config=workflow.config,
                               rule=rule)
