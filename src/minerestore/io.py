"""Atomic writers for rasters, vectors and tables (design.md, Data contracts: write to a temporary name, then rename).

A killed job leaves at most a ``.tmp-*`` file beside the target, never a file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from pathlib import Path
from typing import Iterator


#: ``.tmp-<pid>@<host>@<name>``: the process and host writing a temporary, so a later job can tell a leftover.
_TEMPORARY = re.compile(r"^\.tmp-(\d+)@([^@]+)@")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary (``.tmp-<pid>@<host>@<name>``) keeps the suffix of ``path`` so format drivers (GTiff, GPKG)
    recognise it. On any exception the temporary is removed and the exception propagates; a killed process
    leaves it, for :func:`remove_leftovers`.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".tmp-{os.getpid()}@{socket.gethostname()}@{final.name}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_table(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV atomically (no index)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


#: ``last_change`` stamped in every GeoPackage, so the same features give the same bytes on every run; the file's
#: modification time still says when it was written.
GPKG_DATE = "1970-01-01T00:00:00.000Z"


def write_vector(path: str | os.PathLike, frame) -> None:
    """Write a GeoDataFrame as a one-layer GeoPackage atomically, byte-identical for identical features (GDAL
    would otherwise stamp the current time into the file's ``gpkg_contents``)."""
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    with atomic_path(path) as tmp:
        frame.to_file(tmp, driver="GPKG", layer=Path(path).stem)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def remove_leftovers(folder: str | os.PathLike, max_age_s: float = 3600.0) -> list[Path]:
    """Remove the temporaries that killed jobs left in ``folder`` (e.g. a shared fetch cache), and return them.

    A temporary of this host is a leftover when its process is gone; one of another host (a cluster node we
    cannot ask) when nothing has written to it for ``max_age_s`` seconds. Live writers are left alone.
    """
    removed = []
    host = socket.gethostname()
    for path in Path(folder).glob(".tmp-*"):
        match = _TEMPORARY.match(path.name)
        if match is None:
            continue
        pid, owner = int(match.group(1)), match.group(2)
        stale = not _alive(pid) if owner == host else time.time() - path.stat().st_mtime > max_age_s
        if stale:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
