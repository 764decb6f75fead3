"""Mine activity from InSAR deformation (methods.md §7; the DeepLabV3+ / OBIA / InSAR study).

The study measures SBAS-InSAR line-of-sight (LOS) velocity from Sentinel-1 and attributes any deformation within
0.5 km of a mine to that mine. A pixel is stable within ±5 mm/yr, positive above +5 mm/yr and negative below
−5 mm/yr. Each mine is then positive, negative, decorrelated or without significant change, and the result is
checked against the optical trend.

Interferometric processing (SLC → interferograms → SBAS inversion) is left to dedicated tools (ISCE2 / MintPy,
LiCSBAS, SNAP). This module reads their products: a GeoTIFF of velocity, or a MintPy ``velocity.h5`` /
``timeseries.h5`` read with its attributes through h5py (no maintained reader puts MintPy's geocoded HDF5 on a
raster grid). It classifies the pixels, then the mines.

The mine rule (config ``insar``):

- a mine **deforms** when its buffer (the mine and ``buffer_km`` around it) holds a connected patch of at least
  ``min_patch_m2`` of positive (or negative) coherent pixels. The sign is that of the larger deforming area.
  Isolated pixels beyond the threshold are left out: they are what noise gives, not a deforming mine.
- otherwise it is **decorrelated** when fewer than ``min_coherent_share`` of its buffer pixels are coherent
  (coherence >= ``min_coherence`` and a finite velocity). It is never "no change" for lack of data.
- otherwise it is **no_change**.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.io import MemoryFile
from scipy import ndimage

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_float
from minerestore.raster.tiles import polygon_windows, tile_grid
from minerestore.raster.vector import burn

log = logging.getLogger(__name__)

#: Pixel classes of a velocity raster.
STABLE, POSITIVE, NEGATIVE, DECORRELATED = 0, 1, 2, 3
#: Mine classes.
MINE_CLASSES = ("positive", "negative", "decorrelated", "no_change")
#: Velocity units and their factor to mm/yr.
TO_MM_YR = {"mm/yr": 1.0, "m/yr": 1000.0}
_UNIT_NAMES = {"m/year": "m/yr", "m/yr": "m/yr", "m": "m/yr", "mm/year": "mm/yr", "mm/yr": "mm/yr", "mm": "mm/yr"}


@contextlib.contextmanager
def velocity_raster(path: str | os.PathLike, units: str, dataset: str | None) -> Iterator[tuple[str, float]]:
    """Open a velocity product as a raster rasterio can warp, and its factor to mm/yr.

    Parameters
    ----------
    path : a GeoTIFF (any CRS), or a MintPy HDF5 file (``.h5``): ``velocity.h5`` (dataset ``velocity``, m/year)
        or ``timeseries.h5`` (dataset ``timeseries`` of shape (dates, rows, cols) in m, dates in ``date``; the
        rate is the least-squares slope over the dates). Geocoded MintPy files carry ``X_FIRST``, ``Y_FIRST``,
        ``X_STEP``, ``Y_STEP`` and ``EPSG``. When ``REF_Y`` / ``REF_X`` are given, the reference pixel is set to
        zero (a no-op for a product that was referenced already).
    units : ``auto`` (MintPy's ``UNIT`` attribute, or a GeoTIFF ``units`` tag, else mm/yr), ``mm/yr`` or ``m/yr``
        (config ``insar.units``).
    dataset : HDF5 dataset to read; None = ``velocity``, else ``timeseries`` (config ``insar.dataset``).

    Yields
    ------
    (raster path, factor): the path of the GeoTIFF itself, or of an in-memory GeoTIFF for HDF5. Multiply its
    values by ``factor`` to get mm/yr.

    Raises
    ------
    KeyError
        An HDF5 file without the dataset (names the file and lists the datasets it has).
    ValueError
        A product without a CRS or geocoding, or units that cannot be read (names the file).
    """
    path = str(path)
    if not path.endswith((".h5", ".he5", ".hdf5")):
        with rasterio.open(path) as src:
            if src.crs is None:
                raise ValueError(f"{path}: the velocity raster has no CRS; assign one and rerun")
            tagged = src.tags(1).get("units") or src.tags().get("units")
        yield path, TO_MM_YR[_units(units, tagged, path)]
        return
    array, profile, unit = _read_mintpy(path, dataset)
    with MemoryFile() as memfile:
        with memfile.open(**profile) as dst:
            dst.write(array, 1)
        yield memfile.name, TO_MM_YR[_units(units, unit, path)]


def _units(declared: str, found: str | None, path: str) -> str:
    if declared != "auto":
        return declared
    if found is None:
        return "mm/yr"
    if found.strip().lower() not in _UNIT_NAMES:
        raise ValueError(f"{path}: velocity units {found!r} not understood; set insar.units to mm/yr or m/yr")
    return _UNIT_NAMES[found.strip().lower()]


def _read_mintpy(path: str, dataset: str | None) -> tuple[np.ndarray, dict, str | None]:
    """A MintPy HDF5 rate (float32, rows x cols), its GeoTIFF profile and unit (per year)."""
    import h5py

    with h5py.File(path, "r") as h5:
        names = list(h5.keys())
        name = dataset or next((n for n in ("velocity", "timeseries") if n in h5), None)
        if name is None or name not in h5:
            raise KeyError(f"{path}: no dataset {dataset or 'velocity or timeseries'!r}; the file has {names}; "
                           "set insar.dataset")
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h5.attrs.items()}
        data = h5[name][()]
        if data.ndim == 3:
            dates = [datetime.strptime(d.decode() if isinstance(d, bytes) else str(d), "%Y%m%d") for d in h5["date"][()]]
            data = _rate(data, dates)
            unit = str(attrs.get("UNIT", "m")).split("/")[0] + "/year"
        else:
            unit = attrs.get("UNIT")
    missing = [k for k in ("X_FIRST", "Y_FIRST", "X_STEP", "Y_STEP", "EPSG") if k not in attrs]
    if missing:
        raise ValueError(f"{path}: not geocoded (attributes {missing} missing); geocode it first (mintpy geocode)")
    data = data.astype(np.float32)
    if "REF_Y" in attrs and "REF_X" in attrs:
        ref = data[int(attrs["REF_Y"]), int(attrs["REF_X"])]
        if np.isfinite(ref):
            data = data - ref
    transform = rasterio.Affine(float(attrs["X_STEP"]), 0, float(attrs["X_FIRST"]), 0, float(attrs["Y_STEP"]),
                                float(attrs["Y_FIRST"]))
    profile = {"driver": "GTiff", "width": data.shape[1], "height": data.shape[0], "count": 1, "dtype": "float32",
               "crs": f"EPSG:{int(attrs['EPSG'])}", "transform": transform, "nodata": np.nan}
    return data, profile, unit


def _rate(series: np.ndarray, dates: list[datetime]) -> np.ndarray:
    """Least-squares slope per pixel of a displacement series (dates, rows, cols), per year."""
    t = np.array([(d - dates[0]).days / 365.25 for d in dates])
    design = np.column_stack([t, np.ones_like(t)])
    flat = series.reshape(len(t), -1)
    slope = np.linalg.lstsq(design, np.nan_to_num(flat), rcond=None)[0][0]
    slope[~np.isfinite(flat).all(axis=0)] = np.nan
    return slope.reshape(series.shape[1:])


def check_velocity(v_mm_yr: np.ndarray, path: str, threshold: float) -> None:
    """Log a warning when a velocity in mm/yr looks like m/yr (99 % of |v| below 1/100 of the threshold); raise
    when it has no value on the region.

    Raises
    ------
    ValueError
        Naming the file when no pixel of the region has a velocity (the raster misses the region, or is empty).
    """
    finite = v_mm_yr[np.isfinite(v_mm_yr)]
    if finite.size == 0:
        raise ValueError(f"{path}: the velocity raster has no value on the region grid (it does not overlap the "
                         "region, or is all no data); check its extent and CRS")
    if np.percentile(np.abs(finite), 99) < threshold / 100:
        log.warning("%s: 99 %% of velocities are below %.3g mm/yr: the values look like m/yr read as mm/yr; set "
                    "insar.units: m/yr if so", path, threshold / 100)


def pixel_classes(velocity: np.ndarray, coherence: np.ndarray | None, threshold: float,
                  min_coherence: float) -> np.ndarray:
    """Class of every pixel: STABLE within ±``threshold`` mm/yr, POSITIVE above, NEGATIVE below, DECORRELATED
    where the velocity is NaN or the coherence is below ``min_coherence`` (uint8, the shape of ``velocity``)."""
    out = np.full(velocity.shape, STABLE, np.uint8)
    out[velocity > threshold] = POSITIVE
    out[velocity < -threshold] = NEGATIVE
    bad = ~np.isfinite(velocity)
    if coherence is not None:
        bad |= ~(coherence >= min_coherence)
    out[bad] = DECORRELATED
    return out


_COUNTED = ("stable", "positive", "negative", "decorrelated")
#: The columns of :func:`mine_activity`'s table.
ACTIVITY_COLUMNS = ["mine_id", "insar_class", "n_pixels", *(f"n_{k}" for k in _COUNTED),
                    *(f"share_{k}" for k in _COUNTED), "largest_positive_m2", "largest_negative_m2",
                    "velocity_median", "velocity_p05", "velocity_p95"]


def mine_class(classes: np.ndarray, inside: np.ndarray, pixel_m2: float, min_patch_m2: float,
               min_coherent_share: float) -> tuple[str, dict]:
    """The class of one mine from the pixel classes of its window and its buffer mask (same shape); with the
    counts and shares of the buffer's pixels, and the largest positive / negative patch (m²)."""
    n = int(inside.sum())
    counts = {name: int(((classes == code) & inside).sum()) for name, code in
              zip(_COUNTED, (STABLE, POSITIVE, NEGATIVE, DECORRELATED))}
    patch = {}
    for name, code in (("positive", POSITIVE), ("negative", NEGATIVE)):
        labels, _ = ndimage.label((classes == code) & inside, structure=np.ones((3, 3)))
        patch[name] = float(np.bincount(labels.ravel())[1:].max(initial=0)) * pixel_m2
    coherent = n - counts["decorrelated"]
    if max(patch.values()) >= max(min_patch_m2, pixel_m2):
        label = max(patch, key=patch.get)
    elif n == 0 or coherent / n < min_coherent_share:
        label = "decorrelated"
    else:
        label = "no_change"
    stats = {"n_pixels": n, **{f"n_{k}": v for k, v in counts.items()},
             **{f"share_{k}": (v / n if n else np.nan) for k, v in counts.items()},
             "largest_positive_m2": patch["positive"], "largest_negative_m2": patch["negative"]}
    return label, stats


def mine_activity(mines: gpd.GeoDataFrame, grid: Grid, velocity_path: str, factor: float, *,
                  coherence_path: str | None, incidence_path: str | None, options: dict, tile_px: int,
                  source: str | None = None) -> pd.DataFrame:
    """InSAR class of every mine (one row per mine, in the order of ``mines``).

    The buffers are read a group at a time, on the window of the grid they share
    (:func:`minerestore.raster.tiles.polygon_windows`), with the products warped on the fly: memory is bounded
    by the tile, not by the region.

    Parameters
    ----------
    mines : GeoDataFrame with ``mine_id`` in the grid CRS.
    velocity_path, factor : from :func:`velocity_raster` (values x factor = mm/yr).
    source : the user's velocity file, named in messages (``velocity_path`` is an in-memory raster for HDF5
        products); default ``velocity_path``.
    coherence_path, incidence_path : optional rasters (coherence 0–1; incidence angle in degrees, to turn LOS
        velocity into vertical: v / cos θ).
    options : the ``insar`` config section (buffer_km, threshold_mm_yr, min_coherence, min_coherent_share,
        min_patch_m2).
    tile_px : side of the windows the buffers are read in, px (config ``tiles.size_px``).

    Returns
    -------
    DataFrame: mine_id, insar_class, n_pixels, n_/share_ stable, positive, negative, decorrelated,
    largest_positive_m2, largest_negative_m2, velocity_median, velocity_p05, velocity_p95 (mm/yr, coherent
    pixels of the buffer). A mine whose buffer misses the grid is decorrelated with n_pixels 0.

    Raises
    ------
    ValueError
        From :func:`check_velocity` when the velocity raster has no value on the region.
    """
    check_velocity(read_float(velocity_path, grid.coarsened()) * factor, source or velocity_path,
                   options["threshold_mm_yr"])
    zones = gpd.GeoDataFrame({"mine_id": mines["mine_id"].to_numpy()},
                             geometry=mines.geometry.buffer(options["buffer_km"] * 1000.0).to_numpy(), crs=mines.crs)
    rows = {}
    for members, window in polygon_windows(zones, grid, tile_px):
        sub = tile_grid(grid, window)
        v = read_float(velocity_path, sub) * factor
        if incidence_path:
            v = v / np.cos(np.deg2rad(read_float(incidence_path, sub)))
        coh = read_float(coherence_path, sub) if coherence_path else None
        classes = pixel_classes(v, coh, options["threshold_mm_yr"], options["min_coherence"])
        for i in members:
            inside = burn([zones.geometry.iloc[i]], sub).astype(bool)
            label, stats = mine_class(classes, inside, sub.resolution**2, options["min_patch_m2"],
                                      options["min_coherent_share"])
            coherent = v[inside & (classes != DECORRELATED)]
            p05, p50, p95 = np.percentile(coherent, [5, 50, 95]) if coherent.size else (np.nan,) * 3
            rows[i] = {"insar_class": label, **stats, "velocity_median": p50, "velocity_p05": p05,
                       "velocity_p95": p95}
    empty = {"insar_class": "decorrelated", "n_pixels": 0}
    return pd.DataFrame([{"mine_id": m, **rows.get(i, empty)} for i, m in enumerate(zones["mine_id"])],
                        columns=ACTIVITY_COLUMNS)  # the columns also when there is no mine


def cross_table(activity: pd.DataFrame, mann_kendall: pd.DataFrame) -> pd.DataFrame:
    """Mines per InSAR class x Mann–Kendall status (rows: InSAR classes; columns: statuses), with totals."""
    joined = activity[["mine_id", "insar_class"]].merge(mann_kendall[["mine_id", "status"]], on="mine_id", how="left")
    table = pd.crosstab(joined["insar_class"], joined["status"].fillna("no_status"), margins=True,
                        margins_name="total")
    return table.reindex([*[c for c in MINE_CLASSES if c in table.index], "total"]).rename_axis(index="insar_class")


def disagreement(insar_class: pd.Series, status: pd.Series) -> pd.Series:
    """True where the optical trend and the deformation tell different stories, for the user to inspect:
    a mine restoring by its BSP (``abandoned``) that deforms, or an ``active`` mine with no deformation."""
    deforming = insar_class.isin(["positive", "negative"])
    return (status.eq("abandoned") & deforming) | (status.eq("active") & insar_class.eq("no_change"))


def displacement_series(mines: gpd.GeoDataFrame, path: str | os.PathLike, *, units: str) -> pd.DataFrame:
    """Cumulative displacement per date of each mine from a MintPy ``timeseries.h5`` (the DeepLabV3 / OBIA /
    SBAS-InSAR study's Fig. 10): the mean over the mine's pixels (every pixel the polygon touches, so a mine
    smaller than a pixel has one) of each date's displacement, relative to the reference pixel (``REF_Y`` /
    ``REF_X``) and to the first date. The mine itself, not its buffer: the buffer's stable ground would dilute the
    mine's motion.

    Each mine is read alone (an h5py slice of its window at every date), so memory is one window of the series,
    not the file.

    Parameters
    ----------
    mines : GeoDataFrame with ``mine_id`` (projected CRS, metres).
    path : a geocoded MintPy ``timeseries.h5`` (dataset ``timeseries`` (dates, rows, cols), ``date`` as
        YYYYMMDD, ``X_FIRST`` … ``EPSG``, ``UNIT`` m by default).
    units : config ``insar.units`` (``auto`` reads ``UNIT``; m/yr or mm/yr name the displacement's metres or
        millimetres).

    Returns
    -------
    DataFrame mine_id, date (ISO), displacement_mm, n_pixels (the mine's pixels with a value at every date).

    Raises
    ------
    ValueError
        Naming the file: not geocoded, or no mine reaches a pixel of it with values (the series is off the
        region: check its extent and CRS).
    KeyError
        Naming the file when it has no ``timeseries`` or ``date`` dataset.
    """
    import h5py
    from rasterio.features import rasterize
    from rasterio.windows import Window, from_bounds

    path = str(path)
    with h5py.File(path, "r") as h5:
        missing = [k for k in ("timeseries", "date") if k not in h5]
        if missing:
            raise KeyError(f"{path}: no {missing} dataset; the file has {list(h5.keys())} (a MintPy timeseries.h5 "
                           "is needed for the displacement time series)")
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in h5.attrs.items()}
        absent = [k for k in ("X_FIRST", "Y_FIRST", "X_STEP", "Y_STEP", "EPSG") if k not in attrs]
        if absent:
            raise ValueError(f"{path}: not geocoded (attributes {absent} missing); geocode it first (mintpy geocode)")
        dates = [datetime.strptime(d.decode() if isinstance(d, bytes) else str(d), "%Y%m%d").date().isoformat()
                 for d in h5["date"][()]]
        data = h5["timeseries"]
        n_dates, height, width = data.shape
        transform = rasterio.Affine(float(attrs["X_STEP"]), 0, float(attrs["X_FIRST"]), 0, float(attrs["Y_STEP"]),
                                    float(attrs["Y_FIRST"]))
        factor = TO_MM_YR[_units(units, attrs.get("UNIT", "m"), path)]
        ref = data[:, int(attrs["REF_Y"]), int(attrs["REF_X"])] if "REF_Y" in attrs and "REF_X" in attrs else 0.0
        shapes = mines.geometry.to_crs(f"EPSG:{int(attrs['EPSG'])}")
        rows, missed = [], []
        for mine_id, geom in zip(mines["mine_id"], shapes):
            window = from_bounds(*geom.bounds, transform).round_offsets().round_lengths()
            window = window.intersection(Window(0, 0, width, height)) if _overlaps(window, width, height) else None
            if window is None or window.width < 1 or window.height < 1:
                missed.append(mine_id)
                continue
            (r0, r1), (c0, c1) = ((int(a), int(b)) for a, b in window.toranges())
            inside = rasterize([(geom, 1)], out_shape=(r1 - r0, c1 - c0), all_touched=True,
                               transform=rasterio.windows.transform(window, transform)).astype(bool)
            block = data[:, r0:r1, c0:c1].astype(np.float64) - np.reshape(ref, (-1, 1, 1))
            valid = inside & np.isfinite(block).all(axis=0)
            if not valid.any():
                missed.append(mine_id)
                continue
            mean = block[:, valid].mean(axis=1)
            rows += [{"mine_id": mine_id, "date": d, "displacement_mm": (m - mean[0]) * factor,
                      "n_pixels": int(valid.sum())} for d, m in zip(dates, mean)]
    if not rows and len(mines):
        raise ValueError(f"{path}: no mine reaches a pixel of the time series with values (it covers "
                         f"{n_dates} dates on {width} x {height} pixels in EPSG:{attrs['EPSG']} from "
                         f"({transform.c:g}, {transform.f:g})): it is off the region, or no data there; check its extent and CRS")
    if missed:
        log.warning("%s: mines %s have no pixel with a value at every date (outside the series, or no data): no "
                    "displacement series for them", path, missed)
    return pd.DataFrame(rows, columns=["mine_id", "date", "displacement_mm", "n_pixels"])


def _overlaps(window, width: int, height: int) -> bool:
    """Whether a window (pixel offsets) overlaps a width x height raster."""
    return (window.col_off < width and window.row_off < height and window.col_off + window.width > 0
            and window.row_off + window.height > 0)


def chosen_mines(activity: pd.DataFrame, requested: list[str], count: int) -> list[str]:
    """The mines whose displacement series are drawn: ``requested`` (config ``insar.timeseries_mines``) when
    given, else up to ``count`` deforming mines (positive or negative) by the largest |median velocity|, then
    the others by the same order.

    Raises
    ------
    KeyError
        Naming the requested mine ids that are not mines of the region.
    """
    if requested:
        unknown = sorted(set(requested) - set(activity["mine_id"]))
        if unknown:
            raise KeyError(f"insar.timeseries_mines: {unknown} are not mines of the region (mines/mines.gpkg)")
        return list(requested)
    order = activity.assign(deforming=activity["insar_class"].isin(["positive", "negative"]),
                            speed=activity["velocity_median"].abs().fillna(-1))
    order = order.sort_values(["deforming", "speed"], ascending=False, kind="stable")
    return order["mine_id"].head(count).tolist()
