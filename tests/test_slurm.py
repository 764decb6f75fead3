"""The workflow on a real SLURM scheduler: a one-node cluster started by scripts/slurm_cluster.sh (as root; it
installs Debian's slurm-wlm and munge when missing) runs config/tiny.yaml through profiles/slurm, and every table,
raster and vector equals, byte for byte, that of a local run. Skipped where no cluster can be started."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

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


def _squeue(conf: str) -> list[tuple[str, str, str]]:
    """(job id, comment = rule and wildcards, state) of every job SLURM lists."""
    out = subprocess.run(["squeue", "-h", "-o", "%i|%k|%T"], capture_output=True, text=True,
                         env=dict(os.environ, SLURM_CONF=conf), check=True).stdout
    return [tuple(line.split("|", 2)) for line in out.splitlines() if line.count("|") == 2]


def test_a_cancelled_job_and_jobs_over_their_memory_are_retried_to_the_same_outputs(slurm_conf, tmp_path):
    """Faults on a real scheduler: every composite job asks for 60 MB on its first attempt (``mem_mb`` grows with
    the attempt, as the rules' own do), so SLURM kills it for exceeding its memory (OverMemoryKill); a running
    mask_period job is cancelled with scancel. The profile's retries submit both again, the run finishes, Snakemake's
    error of each failed attempt names its SLURM log, and the composites and masks equal a local run's."""
    import time

    on_slurm, local = tmp_path / "slurm", tmp_path / "local"
    targets = [*(f"composites/{y}.vrt" for y in range(2016, 2023)), "masks/period/vegetation.vrt"]
    args = ["--configfile", TINY, "--replace-workflow-config"]
    exe = os.path.join(os.path.dirname(sys.executable), "snakemake")
    cmd = [exe, *(str(on_slurm / "tiny" / t) for t in targets), "--cores", "2", "--profile", "profiles/slurm",
           *map(str, args), "--config", f"results={on_slurm}", "--set-resources", "composite:mem_mb=60*attempt**4"]
    env = dict(os.environ, SLURM_CONF=slurm_conf, PYTHONPATH=str(REPO / "src"))
    with subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                          start_new_session=True) as run:
        cancelled, deadline = None, time.monotonic() + 600
        while cancelled is None and run.poll() is None and time.monotonic() < deadline:
            running = [j for j, rule, state in _squeue(slurm_conf)
                       if rule.startswith("rule_mask_period_") and state == "RUNNING"]
            if running:
                cancelled = running[0]
                subprocess.run(["scancel", cancelled], env=dict(os.environ, SLURM_CONF=slurm_conf), check=True)
            time.sleep(0.5)
        log, _ = run.communicate(timeout=1800)
    assert run.returncode == 0, log[-4000:]
    assert cancelled, "no mask_period job was seen running: nothing was cancelled"
    assert f"SLURM-job '{cancelled}' failed, SLURM status is: 'CANCELLED" in log, log[-4000:]
    killed = re.findall(r"SLURM-job '(\d+)' failed, SLURM status is: '(OUT_OF_MEMORY|FAILED|CANCELLED)", log)
    assert len([j for j, _ in killed if j != cancelled]) >= 4, log[-4000:]  # the four tiles' first attempts
    assert re.search(r"slurm_logs/rule_composite/\S+\.log", log)  # the failed job's SLURM log is named
    snakemake(*(str(local / "tiny" / t) for t in targets), *args, "--config", f"results={local}", check=True)
    assert differing_outputs(local / "tiny", on_slurm / "tiny") == []


@pytest.mark.bad_input
def test_the_profile_without_slurm_on_the_machine_stops_naming_sbatch(tmp_path):
    """--profile profiles/slurm where sbatch, squeue and scancel are not on PATH: refused before any job runs,
    naming them and the two ways on (the plugin failed at its first submission, after the local jobs, with
    "No such file or directory: 'sacct'")."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    from minerestore.cluster import SLURM_COMMANDS

    slurm = set(SLURM_COMMANDS) | {"sacct", "sinfo", "srun", "scontrol", "salloc"}
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in (p for p in Path(folder).glob("*") if p.name not in slurm) if Path(folder).is_dir() else ():
            if not (bin_dir / tool.name).exists():
                (bin_dir / tool.name).symlink_to(tool)
    results = tmp_path / "results"
    proc = snakemake("--profile", "profiles/slurm", "--configfile", TINY, "--replace-workflow-config", "--config",
                     f"results={results}", env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{bin_dir}"})
    assert proc.returncode != 0
    assert ("Error: the slurm executor (profiles/slurm) submits jobs with sbatch and follows them with squeue, but "
            "sbatch and squeue and scancel are not on PATH") in proc.stderr, proc.stderr[-2000:]
    assert not (results / "tiny").exists()  # refused before any job ran


@pytest.mark.bad_input
def test_memory_over_the_largest_node_is_named_with_the_numbers():
    from minerestore.cluster import ClusterError, check_memory_fits

    check_memory_fits([("composite", 3000), ("plan", None)], 23000)
    check_memory_fits([("composite", 10**6)], None)  # sinfo gave no size: nothing to compare
    with pytest.raises(ClusterError, match=r"largest node has \(23000 MB, sinfo\): composite 100000 MB, object_rf "
                                           r"30000 MB\. Lower it for the rule \(--set-resources RULE:mem_mb=N"):
        check_memory_fits([("object_rf", 30000), ("composite", 100000), ("composite", 100000), ("plan", 10)], 23000)


@pytest.mark.bad_input
def test_a_job_over_the_nodes_memory_and_a_missing_partition_are_refused_naming_them(slurm_conf, tmp_path):
    """Before any job runs: a rule asking for more memory than the node has is named with both numbers (sbatch
    said only "Memory specification can not be satisfied", after the local jobs); a partition that does not exist
    is named in Snakemake's error (sbatch's "invalid partition specified")."""
    target = tmp_path / "results" / "tiny" / "composites" / "2016.vrt"
    common = ["--profile", "profiles/slurm", "--configfile", TINY, "--config", f"results={tmp_path / 'results'}"]
    env = {"SLURM_CONF": slurm_conf}
    big = snakemake(target, *common, "--set-resources", "composite:mem_mb=10000000", env=env)
    assert big.returncode != 0
    assert re.search(r"Error: jobs ask for more memory than the cluster's largest node has \(\d+ MB, sinfo\): "
                     r"composite 10000000 MB", big.stderr), big.stderr[-2000:]
    assert not (tmp_path / "results" / "tiny" / "inputs").exists()  # refused before any job ran
    nowhere = snakemake(target, *common, "--default-resources", "slurm_partition=nowhere", "mem_mb=1000", env=env)
    assert nowhere.returncode != 0 and "invalid partition specified: nowhere" in nowhere.stdout + nowhere.stderr
