"""Synthetic InSAR products with truth: a LOS velocity field and a temporal coherence raster as an SBAS processor
(MintPy) would give them, on a 30 m grid.

- Active mines deform, each at 12–30 mm/yr: up (dumps) or down (pits), at random. The deformation fills the mine
  and fades over about two pixels around it. Restoring and stable mines do not move: their planted class is
  ``no_change``.
- Noise: spatially correlated, 1.5 mm/yr standard deviation. The whole field is shifted by the motion of the
  reference point, a stable pixel set to zero as MintPy does.
- Coherence: about 0.9 on open land, 0.8 over forest (some of it below 0.7), 0.2 over water, and two
  decorrelated patches of 300 m radius (0.3). These are what the workflow must not read as "no change".

Written as a MintPy-like ``velocity.h5`` (dataset ``velocity`` in m/year, with MintPy's geocoding, unit and
reference attributes), as a GeoTIFF in mm/yr (``velocity.tif``, ``units`` tag), and ``coherence.tif``; and the
displacement time series behind it as a MintPy-like ``timeseries.h5``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pyproj import CRS
from scipy import ndimage

from minerestore.raster.grid import Grid
from minerestore.raster.vector import burn
from minerestore.raster.write import write_raster
from minerestore.restoration.insar import mine_class, pixel_classes
from minerestore.sources.synthetic.spectra import FOREST, WATER


def products(mines, label: np.ndarray, classes: np.ndarray, grid: Grid, *, coarse: Grid, factor: int,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, pd.DataFrame, tuple[int, int]]:
    """Velocity (mm/yr) and coherence on ``coarse`` (``grid`` coarsened by ``factor``), the truth table and the
    reference pixel (row, col) of ``coarse``.

    The truth (mine_id, trajectory, rate_mm_yr, insar_class) is the study's rule
    (:func:`minerestore.restoration.insar.mine_class`, default thresholds) applied to the planted, noise-free
    velocity and the coherence. A restoring mine within 0.5 km of a deforming one is therefore "deforming", as
    the study attributes it.
    """
    field = np.zeros(grid.shape, np.float32)
    rates = []
    for k, mine in enumerate(mines.itertuples()):
        rate = float(rng.choice([-1.0, 1.0]) * rng.uniform(12, 30)) if mine.trajectory == "active" else 0.0
        field += rate * (label == k + 1)
        rates.append(rate)
    planted = _block_mean(field, factor)
    planted = np.maximum(np.abs(planted), np.abs(ndimage.gaussian_filter(planted, 1.0))) * np.sign(planted)
    coherence = np.clip(0.9 + 0.04 * rng.normal(size=coarse.shape), 0, 1)
    forest = _block_mean((classes == FOREST).astype(np.float32), factor) > 0.5
    coherence[forest] = np.clip(0.8 + 0.08 * rng.normal(size=int(forest.sum())), 0, 1)
    rows, cols = np.mgrid[0 : coarse.height, 0 : coarse.width]
    for r, c in rng.uniform(0, 1, (2, 2)) * coarse.shape:  # two decorrelated patches (e.g. dense canopy)
        coherence[np.hypot(rows - r, cols - c) * coarse.resolution < 300] = 0.3
    coherence[_block_mean((classes == WATER).astype(np.float32), factor) > 0.5] = 0.2
    truth_classes = pixel_classes(planted, coherence, 5.0, 0.7)
    truth = []
    for mine, rate in zip(mines.itertuples(), rates):
        inside = burn([mine.geometry.buffer(500.0)], coarse).astype(bool)
        label_k, _ = mine_class(truth_classes, inside, coarse.resolution**2, 10000.0, 0.5)
        truth.append({"mine_id": mine.mine_id, "trajectory": mine.trajectory, "rate_mm_yr": rate,
                      "insar_class": label_k})
    noise = ndimage.gaussian_filter(rng.normal(size=coarse.shape), 1.5)
    velocity = planted + 1.5 * noise / noise.std()
    stable = np.argwhere((coherence > 0.8) & (np.abs(velocity) < 2))
    ref = tuple(int(i) for i in stable[len(stable) // 2])
    velocity = (velocity - velocity[ref]).astype(np.float32)
    return velocity, coherence.astype(np.float32), pd.DataFrame(truth), ref


def _block_mean(a: np.ndarray, f: int) -> np.ndarray:
    rows, cols = -(-a.shape[0] // f) * f, -(-a.shape[1] // f) * f
    padded = np.pad(a, ((0, rows - a.shape[0]), (0, cols - a.shape[1])), mode="edge")
    return padded.reshape(rows // f, f, cols // f, f).mean(axis=(1, 3))


def write(out, velocity: np.ndarray, coherence: np.ndarray, grid: Grid, *, ref: tuple[int, int],
          years: list[int], rng: np.random.Generator) -> dict[str, str]:
    """Write ``insar/velocity.h5`` (MintPy-like), ``insar/timeseries.h5`` (MintPy-like: the displacement of every
    pixel at four dates a year, its velocity times the time since the first date plus 1 mm of noise, in m, the
    first date 0), ``insar/velocity.tif`` and ``insar/coherence.tif`` under ``out``; returns the manifest entry
    (the workflow reads the HDF5 files)."""
    import h5py

    folder = out / "insar"
    folder.mkdir(parents=True, exist_ok=True)
    write_raster(folder / "velocity.tif", velocity[None], grid.profile(1), ["velocity"], {"units": "mm/yr"})
    write_raster(folder / "coherence.tif", coherence[None], grid.profile(1), ["temporal_coherence"])
    t = grid.transform
    attrs = {"FILE_TYPE": "velocity", "UNIT": "m/year", "X_FIRST": t.c, "Y_FIRST": t.f, "X_STEP": t.a,
             "Y_STEP": t.e, "X_UNIT": "meters", "Y_UNIT": "meters", "EPSG": str(CRS.from_user_input(grid.crs).to_epsg()),
             "WIDTH": str(grid.width), "LENGTH": str(grid.height), "REF_Y": str(ref[0]), "REF_X": str(ref[1]),
             "START_DATE": f"{years[0]}0601", "END_DATE": f"{years[-1]}1231", "PROCESSOR": "minerestore synthetic"}
    with h5py.File(folder / "velocity.h5", "w") as h5:  # the scene folder is renamed into place when complete
        h5.create_dataset("velocity", data=velocity / 1000.0)
        h5.attrs.update(attrs)
    dates = [date(y, m, 15) for y in years for m in (3, 6, 9, 12)]
    t = np.array([(d - dates[0]).days / 365.25 for d in dates], np.float32)
    series = velocity[None] * t[:, None, None] + rng.normal(0, 1.0, (len(t), *velocity.shape)).astype(np.float32)
    series -= series[:, ref[0], ref[1]][:, None, None]
    series -= series[:1]
    with h5py.File(folder / "timeseries.h5", "w") as h5:
        h5.create_dataset("timeseries", data=(series / 1000.0).astype(np.float32))
        h5.create_dataset("date", data=np.array([d.strftime("%Y%m%d").encode() for d in dates]))
        h5.attrs.update({**attrs, "FILE_TYPE": "timeseries", "UNIT": "m", "START_DATE": dates[0].strftime("%Y%m%d"),
                         "END_DATE": dates[-1].strftime("%Y%m%d")})
    return {"velocity": "insar/velocity.h5", "coherence": "insar/coherence.tif", "timeseries": "insar/timeseries.h5"}
