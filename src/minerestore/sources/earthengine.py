"""Remote inputs from Google Earth Engine (``source: earthengine``, optional extra ``[earthengine]``).

Opens an Earth Engine ImageCollection as a lazy xarray Dataset with xee on the region grid (CRS, scale, extent)
and writes each image with the same per-band writer as the STAC source (:func:`minerestore.sources.common.write_band`),
so ingest and every later stage are unchanged. Static layers (DEM, land cover, water) are not fetched from Earth
Engine: give them as local files.

Earth Engine names bands like the products (SR_B4, QA_PIXEL, sur_refl_b01, StateQA), except Sentinel-2 (B4 for
B04), which :func:`minerestore.sources.common.band_assets` already maps.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

from minerestore import install_command
from minerestore.raster.grid import Grid
from minerestore.sources.common import (
    AUTO_GAP_DAYS,
    EmptySearchError,
    FetchError,
    band_assets,
    cached_record,
    fetch_interval,
    fetch_purpose,
    mask_roles,
    provenance_record,
    roles,
    write_band,
)

log = logging.getLogger(__name__)

COLLECTIONS = {"sentinel2": "COPERNICUS/S2_SR_HARMONIZED", "sentinel2_l1c": "COPERNICUS/S2_HARMONIZED",
               "landsat": "LANDSAT/LC08/C02/T1_L2",
               "modis": "MODIS/061/MOD09A1", "modis_ndvi": "MODIS/061/MOD13A1",
               "modis_lst": "MODIS/061/MOD11A2"}
#: Sensor profile of each known collection (the harmonised Sentinel-2 collection has the offset removed).
SENSORS = {"COPERNICUS/S2_SR_HARMONIZED": "sentinel2_l2a", "COPERNICUS/S2_SR": "sentinel2_l2a_pb04",
           "COPERNICUS/S2_HARMONIZED": "sentinel2_l1c",
           "LANDSAT/LC09/C02/T1_L2": "landsat9_c2l2", "LANDSAT/LC08/C02/T1_L2": "landsat8_c2l2",
           "LANDSAT/LE07/C02/T1_L2": "landsat7_c2l2", "LANDSAT/LT05/C02/T1_L2": "landsat5_c2l2",
           "MODIS/061/MOD09A1": "modis_mod09a1", "MODIS/061/MOD13A1": "modis_mod13a1",
           "MODIS/061/MOD11A2": "modis_mod11a2"}
DTYPES = {"sentinel2": ("uint16", 0), "sentinel2_l1c": ("uint16", 0), "landsat": ("uint16", 0),
          "modis": ("int16", -28672),
          "modis_ndvi": ("int16", -3000), "modis_lst": ("uint16", 0)}


class EarthEngineError(FetchError):
    """Earth Engine is not installed, not authenticated, or returned nothing usable."""


def initialise(project: str | None):
    """Import and initialise Earth Engine; returns the ``ee`` module.

    Raises
    ------
    EarthEngineError
        When ``earthengine-api`` or ``xee`` is not installed (says how to install) or the credentials are missing
        or invalid (says to run ``earthengine authenticate`` and set ``earthengine.project``).
    """
    try:
        ee = importlib.import_module("ee")
        importlib.import_module("xee")
    except ImportError as err:
        raise EarthEngineError(f"source earthengine needs the packages earthengine-api and xee ({err}); "
                               f"install them with {install_command('earthengine')}") from err
    try:
        ee.Initialize(project=project, opt_url="https://earthengine-highvolume.googleapis.com")
    except Exception as err:  # ee raises EEException or google.auth errors for missing/invalid credentials
        raise EarthEngineError(f"Earth Engine could not be initialised ({err}). Run 'earthengine authenticate' "
                               "and set regions.<name>.earthengine.project to your Cloud project") from err
    return ee


def _open(ee, collection: str, grid: Grid, start, end, chunk_px: int):
    import xarray as xr

    region = ee.Geometry.Rectangle(list(grid.bounds), proj=grid.crs, geodesic=False)
    images = ee.ImageCollection(collection).filterDate(start.isoformat(), (end + timedelta(days=1)).isoformat())
    images = images.filterBounds(region)
    if images.size().getInfo() == 0:
        raise EmptySearchError(f"Earth Engine collection {collection!r} has no image in the region bounds "
                               f"{grid.bounds} ({grid.crs}) for {start}/{end}")
    ds = xr.open_dataset(images, engine="ee", crs=grid.crs, scale=grid.resolution, geometry=region,
                         chunks={"time": 1, "X": chunk_px, "Y": chunk_px})
    return ds.rename({"X": "x", "Y": "y"}).transpose("time", "y", "x")


def fetch_images(ds, collection: str, sensor: str, role: str, grid: Grid, *, season: tuple[int, int] | None,
                 periods: dict | None, cache: Path) -> tuple[list[dict], list[dict]]:
    """Write the images of an opened collection (:func:`_open`), each date with the bands of what it is fetched
    for (:func:`minerestore.sources.common.fetch_purpose`; dates fetched for nothing are skipped).

    Returns
    -------
    rows (path, date, sensor, bands, purpose) and provenance records (with their purpose).
    """
    dtype, nodata = DTYPES[role]
    rows, provenance = [], []
    for t in range(ds.sizes["time"]):
        when = str(ds["time"].values[t])[:10]
        purpose = fetch_purpose(date.fromisoformat(when), season, periods)
        if purpose is None:
            continue
        assets = band_assets(SimpleNamespace(id=collection, assets=set(ds.data_vars)), sensor, purpose)
        stem = f"{when}_{sensor}"
        image_id = str(ds["id"].values[t]) if "id" in ds.coords else f"{collection}/{when}"
        for native, var in assets.items():
            path = cache / f"{stem}_{native}.tif"
            record = cached_record(path, [image_id])
            if record is None:
                band = ds[var].isel(time=t).fillna(nodata).astype(dtype)
                write_band(band, path, grid, native, nodata=nodata, chunk_px=2048,
                           tags={"sensor": sensor, "collection": collection})
                record = provenance_record(path, [image_id], [f"ee://{collection}"])
            provenance.append({**record, "purpose": purpose})
        rows.append({"path": str(cache / f"{stem}_{{band}}.tif"), "date": when, "sensor": sensor,
                     "bands": list(assets), "purpose": purpose})
    return rows, provenance


def _sensor(collection: str) -> str:
    if collection not in SENSORS:
        raise EarthEngineError(f"collection {collection!r} has no sensor profile; known: {sorted(SENSORS)}")
    return SENSORS[collection]


def _open_or_none(ee, collection: str, grid: Grid, start: date, end: date):
    try:
        return _open(ee, collection, grid, start, end, 2048)
    except EmptySearchError:
        return None


def fetch_year_record(ee_cfg: dict, region: dict, grid: Grid, year: int, cache: Path, *, periods: dict | None,
                      season_year: bool) -> dict:
    """Fetch every acquisition role of one calendar year from Earth Engine onto ``grid``: the growing season (when
    ``season_year``) and, for the roles the masks read, the dates of the mask ``periods`` in the year, with the
    bands each needs. Sentinel-2 with ``sentinel2_level: auto``: ``COPERNICUS/S2_SR_HARMONIZED`` where it has
    images over the region, ``COPERNICUS/S2_HARMONIZED`` (Level-1C) for the dates before its first one when they
    span more than :data:`minerestore.sources.common.AUTO_GAP_DAYS` (the Level-2A collection starts in 2017, and
    over Asia in December 2018).

    Returns the same record as :func:`minerestore.sources.stac.fetch_year_record` (``rows``, ``provenance``).

    Raises
    ------
    EarthEngineError, EmptySearchError
    """
    ee = initialise(ee_cfg["project"])
    season = (region["season"]["start_month"], region["season"]["end_month"]) if season_year else None
    collections = {**COLLECTIONS, **ee_cfg["collections"]}
    rows, provenance = [], []
    for role in roles(region):
        role_periods = periods if role in mask_roles(region) else None
        interval = fetch_interval(year, season, role_periods)
        if interval is None:
            continue
        opened = []
        if role == "sentinel2" and region.get("sentinel2_level") == "auto":
            l2a = _open_or_none(ee, collections[role], grid, *interval)
            first = date.fromisoformat(str(l2a["time"].values.min())[:10]) if l2a is not None else None
            opened.append((role, collections[role], l2a))
            if first is None or (first - interval[0]).days > AUTO_GAP_DAYS:
                end = min(interval[1], first - timedelta(days=1)) if first else interval[1]
                opened.append(("sentinel2_l1c", collections["sentinel2_l1c"],
                               _open_or_none(ee, collections["sentinel2_l1c"], grid, interval[0], end)))
                log.warning("sentinel2_level auto, %d: %s has no image over the region before %s; Level-1C "
                            "(top-of-atmosphere) images of %s fill the dates before it", year, collections[role],
                            first or "the year's end", collections["sentinel2_l1c"])
        else:
            opened.append((role, collections[role], _open(ee, collections[role], grid, *interval, 2048) if season
                           else _open_or_none(ee, collections[role], grid, *interval)))
        for group_role, collection, ds in opened:
            if ds is not None:
                r, p = fetch_images(ds, collection, _sensor(collection), group_role, grid, season=season,
                                    periods=role_periods, cache=cache)
                rows, provenance = rows + r, provenance + p
    return {"rows": rows, "provenance": provenance}


def fetch_static_record(ee_cfg: dict, region: dict, grid: Grid, cache: Path) -> dict:
    """Earth Engine regions take their static layers from local files: an empty record."""
    return {"layers": {}, "provenance": []}
