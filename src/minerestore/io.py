"""Atomic writers for rasters, vectors and tables (design.md §5: write to a temporary name, then rename).

A killed job leaves at most a ``.tmp-*`` file beside the target, never a file under the final name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import rasterio

from . import __version__


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary keeps the suffix of ``path`` so format drivers (GTiff, GPKG) recognise it.
    On any exception the temporary is removed and the exception propagates.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".tmp-{os.getpid()}-{final.name}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def raster_writer(
    path: str | os.PathLike, profile: dict, band_names: list[str], tags: dict | None = None
) -> Iterator[rasterio.io.DatasetWriter]:
    """Open a GeoTIFF for (windowed) writing under a temporary name; on success set the band descriptions and
    tags (the software version is always added) and rename it onto ``path``.

    Parameters
    ----------
    profile : dict
        rasterio profile (e.g. from :meth:`minerestore.grid.Grid.profile`); ``count`` is set from ``band_names``.
    band_names : list of str
        One name per band, stored as the band description (design.md §3).
    tags : dict, optional
        Dataset tags (sensor, season, years).
    """
    prof = dict(profile, count=len(band_names))
    with atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **prof) as dst:
            yield dst
            for i, name in enumerate(band_names, start=1):
                dst.set_band_description(i, name)
            dst.update_tags(software=f"minerestore {__version__}", **{k: str(v) for k, v in (tags or {}).items()})


def write_raster(
    path: str | os.PathLike,
    data: np.ndarray,
    profile: dict,
    band_names: list[str],
    tags: dict | None = None,
) -> None:
    """Write a (bands, rows, cols) array atomically with one described band per quantity.

    Float32 rasters use NaN as nodata (design.md §3); see :func:`raster_writer` for the other arguments.

    Raises
    ------
    ValueError
        If the number of names does not match the number of bands.
    """
    if data.ndim != 3 or data.shape[0] != len(band_names):
        raise ValueError(f"{path}: data shape {data.shape} does not match {len(band_names)} band names")
    with raster_writer(path, dict(profile, dtype=str(data.dtype)), band_names, tags) as dst:
        dst.write(data)


def write_table(path: str | os.PathLike, frame) -> None:
    """Write a pandas DataFrame as CSV atomically (no index)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def write_vector(path: str | os.PathLike, frame) -> None:
    """Write a GeoDataFrame as a one-layer GeoPackage atomically."""
    with atomic_path(path) as tmp:
        frame.to_file(tmp, driver="GPKG", layer=Path(path).stem)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def band_index(src, name: str, path: str | os.PathLike) -> int:
    """1-based index of the band described ``name`` in an open rasterio dataset.

    Raises
    ------
    KeyError
        Naming the file, the missing band and the bands it has.
    """
    names = list(src.descriptions)
    if name not in names:
        raise KeyError(f"{path}: band {name!r} not found; the file has bands {names}")
    return names.index(name) + 1
