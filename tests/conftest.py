"""Shared fixtures: paths to the repository and to ../shared/data (tests needing it skip when it is absent)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
MARBURG = SHARED_DATA / "landsat-marburg"
AMAZON = SHARED_DATA / "amazon-mining-watch"


def need(path: Path) -> Path:
    """Skip the test when a ../shared data folder is absent."""
    if not path.exists():
        pytest.skip(f"{path} not present (needs ../shared/data beside the repository)")
    return path


def synthetic_landscape(p):
    """The terrain, land cover (with town centres) and mines of a synthetic scene with parameters ``p``
    (minerestore.sources.synthetic.scene.SyntheticParams), without imagery: (rng, grid, terrain, classes, towns,
    mines), ``rng`` as the scene generator leaves it."""
    import numpy as np

    from minerestore.sources.synthetic import landscape
    from minerestore.sources.synthetic.scene import _grid, _terrain

    rng = np.random.default_rng(p.seed)
    grid = _grid(p)
    terr = _terrain(p, grid, rng)
    classes, towns = landscape.land_cover(terr["dem"], terr["water"], terr["river_dist"], resolution=grid.resolution,
                                          rng=rng)
    mines = landscape.place_mines(classes, terr["river_dist"], grid, p.years, n_mines=p.n_mines, rng=rng,
                                  radius_m=p.mine_radius_m)
    return rng, grid, terr, classes, towns, mines


def snakemake(*args, cwd=REPO, timeout=600, check=False, env=None) -> subprocess.CompletedProcess:
    """Run the Snakemake of this interpreter's environment in the repository, with the variables of ``env`` added
    to the environment; returns the completed process."""
    exe = Path(sys.executable).with_name("snakemake")
    cmd = [str(exe), "--cores", "2", *map(str, args)]
    env = dict(os.environ, **(env or {}), PYTHONPATH=str(REPO / "src"))
    with subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                          start_new_session=True) as run:
        try:
            stdout, stderr = run.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)  # Snakemake and the jobs it started, not Snakemake alone
            raise
    proc = subprocess.CompletedProcess(cmd, run.returncode, stdout, stderr)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


#: the outputs two runs of the same config must write byte for byte alike: tables, rasters, vectors and figures
OUTPUT_KINDS = ("*.csv", "*.tif", "*.vrt", "*.gpkg", "*.yaml", "*.json", "*.png", "*.svg")


def differing_outputs(first: Path, second: Path) -> list[str]:
    """The outputs of one region, ``<results>/<region>`` of two runs, whose bytes differ; asserts both runs wrote
    the same files, more than 50. The runs are made in different folders, so the absolute paths that
    acquisitions.csv and sources.yaml list are put back first."""
    files = sorted(p.relative_to(first) for kind in OUTPUT_KINDS for p in first.rglob(kind))
    assert len(files) > 50 and files == sorted(p.relative_to(second) for kind in OUTPUT_KINDS
                                               for p in second.rglob(kind))
    differ = []
    for rel in files:
        a, b = (first / rel).read_bytes(), (second / rel).read_bytes()
        if rel.suffix in (".csv", ".yaml"):
            b = b.replace(str(second.parent).encode(), str(first.parent).encode())
        if a != b:
            differ.append(str(rel))
    return differ
