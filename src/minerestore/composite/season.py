"""Growing-season composites: per-pixel median (or mean) reflectance and LST, NDVI median (or mean) and 90th
percentile, observation counts.

methods.md §2: per-pixel median of the clear observations of the season (robust to residual clouds and
shadows); NDVI computed per scene then the per-pixel median; the 90th percentile of per-scene NDVI feeds the
vegetation mask (methods.md §4.4). ``n_snow`` counts valid snow observations for the snow mask (methods.md §4.5).

An epoch may pool the growing seasons of several years (``composite.window_years``): the mining-cities study
(methods.md §2.1, §2.2) averages the June–September observations of three years
centred on the epoch year (the 2022 epoch: 2021–2023) with the per-pixel mean (``composite.statistic: mean``).
Where a product gives NDVI directly (MOD13A1, the study's NDVI source), the NDVI layers come from it instead of
from the reflectance.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import logging
import warnings
from collections.abc import Iterator
from datetime import date

import numpy as np
from rasterio.windows import Window

from minerestore.indices import ndvi
from minerestore.numeric import nan_percentile, nan_percentiles
from minerestore.raster.grid import Grid
from minerestore.raster.write import raster_writer
from minerestore.seasons import season_year
from minerestore.sources.acquisitions import Acquisition, read_observation, table_bands
from minerestore.sources.sensors import EXTRA_REFLECTANCE_BANDS, REFLECTANCE_BANDS, get_profile

log = logging.getLogger(__name__)

#: Band order of ``composites/{year}.tif`` (design.md, Data contracts).
COMPOSITE_BANDS = (*REFLECTANCE_BANDS, "lst", "ndvi", "ndvi_p90", "n_obs", "n_snow", *EXTRA_REFLECTANCE_BANDS)
#: Per-pixel statistics of the clear observations a composite can take.
STATISTICS = ("median", "mean")


def _reduce(stack: np.ndarray, statistic: str) -> np.ndarray:
    """Per-pixel ``statistic`` (median or mean) of a stack (n, rows, cols), ignoring NaN; NaN where all are.
    The stack may be reordered."""
    if statistic == "median":
        return nan_percentiles(stack, (50.0,), overwrite_input=True)[0]
    count = np.sum(np.isfinite(stack), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.nansum(stack, axis=0) / count).astype(np.result_type(stack.dtype, np.float32))


def composite(observations: list[dict[str, np.ndarray]], shape: tuple[int, int], percentile: float,
              statistic: str) -> dict:
    """Composite the clear observations of one season (or of the seasons of an epoch's window of years).

    Parameters
    ----------
    observations : list of dict
        From :func:`minerestore.sources.acquisitions.read_observation`: reflectance bands and optionally ``lst``
        or ``ndvi`` (float32, NaN where not clear), ``clear`` and ``snow`` (bool), all of shape ``shape``.
        Observations without reflectance bands (MODIS LST or NDVI products) contribute only what they have.
    shape : (rows, cols)
    percentile : float
        NDVI percentile layer (config ``composite.ndvi_percentile``; the study: 90, methods.md §2).
    statistic : ``median`` (methods.md §2) or ``mean`` (the mining-cities study) (config
        ``composite.statistic``).

    Returns
    -------
    dict of float32 arrays of shape ``shape`` keyed by :data:`COMPOSITE_BANDS`. Reflectance (``swir1240``: MODIS
    only), ``lst``, ``ndvi`` and ``ndvi_p90`` are NaN where no observation was clear; ``ndvi`` and ``ndvi_p90``
    come from the NDVI products' observations when there are any, else from per-scene NDVI of the reflectance;
    ``n_obs`` counts clear reflectance observations, ``n_snow`` valid snow observations (0 where none).

    Raises
    ------
    ValueError
        For an unknown ``statistic``.
    """
    if statistic not in STATISTICS:
        raise ValueError(f"composite statistic {statistic!r}: expected one of {STATISTICS}")
    out: dict[str, np.ndarray] = {}
    refl_obs = [o for o in observations if "red" in o]
    for band in (*REFLECTANCE_BANDS, *EXTRA_REFLECTANCE_BANDS, "lst"):
        layers = [o[band] for o in observations if band in o]
        out[band] = _reduce(np.stack(layers), statistic) if layers else np.full(shape, np.nan, np.float32)
    ndvi_layers = [o["ndvi"] for o in observations if "ndvi" in o] or [ndvi(o["red"], o["nir"]) for o in refl_obs]
    if ndvi_layers:
        ndvi_stack = np.stack(ndvi_layers)
        if statistic == "median":  # both from one sort
            out["ndvi"], out["ndvi_p90"] = nan_percentiles(ndvi_stack, (50.0, percentile), overwrite_input=True)
        else:
            out["ndvi_p90"] = nan_percentile(ndvi_stack, percentile)
            out["ndvi"] = _reduce(ndvi_stack, statistic)
    else:
        out["ndvi"] = np.full(shape, np.nan, np.float32)
        out["ndvi_p90"] = np.full(shape, np.nan, np.float32)
    for name, flag in (("n_obs", "clear"), ("n_snow", "snow")):
        out[name] = np.sum([o[flag] for o in refl_obs] or [np.zeros(shape, bool)], axis=0).astype(np.float32)
    return out


def composite_blocks(
    acquisitions: list[Acquisition],
    lst_acquisitions: list[Acquisition],
    grid: Grid,
    *,
    block_rows: int,
    percentile: float,
    conservative_scl: bool,
    statistic: str,
    quantities: tuple[str, ...] | None = None,
) -> Iterator[tuple[Window, dict]]:
    """Composite a season block by block over the region grid (memory bounded by ``block_rows``).

    Parameters
    ----------
    acquisitions : the season's acquisitions giving reflectance (and LST when their product has it).
    lst_acquisitions : further acquisitions contributing only LST (e.g. Landsat ST for a Sentinel-2 run).
    block_rows : rows per block (config ``composite.block_rows``).
    percentile : NDVI percentile layer (config ``composite.ndvi_percentile``).
    conservative_scl : Sentinel-2: also mask SCL classes 2 and 7 (config ``composite.scl_conservative``).
    statistic : per-pixel statistic of the observations (:func:`composite`; config ``composite.statistic``).
    quantities : read only these quantities of ``acquisitions`` (e.g. red, nir and ndvi for the NDVI layers:
        the other bands come out NaN); None = all.

    Yields
    ------
    (window, bands) with ``bands`` as returned by :func:`composite` for that window.
    """
    windows = grid.row_windows(block_rows)
    for i, window in enumerate(windows):
        shape = (int(window.height), int(window.width))
        obs = [read_observation(a, grid, window, quantities, conservative_scl=conservative_scl)
               for a in acquisitions]
        obs += [read_observation(a, grid, window, only=("lst",), conservative_scl=conservative_scl)
                for a in lst_acquisitions]
        yield window, composite(obs, shape, percentile, statistic)
        log.info("block %d/%d composited", i + 1, len(windows))


def read_ingested(path) -> list[dict]:
    """The ingested acquisitions table (``inputs/acquisitions.csv``: path, date, year, sensor, in_season, …) as one
    dict per row with ``date`` a :class:`datetime.date`, ``year`` an int and ``in_season`` a bool.

    Read with the standard library's csv module: the composite jobs are many and short, and importing pandas for
    one small table took 60 % of their start-up.

    Raises
    ------
    ValueError
        Naming the file and the columns it lacks.
    """
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = {"path", "date", "sensor", "in_season"} - set(rows[0] if rows else {})
    if rows and missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}; re-run the ingest rule")
    return [{**r, "date": date.fromisoformat(r["date"][:10]), "year": int(r["date"][:4]),
             "in_season": r["in_season"] == "True"} for r in rows]


def _records(table) -> list[dict]:
    """Rows of the ingested table given as :func:`read_ingested` records or as a DataFrame."""
    if hasattr(table, "to_dict"):
        return [{**r, "date": date.fromisoformat(str(r["date"])[:10])} for r in table.to_dict("records")]
    return list(table)


def _acquisitions(rows: list[dict], families: set[str]) -> list[Acquisition]:
    return [Acquisition(r["path"], r["date"], r["sensor"], table_bands(r.get("bands"))) for r in rows
            if get_profile(r["sensor"]).family in families]


#: What the reflectance of a product level is (the composites' ``reflectance`` tag).
REFLECTANCE_OF_LEVEL = {"L2": "surface", "L1C": "top-of-atmosphere", "L1": "top-of-atmosphere",
                        "composite": "as given"}


def reflectance_tag(acquisitions: list[Acquisition]) -> str:
    """The ``reflectance`` tag of a composite: what its acquisitions' reflectance is (``surface``,
    ``top-of-atmosphere``, both joined by ``+`` when a window mixes them, ``none`` without acquisitions)."""
    kinds = sorted({REFLECTANCE_OF_LEVEL[a.profile.level] for a in acquisitions})
    return "+".join(kinds) or "none"


def season_acquisitions(table, years: list[int], families: set[str], season: tuple[int, int]) -> list[Acquisition]:
    """The acquisitions of the growing seasons of ``years`` (the years of an epoch,
    :func:`minerestore.seasons.epoch_years`; a season that crosses the new year belongs to the year it ends in,
    :func:`minerestore.seasons.season_year`) from sensors of ``families`` (``any`` for ready composites), from the
    ingested acquisitions table (:func:`read_ingested` records, or a DataFrame with path, date, sensor).
    ``season`` is (start_month, end_month), the region's ``season``."""
    return _acquisitions([r for r in _records(table) if season_year(r["date"], *season) in years], families)


