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
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from minerestore.raster.grid import Grid
from minerestore.seasons import season_dates
from minerestore.sources.common import (
    EmptySearchError,
    FetchError,
    band_assets,
    cached_record,
    provenance_record,
    roles,
    write_band,
)

log = logging.getLogger(__name__)

COLLECTIONS = {"sentinel2": "COPERNICUS/S2_SR_HARMONIZED", "landsat": "LANDSAT/LC08/C02/T1_L2",
               "modis": "MODIS/061/MOD09A1", "modis_ndvi": "MODIS/061/MOD13A1",
               "modis_lst": "MODIS/061/MOD11A2"}
#: Sensor profile of each known collection (the harmonised Sentinel-2 collection has the offset removed).
SENSORS = {"COPERNICUS/S2_SR_HARMONIZED": "sentinel2_l2a", "COPERNICUS/S2_SR": "sentinel2_l2a_pb04",
           "LANDSAT/LC09/C02/T1_L2": "landsat9_c2l2", "LANDSAT/LC08/C02/T1_L2": "landsat8_c2l2",
           "LANDSAT/LE07/C02/T1_L2": "landsat7_c2l2", "LANDSAT/LT05/C02/T1_L2": "landsat5_c2l2",
           "MODIS/061/MOD09A1": "modis_mod09a1", "MODIS/061/MOD13A1": "modis_mod13a1",
           "MODIS/061/MOD11A2": "modis_mod11a2"}
DTYPES = {"sentinel2": ("uint16", 0), "landsat": ("uint16", 0), "modis": ("int16", -28672),
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
                               "install them with pip install 'minerestore[earthengine]'") from err
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


def fetch_year_record(ee_cfg: dict, region: dict, grid: Grid, year: int, cache: Path) -> dict:
    """Fetch every acquisition role of one year's growing season from Earth Engine onto ``grid``.

    Returns the same record as :func:`minerestore.sources.stac.fetch_year_record` (``rows``, ``provenance``).

    Raises
    ------
    EarthEngineError, EmptySearchError
    """

    ee = initialise(ee_cfg["project"])
    season = (region["season"]["start_month"], region["season"]["end_month"])
    start, end = season_dates(year, season)
    rows, provenance = [], []
    for role in roles(region):
        collection = {**COLLECTIONS, **ee_cfg["collections"]}[role]
        sensor = SENSORS.get(collection)
        if sensor is None:
            raise EarthEngineError(f"collection {collection!r} has no sensor profile; known: {sorted(SENSORS)}")
        ds = _open(ee, collection, grid, start, end, 2048)
        assets = band_assets(SimpleNamespace(id=collection, assets=set(ds.data_vars)), sensor)
        dtype, nodata = DTYPES[role]
        for t in range(ds.sizes["time"]):
            when = str(ds["time"].values[t])[:10]
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
                provenance.append(record)
            rows.append({"path": str(cache / f"{stem}_{{band}}.tif"), "date": when, "sensor": sensor,
                         "bands": list(assets)})
    return {"rows": rows, "provenance": provenance}


def fetch_static_record(ee_cfg: dict, region: dict, grid: Grid, cache: Path) -> dict:
    """Earth Engine regions take their static layers from local files: an empty record."""
    return {"layers": {}, "provenance": []}
