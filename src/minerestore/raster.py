"""Reading any raster onto (a window of) the region grid through a GDAL warped VRT.

rasterio's :class:`~rasterio.vrt.WarpedVRT` re-projects on the fly, so files in any CRS and resolution line up
with the region grid and a window reads only the source blocks it needs.
"""

from __future__ import annotations

import os

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from .grid import Grid
from .io import band_index


def _aligned(src, grid: Grid) -> bool:
    """True when the source is already on the region grid (same CRS, transform and shape): no warping needed."""
    return (
        src.crs is not None
        and src.crs == CRS.from_user_input(grid.crs)
        and src.transform.almost_equals(grid.transform)
        and (src.width, src.height) == (grid.width, grid.height)
    )


def read_on_grid(
    path: str | os.PathLike,
    grid: Grid,
    bands: int | str | list = 1,
    window: Window | None = None,
    resampling: Resampling = Resampling.bilinear,
    src_nodata: float | None = None,
    fill: float | None = None,
) -> np.ndarray:
    """Read bands of ``path`` re-projected onto ``grid`` (or a window of it).

    A file already on the grid is read directly; any other goes through a warped VRT.

    Parameters
    ----------
    bands : int, str or list of them
        1-based band indexes or band descriptions (names). A single band gives a 2-D array.
    resampling : rasterio Resampling
        ``bilinear`` for continuous fields, ``nearest`` for classes and bit fields, ``average`` for shares.
    src_nodata : float, optional
        Source nodata when the file does not declare one.
    fill : float, optional
        Value given to grid pixels outside the source (default: the source nodata, else 0).

    Returns
    -------
    ndarray (rows, cols) for one band or (bands, rows, cols), in the source dtype.

    Raises
    ------
    OSError
        If the file cannot be opened (names it).
    KeyError
        If a named band is missing (names the file and its bands).
    """
    window = window or Window(0, 0, grid.width, grid.height)
    single = not isinstance(bands, list)
    wanted = [bands] if single else bands
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise OSError(f"{path}: cannot be read as a raster ({err})") from err
    with src:
        indexes = [band_index(src, b, path) if isinstance(b, str) else b for b in wanted]
        if _aligned(src, grid):
            data = src.read(indexes, window=window)
        else:
            nodata = src.nodata if src.nodata is not None else src_nodata
            out_fill = fill if fill is not None else nodata
            with WarpedVRT(
                src, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
                resampling=resampling, src_nodata=nodata, nodata=out_fill,
            ) as vrt:
                data = vrt.read(indexes, window=window)
    return data[0] if single else data
