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


def snakemake(*args, cwd=REPO, timeout=600, check=False) -> subprocess.CompletedProcess:
    """Run the Snakemake of this interpreter's environment in the repository; returns the completed process."""
    exe = Path(sys.executable).with_name("snakemake")
    cmd = [str(exe), "--cores", "2", *map(str, args)]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
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
