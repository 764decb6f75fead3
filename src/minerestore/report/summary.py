"""The run summary: what the workflow's own checks warned about (inputs left out, partial coverage, saturated
pixels, repaired polygons, constant drivers …), gathered from every job's log into one file the user sees at the
end of a run, so a warning cannot scroll away unread."""

from __future__ import annotations

import os
import re
from pathlib import Path

from minerestore.io import write_text

#: A warning of the workflow's loggers (``minerestore`` and its modules) in a job log written by
#: :func:`minerestore.scripting.configure`; library warnings (``py.warnings``) stay in the logs only.
WARNING = re.compile(r"^\S+ \S+ WARNING minerestore[\w.]*: (.*)$")


def collect_warnings(log_dirs: list[Path]) -> dict[str, list[str]]:
    """Job log (path) -> its warning messages, for every ``*.log`` in ``log_dirs`` that has one, in path order.
    A warning message continues on the lines that follow it until the next log record."""
    out: dict[str, list[str]] = {}
    for folder in log_dirs:
        for log in sorted(Path(folder).glob("*.log")):
            messages, current = [], None
            for line in log.read_text(errors="replace").splitlines():
                match = WARNING.match(line)
                if match:
                    current = match.group(1)
                    messages.append(current)
                elif current is not None and not re.match(r"^\d{4}-\d\d-\d\d ", line):
                    messages[-1] += "\n    " + line
                else:
                    current = None
            if messages:
                out[str(log)] = messages
    return out


#: What the summary says of a region where no mine was identified.
NO_MINE = ("no mine identified. That is an answer, not a failure: the per-mine tables (BSP, Mann–Kendall, "
           "restoration rates, InSAR classes, ecology per mine) are empty and the mine figures say 'no mines'; the "
           "study-area results (masks, RSEI and REM maps, trend maps, drivers) are complete. If mines were expected, "
           "see identify.method (and identify.candidate_rules or the reference) and {region}/logs/mines.log")


def mine_counts(results: str | os.PathLike, regions: list[str]) -> dict[str, int]:
    """Region -> the number of mines in its ``mines/mines.gpkg``, for the regions that have one (a land-use-only
    region has none)."""
    import pyogrio

    paths = {r: Path(results) / r / "mines" / "mines.gpkg" for r in regions}
    return {r: pyogrio.read_info(p)["features"] for r, p in paths.items() if p.exists()}


def mine_lines(counts: dict[str, int]) -> list[str]:
    """One line per region: its number of mines, or :data:`NO_MINE`."""
    return [f"region {r}: {NO_MINE.format(region=r)}" if n == 0 else f"region {r}: {n} mines" for r, n in counts.items()]


def write_run_summary(results: str | os.PathLike, regions: list[str]) -> tuple[Path, int]:
    """Write ``<results>/run_summary.txt``: the mines of each region (:func:`mine_lines`), then the warnings of
    every job log of ``regions`` (and of the results' own logs), grouped by log. Returns the file and the number
    of warnings."""
    results = Path(results)
    found = collect_warnings([results / r / "logs" for r in regions] + [results / "logs"])
    count = sum(len(m) for m in found.values())
    lines = [f"minerestore run summary: {count} warning(s) in {len(found)} job log(s)", ""]
    mines = mine_lines(mine_counts(results, regions))
    lines += [*mines, ""] if mines else []
    for log, messages in found.items():
        lines.append(os.path.relpath(log, results))
        lines += [f"  - {m}" for m in messages]
    path = results / "run_summary.txt"
    write_text(path, "\n".join(lines) + "\n")
    return path, count


def set_aside(results: str | os.PathLike, regions: list[str], since: float) -> list[tuple[str, str]]:
    """The results set aside as unreadable by the jobs of this run (:func:`minerestore.scripting.run`): (file,
    where it went) from every job log of ``regions`` written after ``since`` (a time stamp)."""
    from minerestore.scripting import SET_ASIDE

    results = Path(results)
    out = []
    for folder in [results / r / "logs" for r in regions] + [results / "logs"]:
        for log in sorted(Path(folder).glob("*.log")):
            if log.stat().st_mtime < since:
                continue
            for line in log.read_text(errors="replace").splitlines():
                if SET_ASIDE in line:
                    path, _, aside = line.split(SET_ASIDE, 1)[1].strip().partition(" -> ")
                    out.append((path, aside.split(" (")[0]))
    return out
