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


def write_run_summary(results: str | os.PathLike, regions: list[str]) -> tuple[Path, int]:
    """Write ``<results>/run_summary.txt``: the warnings of every job log of ``regions`` (and of the results'
    own logs), grouped by log. Returns the file and the number of warnings."""
    results = Path(results)
    found = collect_warnings([results / r / "logs" for r in regions] + [results / "logs"])
    count = sum(len(m) for m in found.values())
    lines = [f"minerestore run summary: {count} warning(s) in {len(found)} job log(s)", ""]
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