def period_acquisitions(table, start: date, end: date, families: set[str]) -> list[Acquisition]:
    """The acquisitions dated ``start`` to ``end`` (inclusive, every month: a mask period, not a growing season)
    from sensors of ``families``, from the ingested acquisitions table (as for :func:`season_acquisitions`)."""
    return _acquisitions([r for r in _records(table) if start <= r["date"] <= end], families)


#: Band order of the mask-period composites (``masks/period/{period}.vrt``).
PERIOD_BANDS = ("ndvi_p90", "n_obs", "n_snow")


def write_period_composites(paths: dict[str, str], grid: Grid, periods: dict[str, list[list[Acquisition]]],
                            tags: dict[str, dict], *, block_rows: int, percentile: float,
                            conservative_scl: bool) -> None:
    """Mask-period composites of one or more periods (the vegetation and the snow period; methods.md §4.3),
    block by block, each written under a temporary name and renamed when complete.

    Bands :data:`PERIOD_BANDS`: ``ndvi_p90`` is the NDVI percentile of every clear scene of a window (all months),
    the lowest over the period's windows that observed the pixel (NaN where none did), so a pixel counts as
    vegetated only when it was vegetated in every window; ``n_obs`` and ``n_snow`` are the clear and snow
    observations of the reflectance products summed over all windows. Only the quantities NDVI needs (red and NIR,
    or a product's NDVI) are read: a clear observation is one whose quality flags and red and NIR values are
    valid; an acquisition fetched for the snow period alone (its quality bands, ``Acquisition.bands``) adds its
    quality flags' clear and snow observations to the counts and nothing to the NDVI. An acquisition in
    several periods is read once per block (by default both periods hold every scene of the analysis years), so a
    block holds the observations of every scene of the periods at once: by default those the snow period alone
    needs, more when ``masks.vegetation_dates`` reaches outside the snow years.

    Parameters
    ----------
    paths : period -> output GeoTIFF; periods : period -> list of date windows, each a list of acquisitions (an
        empty list adds nothing); tags : period -> dataset metadata.
    block_rows, percentile, conservative_scl : config ``composite.block_rows``, ``composite.ndvi_percentile`` and
        ``composite.scl_conservative`` (:func:`composite_blocks`). The windows are composited with the median
        statistic whatever ``composite.statistic`` (only their NDVI percentile and counts are kept).
    """
    ndvi_inputs = ("red", "nir", "ndvi")  # the periods need NDVI and the counts, not the other bands
    periods = {name: [[a for a in w if set(ndvi_inputs) & set(a.profile.bands)] for w in windows]
               for name, windows in periods.items()}
    with contextlib.ExitStack() as stack:
        outputs = {name: stack.enter_context(raster_writer(paths[name], grid.profile(len(PERIOD_BANDS)),
                                                           list(PERIOD_BANDS), tags[name])) for name in periods}
        for window in grid.row_windows(block_rows):
            shape = (int(window.height), int(window.width))
            # one read per acquisition and block, whichever periods hold it
            read = functools.cache(lambda a, w=window: read_observation(a, grid, w, ndvi_inputs,
                                                                        conservative_scl=conservative_scl))
            for name, windows in periods.items():
                blocks = [composite([read(a) for a in w], shape, percentile, "median") for w in windows]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # pixels no window observed stay NaN
                    lowest = np.nanmin(np.stack([b["ndvi_p90"] for b in blocks]), axis=0)
                reflectance = [read(a) for w in windows for a in w if "red" in a.profile.bands]
                counts = [np.sum([o[flag] for o in reflectance] or [np.zeros(shape, bool)], axis=0)
                          for flag in ("clear", "snow")]
                outputs[name].write(np.stack([lowest, *counts]).astype(np.float32), window=window)


def write_composite(path, grid: Grid, acquisitions: list[Acquisition], lst_acquisitions: list[Acquisition],
                    tags: dict, *, block_rows: int, percentile: float, conservative_scl: bool,
                    statistic: str) -> float:
    """Composite acquisitions block by block (:func:`composite_blocks`, whose parameters ``block_rows``,
    ``percentile``, ``conservative_scl`` and ``statistic`` are config values) into a GeoTIFF of
    :data:`COMPOSITE_BANDS` on ``grid``, written under a temporary name and renamed when complete.

    Returns
    -------
    float: the number of clear observations summed over the grid (0: nothing was observed).
    """
    n_obs = 0.0
    with raster_writer(path, grid.profile(len(COMPOSITE_BANDS)), list(COMPOSITE_BANDS), tags) as dst:
        for window, bands in composite_blocks(acquisitions, lst_acquisitions, grid, block_rows=block_rows,
                                              percentile=percentile, conservative_scl=conservative_scl,
                                              statistic=statistic):
            for i, name in enumerate(COMPOSITE_BANDS, start=1):
                dst.write(bands[name], i, window=window)
            n_obs += float(bands["n_obs"].sum())
    return n_obs
