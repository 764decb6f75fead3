"""Ingestion: turn a region's input description (a ``source: local`` region of the config, or the manifest the
synthetic generator writes) into the inputs contract every later stage reads:

- ``acquisitions.csv``: acquisition_id, path (absolute), date, year, month, sensor, in_season;
- ``sources.yaml``: absolute paths of the other inputs (dem, landcover, water_history, rivers, aoi, subregions,
  reference_mines, drivers, truth).

Every acquisition is opened and checked here (bands present, readable, plausible scale), so a bad file stops
the run before any composite is computed, with a message naming the file.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import rasterio
from rasterio.warp import transform_bounds
from shapely.geometry import box

from minerestore.raster.grid import Grid
from minerestore.seasons import epoch_years, in_season, season_year
from minerestore.sources.acquisitions import (
    Acquisition,
    check_acquisition,
    data_share,
    open_band_file,
    read_table,
    to_table,
)
from minerestore.sources.contract import RASTER_CONTRACTS, SOURCE_GROUPS, SOURCE_KEYS, check_raster_values

log = logging.getLogger(__name__)


def _abs(path: str, base: Path) -> str:
    p = Path(os.path.expanduser(path))
    return str(p if p.is_absolute() else (base / p).resolve())


def footprint(acq: Acquisition, crs: str) -> tuple[float, float, float, float]:
    """Bounds of an acquisition's first band in ``crs`` (xmin, ymin, xmax, ymax).

    Raises
    ------
    OSError, ValueError
        From :func:`minerestore.sources.acquisitions.open_band_file` (unreadable file, no CRS).
    """
    with open_band_file(acq, acq.native_bands()[0]) as src:
        return transform_bounds(src.crs, crs, *src.bounds)


def acquisitions_bounds(acquisitions: list[Acquisition], crs: str,
                        study_bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Extent of a local region's grid without ``bounds``: the union of the acquisitions' footprints, cut to the
    extent of the study area (``study_bounds``), so an acquisition far from the others cannot grow the grid.
    Each acquisition that misses the study area is logged as a warning naming its file (ingest leaves it out).

    Raises
    ------
    ValueError
        From :func:`footprints_meeting` (no acquisition meets the study area) or :func:`footprint`.
    """
    boxes, meets = footprints_meeting(acquisitions, crs, study_bounds)
    for acq, m in zip(acquisitions, meets):
        if not m:
            log.warning("%s (%s of %s) does not meet the study area %s; it is left out", acq.path, acq.sensor,
                        acq.date, tuple(round(v) for v in study_bounds))
    xmin, ymin, xmax, ymax = _union([b for b, m in zip(boxes, meets) if m])
    return (max(xmin, study_bounds[0]), max(ymin, study_bounds[1]), min(xmax, study_bounds[2]),
            min(ymax, study_bounds[3]))


def footprints_meeting(acquisitions: list[Acquisition], crs: str, study_bounds: tuple[float, float, float, float]):
    """The acquisitions' footprints in ``crs`` and whether each meets ``study_bounds`` (lists in their order).

    Raises
    ------
    ValueError
        When none meets it, naming the study area's extent and the acquisitions'.
    """
    boxes = [footprint(acq, crs) for acq in acquisitions]
    study = box(*study_bounds)
    meets = [box(*b).intersection(study).area > 0 for b in boxes]
    if not any(meets):
        raise ValueError(f"no acquisition meets the study area {_rounded(study_bounds)} (CRS {crs}); the acquisitions "
                         f"cover {_rounded(_union(boxes))}; check the rivers / aoi and the acquisitions' CRS")
    return boxes, meets


def _rounded(bounds) -> tuple:
    """Bounds as whole metres in plain numbers (numpy's own repr says np.float64(...) in messages)."""
    return tuple(round(float(v)) for v in bounds)


def _union(boxes):
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def refuse_repeated_scenes(acquisitions: list[Acquisition], crs: str, table_path: str) -> None:
    """Two acquisitions of the same date and sensor whose footprints overlap by more than half of the smaller are
    the same scene listed twice (counted twice in every median); adjacent tiles of one date are fine.

    Raises
    ------
    ValueError
        Naming the table, the date, the sensor and the two files.
    """
    by_key: dict = {}
    for acq in acquisitions:
        by_key.setdefault((acq.date, acq.sensor), []).append(acq)
    for (when, sensor), group in by_key.items():
        boxes = [box(*footprint(a, crs)) for a in group]
        for i in range(len(group)):
            for j in range(i + 1, len(group)):
                if boxes[i].intersection(boxes[j]).area > 0.5 * min(boxes[i].area, boxes[j].area):
                    raise ValueError(f"{table_path}: {group[i].path} and {group[j].path} are both {sensor} of {when} "
                                     "over the same area: the scene is listed twice; remove one row")


