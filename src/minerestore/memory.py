"""Keeping a long tile loop's memory flat.

A job that loops over the tiles of a region allocates and frees, per tile, arrays of a few hundred kB to a few MB
(windows, masks, distance rings). glibc serves them from its heap once it has freed a few larger ones (its mmap
threshold rises), and the freed heap is fragmented and not given back to the system: the job's resident memory
then grows with the number of tiles, i.e. with the region (ecology_stats: 268 MB for one tile's worth of region,
1.4 GB for 64 tiles, with the same tile size). :func:`trim_heap` after each tile gives the freed memory back
(``malloc_trim``; no library exposes it, hence ctypes).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def trim_heap() -> bool:
    """Give the memory freed so far back to the operating system (glibc ``malloc_trim(0)``, every arena).

    Costs about a millisecond; call it once per tile of a loop over a region's tiles, not per array.

    Returns
    -------
    bool: whether the C library has ``malloc_trim`` (False: nothing was done).
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
