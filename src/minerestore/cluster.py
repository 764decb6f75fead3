"""Checks of a cluster run made before any job starts (the Snakefile's onstart): the scheduler's commands are on
this machine, and no job asks for more memory than the cluster's largest node has. Without them the SLURM plugin
failed at its first submission, after the local jobs had run, with "No such file or directory: 'sacct'", or sbatch
refused a job with "Memory specification can not be satisfied", naming neither the node's memory nor the key to
change."""

from __future__ import annotations

import shutil
import subprocess



class ClusterError(Exception):
    """A cluster run that cannot go: the message names what is missing or too large and what to change."""

#: What the SLURM executor runs on the submitting node: sbatch submits, squeue (profiles/slurm) follows the jobs,
#: scancel stops them when the run is interrupted.
SLURM_COMMANDS = ("sbatch", "squeue", "scancel")


def check_executor(name: str | None) -> None:
    """Refuse an executor whose commands this machine lacks: ``slurm`` (``--profile profiles/slurm``) needs
    :data:`SLURM_COMMANDS` on ``PATH``.

    Raises
    ------
    ClusterError
        Naming the missing commands and the two ways on (the cluster's login node, or a local run).
    """
    missing = [c for c in SLURM_COMMANDS if shutil.which(c) is None] if name == "slurm" else []
    if missing:
        raise ClusterError(f"the slurm executor (profiles/slurm) submits jobs with sbatch and follows them with squeue, "
                          f"but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on PATH on "
                          "this machine: run snakemake on the cluster's login node (where sbatch works), or here "
                          "without the profile (snakemake --cores N)")


def largest_node_mb() -> int | None:
    """The memory of the cluster's largest node, MB (``sinfo``'s ``%m``), or None when sinfo gives none."""
    out = subprocess.run(["sinfo", "-h", "-o", "%m"], capture_output=True, text=True).stdout
    sizes = [int(v.rstrip("+")) for v in out.split() if v.rstrip("+").isdigit()]
    return max(sizes) if sizes else None


def check_memory_fits(requests: list[tuple[str, int | None]], node_mb: int | None) -> None:
    """Refuse jobs that ask for more memory than the largest node has.

    Parameters
    ----------
    requests : (rule, mem_mb of its first attempt, MB) of every job the scheduler would run; None: no request.
    node_mb : the largest node's memory, MB (:func:`largest_node_mb`); None skips the check.

    Raises
    ------
    ClusterError
        Naming each rule over the limit with its request and the node's memory, and the setting to change.
    """
    if node_mb is None:
        return
    over = sorted({(rule, mem) for rule, mem in requests if mem is not None and mem > node_mb})
    if over:
        listed = ", ".join(f"{rule} {mem} MB" for rule, mem in over)
        raise ClusterError(f"jobs ask for more memory than the cluster's largest node has ({node_mb} MB, sinfo): "
                          f"{listed}. Lower it for the rule (--set-resources RULE:mem_mb=N, or set-resources in "
                          "the profile), or submit to a partition with larger nodes (slurm_partition)")
