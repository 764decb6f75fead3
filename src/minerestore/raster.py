"""Reading any raster onto (a window of) the region grid through a GDAL warped VRT.

rasterio's :class:`~rasterio.vrt.WarpedVRT` re-projects on the fly, so files in any CRS and resolution line up
with the region grid and a window reads only the source blocks it needs.
"""

from __future__ import annotations

import os

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from .grid import Grid
from .io import band_index


def read_on_grid(
    path: str | os.PathLike,
    grid: Grid,
    band: int | str = 1,
    window: Window | None = None,
    resampling: Resampling = Resampling.bilinear,
    src_nodata: float | None = None,
    fill: float | None = None,
) -> np.ndarray:
    """Read one band of ``path`` re-projected onto ``grid`` (or a window of it).

    Parameters
    ----------
    band : int or str
        1-based band index, or a band description (name).
    resampling : rasterio Resampling
        ``bilinear`` for continuous fields, ``nearest`` for classes and bit fields, ``average`` for shares.
    src_nodata : float, optional
        Source nodata when the file does not declare one.
    fill : float, optional
        Value given to grid pixels outside the source (default: the source nodata, else 0).

    Returns
    -------
    ndarray of the window's shape (rows, cols), in the source dtype.

    Raises
    ------
    OSError
        If the file cannot be opened (names it).
    KeyError
        If a named band is missing (names the file and its bands).
    """
    window = window or Window(0, 0, grid.width, grid.height)
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise OSError(f"{path}: cannot be read as a raster ({err})") from err
    with src:
        idx = band_index(src, band, path) if isinstance(band, str) else band
        nodata = src.nodata if src.nodata is not None else src_nodata
        out_fill = fill if fill is not None else nodata
        with WarpedVRT(
            src, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
            resampling=resampling, src_nodata=nodata, nodata=out_fill,
        ) as vrt:
            return vrt.read(idx, window=window)
