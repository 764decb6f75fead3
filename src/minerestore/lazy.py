"""Numpy or dask arrays: the region-wide stages take either (whole arrays, or tiles streamed through dask,
minerestore.raster.tiles.stream_chunk). These helpers tell them apart and compute them without importing dask
for numpy input: dask.array takes 0.4 s to import, a third of a short whole-array job."""

from __future__ import annotations

import numpy as np


def is_dask(a) -> bool:
    """True for a dask array (or any dask collection), tested by its type's module."""
    return type(a).__module__.startswith("dask")


def array_module(*arrays):
    """``dask.array`` when any of ``arrays`` is a dask array, else ``numpy``."""
    if any(is_dask(a) for a in arrays):
        import dask.array as da

        return da
    return np


def compute(*values) -> tuple:
    """The values of numpy or dask arrays and scalars; the dask ones computed together, in one pass, so shared
    intermediates are computed once. Numpy input is returned as it is."""
    if any(is_dask(v) for v in values):
        import dask

        return dask.compute(*values)
    return values