def refuse_mixed_levels(acquisitions: list[Acquisition], table_path: str) -> None:
    """Level-1C (top-of-atmosphere) and Level-2A (surface) reflectance of the same date would meet in one
    composite's median, as if one scene were two observations on different scales.

    Raises
    ------
    ValueError
        Naming the table, the date and a file of each level.
    """
    by_date: dict = {}
    for acq in acquisitions:
        if acq.profile.family == "sentinel2":
            by_date.setdefault(acq.date, {}).setdefault(acq.profile.level, acq)
    for when, levels in sorted(by_date.items()):
        if len(levels) > 1:
            l1c, l2a = levels["L1C"], levels["L2"]
            raise ValueError(f"{table_path}: {l1c.path} ({l1c.sensor}) and {l2a.path} ({l2a.sensor}) are Level-1C and "
                             f"Level-2A of {when}: one composite cannot mix top-of-atmosphere and surface reflectance "
                             "of one date; keep one level per date")


def on_grid(acquisitions: list[Acquisition], grid: Grid) -> list[Acquisition]:
    """The acquisitions with data on the region grid; each other one (outside the grid, or all no data over it) is
    logged as a warning naming its file and left out, so it is not counted in a composite's ``n_acquisitions``.
    Data are looked for on :meth:`Grid.coarsened` (at most 256 px a side)."""
    kept, extent, coarse = [], box(*grid.bounds), grid.coarsened()
    for acq in acquisitions:
        if box(*footprint(acq, grid.crs)).intersection(extent).area > 0 and data_share(acq, coarse) > 0:
            kept.append(acq)
        else:
            log.warning("%s (%s of %s) has no data on the region grid (outside it, or all no data); it is left out",
                        acq.path, acq.sensor, acq.date)
    return kept


def epoch_data_years(table_path: str | os.PathLike, years: list[int], window_years: int, season: tuple[int, int],
                     families: set[str]) -> dict[int, list[int]]:
    """The season years (:func:`minerestore.seasons.season_year`) with an acquisition of ``families`` in the
    acquisitions table within each analysis year's epoch (:func:`minerestore.seasons.epoch_years`): what each
    year's composite is made of ([] for a year that would give an empty composite).

    Raises
    ------
    ValueError, KeyError
        From :func:`minerestore.sources.acquisitions.read_table` (naming the table and the row).
    """

    covered = {season_year(a.date, *season) for a in read_table(table_path) if a.profile.family in families}
    return {y: sorted(covered & set(epoch_years(y, window_years))) for y in years}


def years_without_acquisitions(table_path: str | os.PathLike, years: list[int], window_years: int,
                               season: tuple[int, int], families: set[str]) -> list[int]:
    """The analysis years none of whose epoch's growing seasons has an acquisition of ``families`` in the
    acquisitions table (:func:`epoch_data_years`): years that would give an empty composite, so the config check
    refuses them when the workflow is planned."""
    return [y for y, have in epoch_data_years(table_path, years, window_years, season, families).items() if not have]


def local_files(spec: dict, base: str | os.PathLike) -> list[str]:
    """Every file a local region reads, as absolute paths, so Snakemake reruns ingest (and all that depends on it)
    when one changes: the acquisitions table, each band file of every acquisition it lists (a ``{band}`` pattern
    expanded to the sensor's native bands, and the MTL of Level-1 scenes), and the other inputs of ``spec``
    (static rasters, vectors, drivers, mine products).

    Raises
    ------
    ValueError, KeyError
        From :func:`minerestore.sources.acquisitions.read_table` for a bad table (naming it and the row).
    """
    base = Path(base)
    table = _abs(spec["acquisitions"], base)
    files = [table]
    for acq in read_table(table):
        files += sorted({acq.band_file(native)[0] for native in acq.native_bands()})
        if acq.profile.level == "L1":
            files.append(acq.mtl_path())
    files += [_abs(spec[k], base) for k in SOURCE_KEYS if spec.get(k)]
    for group in SOURCE_GROUPS:
        files += [_abs(v, base) for v in (spec.get(group) or {}).values()]
    return list(dict.fromkeys(files))


