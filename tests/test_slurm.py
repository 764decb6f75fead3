"""The workflow on a real SLURM scheduler: a one-node cluster started by scripts/slurm_cluster.sh (as root; it
installs Debian's slurm-wlm and munge when missing) runs config/tiny.yaml through profiles/slurm, and every table,
raster and vector equals, byte for byte, that of a local run. Skipped where no cluster can be started."""

import os
import shutil
import subprocess

import pytest
from conftest import REPO, differing_outputs, snakemake

TINY = REPO / "config" / "tiny.yaml"
CLUSTER = REPO / "scripts" / "slurm_cluster.sh"
pytestmark = [pytest.mark.slurm, pytest.mark.workflow]


def cluster(command: str, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CLUSTER), command], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def slurm_conf():
    """The SLURM_CONF of a running one-node cluster: started here and stopped at the end, or left running when it
    already ran."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    if os.geteuid() != 0:
        pytest.skip("a SLURM cluster needs root: scripts/slurm_cluster.sh starts munged, slurmctld and slurmd")
    if not (shutil.which("sbatch") or shutil.which("apt-get")):
        pytest.skip("no SLURM (sbatch) and no apt-get to install Debian's slurm-wlm and munge")
    already = cluster("status", timeout=60).returncode == 0
    started = cluster("start", timeout=900)  # the first start installs the packages
    if started.returncode == 3:  # this machine cannot host the cluster (the install failed, ...)
        pytest.skip(started.stderr.strip().splitlines()[-1])
    assert started.returncode == 0, f"scripts/slurm_cluster.sh start failed:\n{started.stderr[-3000:]}"
    conf = started.stdout.strip().splitlines()[-1].removeprefix("export SLURM_CONF=")
    yield conf
    if not already:
        stopped = cluster("stop", timeout=120)
        assert stopped.returncode == 0, stopped.stderr


def test_tiny_workflow_on_slurm_equals_local_run_byte_for_byte(slurm_conf, tmp_path):
    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    proc = snakemake("--profile", "profiles/slurm", "--configfile", TINY, "--replace-workflow-config", "--config",
                     f"results={on_slurm}", env={"SLURM_CONF": slurm_conf}, timeout=1800, check=True)
    log = proc.stdout + proc.stderr
    assert "has been submitted with SLURM jobid" in log  # the jobs went through sbatch, not the local executor
    assert "Falling back to 'sacct'" not in log  # squeue status checks: the cluster has no accounting
    snakemake("--configfile", TINY, "--replace-workflow-config", "--config", f"results={local}", check=True)
    assert differing_outputs(local / "tiny", on_slurm / "tiny") == []
