"""Clouds of Sentinel-2 Level-1C acquisitions without a QA60 band, from s2cloudless (methods.md §1.3).

Level-1C products of processing baseline 04.00 and later carry no QA60 raster, and band files cut from a product
(the Virginia crop of ``../shared/data``) often come without it. Sentinel Hub's s2cloudless is the detector
Earth Engine's ``COPERNICUS/S2_CLOUD_PROBABILITY`` is made with; it ships its LightGBM model in its package, so
it runs offline. Why not our own rule: a threshold test on TOA reflectance is what s2cloudless was trained to
replace, and the package is maintained.

The probability is computed on a grid of about 60 m (the resolution of B01, B09 and B10; the grid coarsened by a
whole factor, its cells aligned on the region grid's origin, so tiles agree), the bands averaged onto it
(:data:`minerestore.sources.sensors.S2CLOUDLESS_BANDS`), then averaged over a disk of 4 cells and dilated by
a disk of 2 (the package authors' parameters for 60 m), and the mask is taken back to the grid's pixels. A
halo of cells round the window is read so the averaging and dilation see the same neighbours in every tile.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from affine import Affine
from rasterio.enums import Resampling
from rasterio.windows import Window

from minerestore.raster.grid import Grid
from minerestore.sources.sensors import S2CLOUDLESS_BANDS

#: Cell of the cloud probability, m, and the package's post-processing for it (disk radii in cells).
CELL_M, AVERAGE_OVER, DILATION = 60.0, 4, 2
#: Cloud probability above which a pixel is cloudy (the package's default).
THRESHOLD = 0.4


@functools.cache
def _detector():
    from s2cloudless import S2PixelCloudDetector

    return S2PixelCloudDetector(threshold=THRESHOLD, average_over=AVERAGE_OVER, dilation_size=DILATION)


def detector_grid(grid: Grid, window: Window) -> tuple[Grid, int, int, int]:
    """The coarse grid the probability of ``window`` is computed on: cells of ``factor`` grid pixels (``factor``
    = round(60 m / resolution), at least 1), aligned on the grid's origin, covering the window and a halo of
    ``AVERAGE_OVER + DILATION`` cells. Returns (coarse grid, factor, row and column of the window's first pixel
    in the coarse grid's pixels at the fine resolution)."""
    factor = max(1, round(CELL_M / grid.resolution))
    halo = AVERAGE_OVER + DILATION
    r0 = int(window.row_off) // factor - halo
    c0 = int(window.col_off) // factor - halo
    r1 = math.ceil((int(window.row_off) + int(window.height)) / factor) + halo
    c1 = math.ceil((int(window.col_off) + int(window.width)) / factor) + halo
    transform = grid.transform @ Affine.translation(c0 * factor, r0 * factor) @ Affine.scale(factor)
    coarse = Grid(grid.crs, transform, c1 - c0, r1 - r0)
    return coarse, factor, int(window.row_off) - r0 * factor, int(window.col_off) - c0 * factor


def cloud_mask(read_toa, grid: Grid, window: Window) -> np.ndarray:
    """Cloudy pixels of a Level-1C acquisition over ``window`` of ``grid``.

    Parameters
    ----------
    read_toa : callable(coarse_grid, natives, resampling) -> dict native -> TOA reflectance (float, NaN = no
        data) on ``coarse_grid``: reads the acquisition's bands (:func:`minerestore.sources.acquisitions.toa_bands`).
    grid, window : the region (or tile) grid and the part of it to mask.

    Returns
    -------
    ndarray of bool (window rows, cols): True where cloudy. Cells without every band are not cloudy here (the
    acquisition's no-data rule removes them).
    """
    coarse, factor, row, col = detector_grid(grid, window)
    toa = read_toa(coarse, S2CLOUDLESS_BANDS, Resampling.average)
    stack = np.stack([toa[b] for b in S2CLOUDLESS_BANDS], axis=-1).astype(np.float32)
    missing = ~np.isfinite(stack).all(axis=-1)
    stack[missing] = 0.0
    detector = _detector()
    probability = detector.get_cloud_probability_maps(stack[None])
    probability[0][missing] = 0.0
    cells = detector.get_mask_from_prob(probability)[0].astype(bool)
    fine = np.repeat(np.repeat(cells, factor, axis=0), factor, axis=1)
    return fine[row:row + int(window.height), col:col + int(window.width)]