#: Static rasters checked for CRS and coverage of the region (drivers are checked by the drivers stage).
STATIC_RASTERS = ("dem", "landcover", "water_history", "water_occurrence", "lst")


def check_static(path: str, key: str, grid: Grid, min_coverage: float = 0.9) -> float:
    """Check that a static raster has a CRS and values over the region grid; returns the share of the grid with
    a value (first band, read on a grid of at most 256 px a side).

    Raises
    ------
    ValueError
        Naming the key and the file when the raster has no CRS, breaks its contract (units, range, codes, fill
        values stored as data: :func:`minerestore.sources.contract.check_raster_values`) or has no value anywhere
        on the region (outside it, or all no data). A share below ``min_coverage`` is logged as a warning.
    """
    from minerestore.raster.read import read_float, sample_values

    with rasterio.open(path) as src:
        if src.crs is None:
            raise ValueError(f"{key} {path}: the raster has no CRS; assign one (e.g. gdal_edit.py -a_srs) and rerun")
    check_raster_values(*sample_values(path, grid), RASTER_CONTRACTS[key], f"{key} {path}")
    share = float(np.isfinite(read_float(path, grid.coarsened())).mean())
    if share == 0:
        raise ValueError(f"{key} {path}: no value on the region grid (outside it, or all no data); check its extent "
                         "and CRS")
    if share < min_coverage:
        log.warning("%s %s covers %.0f %% of the region grid; pixels outside it have no %s", key, path, 100 * share,
                    key)
    return share


def ingest(spec: dict, base: str | os.PathLike, grid: Grid, season: tuple[int, int], years: tuple[int, int]):
    """Check a region's inputs and build its acquisitions table and sources, for the planned region grid.

    Parameters
    ----------
    spec : dict
        Keys ``acquisitions`` (CSV path), optional ``dem``, ``landcover``, ``water_history``, ``rivers``, ``aoi``,
        ``subregions``, ``reference_mines``, ``drivers`` (name -> path), ``truth``.
    base : path
        Folder that relative paths in ``spec`` are relative to.
    grid : the region grid planned from the config (:func:`minerestore.sources.plan.planned_grid`).
    season : (start_month, end_month); years : (first, last) years of the growing seasons to keep (a season
        that crosses the new year belongs to the year it ends in, :func:`minerestore.seasons.season_year`).

    Returns
    -------
    table : pandas.DataFrame (see module docstring)
    sources : dict of absolute paths

    Raises
    ------
    ValueError
        When no acquisition falls in the season of the analysis years (names the table and the dates it has),
        or an acquisition has the wrong scale; ``OSError`` / ``KeyError`` for unreadable files or missing bands.
    """
    base = Path(base)
    table_path = _abs(spec["acquisitions"], base)
    acquisitions = read_table(table_path)
    for acq in acquisitions:
        check_acquisition(acq)
    refuse_repeated_scenes(acquisitions, grid.crs, table_path)
    refuse_mixed_levels(acquisitions, table_path)
    acquisitions = on_grid(acquisitions, grid)
    usable = [a for a in acquisitions if years[0] <= (season_year(a.date, *season) or 0) <= years[1]]
    if not usable:
        dates = sorted({a.date.isoformat() for a in acquisitions})
        raise ValueError(
            f"{table_path}: no acquisition falls in the growing season (months {season[0]}–{season[1]}) of "
            f"{years[0]}–{years[1]}; the table has dates {dates[:10]}{' …' if len(dates) > 10 else ''}. "
            "Fix the season in the config or list acquisitions of those months"
        )
    log.info("%d acquisitions (%d in season), grid %d x %d px at %g m", len(acquisitions), len(usable),
             grid.width, grid.height, grid.resolution)
    table = to_table(acquisitions)
    table["in_season"] = [in_season(m, *season) for m in table["month"]]
    sources = {k: _abs(spec[k], base) for k in SOURCE_KEYS if spec.get(k)}
    if spec.get("aoi_select"):
        sources["aoi_select"] = dict(spec["aoi_select"])
    for key in STATIC_RASTERS:
        if key in sources:
            check_static(sources[key], key, grid)
    for group in SOURCE_GROUPS:
        sources[group] = {k: _abs(v, base) for k, v in (spec.get(group) or {}).items()}
    if spec.get("truth"):
        sources["truth"] = {k: _abs(v, base) for k, v in spec["truth"].items()}
    return table, sources
