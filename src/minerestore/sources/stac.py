"""Remote inputs from STAC catalogs (``source: stac``; design.md, Stages and rules: fetch).

Searches a catalog with pystac-client and loads the assets with odc-stac onto the region grid, tile by tile
(``chunk_px``), so memory is bounded by the chunk and not by the region. What it writes is an ordinary local
input: one GeoTIFF per native band and acquisition (the ``{band}`` path pattern of ``source: local``, with the
native band names of :mod:`minerestore.sources.sensors`) plus an acquisitions table, so ingest and every later stage are
the same as for local files.

Caching and provenance: files go to a cache folder keyed by the region grid; each file has a JSON sidecar with
the item ids, the unsigned asset hrefs, its SHA-256 and the fetch time. A file whose sidecar matches the items
and whose checksum verifies is not fetched again. Files are written to a temporary name and renamed, so a failed
or killed download never leaves a file that looks complete.

Robustness: catalog requests are retried with exponential backoff on HTTP 429 and 5xx (urllib3 ``Retry`` in
pystac-client); raster reads are retried by GDAL (``GDAL_HTTP_MAX_RETRY``, same codes), both as often as
``stac.retries`` says. A catalog that keeps failing gives one :class:`StacError` naming it. Partial files of
killed fetches are removed from the cache when the next fetch starts. Planetary Computer
hrefs are signed at read time by ``planetary_computer.sign`` (its token cache renews expired tokens, so long
jobs are re-signed).

Why our own code: odc-stac loads items onto a grid but does not map catalog asset keys to product bands, decide
the product (processing baseline, platform), cache by item, or write the inputs contract.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from rasterio.warp import transform_bounds

from minerestore.io import remove_leftovers, write_text
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
from minerestore.sources.sensors import PROFILES

log = logging.getLogger(__name__)

CATALOGS = {
    "planetary-computer": {
        "url": "https://planetarycomputer.microsoft.com/api/stac/v1",
        "sign": True,
        "collections": {"sentinel2": "sentinel-2-l2a", "landsat": "landsat-c2-l2", "modis": "modis-09A1-061",
                        "modis_ndvi": "modis-13A1-061", "modis_lst": "modis-11A2-061", "dem": "cop-dem-glo-30",
                        "landcover": "esa-worldcover", "water_occurrence": "jrc-gsw"},
    },
    "earth-search": {
        "url": "https://earth-search.aws.element84.com/v1",
        "sign": False,
        "collections": {"sentinel2": "sentinel-2-l2a", "sentinel2_l1c": "sentinel-2-l1c", "landsat": "landsat-c2-l2",
                        "dem": "cop-dem-glo-30", "landcover": "esa-worldcover"},
    },
}

#: HTTP statuses retried with backoff (catalog requests and raster reads).
RETRY_STATUS = (429, 500, 502, 503, 504)

#: Asset keys under which catalogs publish a canonical band (tried after the product's native band name).

#: Static layers: asset keys (first present wins), resampling, dtype and nodata of the written raster.
STATIC_LAYERS = {
    "dem": {"assets": ("data", "elevation"), "resampling": "bilinear", "dtype": "float32", "nodata": -32767},
    "landcover": {"assets": ("map", "landcover"), "resampling": "nearest", "dtype": "uint8", "nodata": 0},
    "water_occurrence": {"assets": ("occurrence",), "resampling": "nearest", "dtype": "uint8", "nodata": 255},
}

#: Product nodata and dtype of acquisitions (QA bands of Landsat mark fill with bit 0 = 1).
PRODUCT_DTYPE = {"sentinel2": ("uint16", 0), "sentinel2_l1c": ("uint16", 0), "landsat": ("uint16", 0),
                 "modis": ("int16", -28672),
                 "modis_ndvi": ("int16", -3000), "modis_lst": ("uint16", 0)}


class StacError(FetchError):
    """A catalog search or read that cannot give the region's inputs; the message says what to change."""


def catalog_settings(stac_cfg: dict) -> tuple[str, bool, dict]:
    """(url, sign, collections) of a region's ``stac`` config: a known catalog name or a URL, with the
    collection of each role (sentinel2, landsat, modis, modis_ndvi, modis_lst, dem, landcover, water_occurrence)
    overridable under ``collections``."""
    name = stac_cfg["catalog"]
    known = CATALOGS.get(name, {"url": name, "sign": False, "collections": {}})
    sign = stac_cfg.get("sign", known["sign"])
    return known["url"], sign, {**known["collections"], **(stac_cfg.get("collections") or {})}


def open_catalog(url: str, retries: int, backoff_s: float):
    """Open a STAC API or a static catalog with ``retries`` and backoff (``backoff_s`` x 2^n s) on
    :data:`RETRY_STATUS` (config ``stac.retries``, ``stac.backoff_s``).

    Raises
    ------
    StacError
        When the catalog cannot be read (names the URL).
    """
    from pystac_client import Client
    from pystac_client.stac_api_io import StacApiIO
    from urllib3.util.retry import Retry

    retry = Retry(total=retries, backoff_factor=backoff_s, status_forcelist=RETRY_STATUS, allowed_methods=None,
                  respect_retry_after_header=True)
    try:
        return Client.open(url, stac_io=StacApiIO(max_retries=retry))
    except Exception as err:  # pystac-client raises APIError, requests errors, JSON errors
        raise catalog_failure(url, "opening it", err) from None


def catalog_failure(url: str, what: str, err: Exception) -> StacError:
    """One readable error for a catalog that keeps failing (HTTP 5xx after every retry, connection refused, bad
    JSON): the catalog, what was asked and the last cause, without the chain of urllib3 / requests /
    pystac-client tracebacks behind it."""
    cause = str(err).splitlines()[0] if str(err) else ""
    return StacError(f"STAC catalog {url}: {what} failed ({type(err).__name__}: {cause}); when the catalog answers "
                     "again, rerun (or raise stac.retries / stac.backoff_s for a flaky one)")


def _item_interval(item) -> tuple[datetime, datetime]:
    props = item.properties
    if item.datetime is not None:
        return item.datetime, item.datetime
    return (datetime.fromisoformat(props["start_datetime"].replace("Z", "+00:00")),
            datetime.fromisoformat(props["end_datetime"].replace("Z", "+00:00")))


def _matches(item, bbox_ll, start: date | None, end: date | None, max_cloud: float | None) -> bool:
    if item.bbox is not None:
        b = item.bbox
        if b[0] > bbox_ll[2] or b[2] < bbox_ll[0] or b[1] > bbox_ll[3] or b[3] < bbox_ll[1]:
            return False
    if start is not None:
        first, last = _item_interval(item)
        if last.date() < start or first.date() > end:
            return False
    cloud = item.properties.get("eo:cloud_cover")
    return max_cloud is None or cloud is None or cloud <= max_cloud


def search(client, collection: str, bbox_ll, *, start: date | None = None, end: date | None = None,
           max_cloud: float | None = None) -> list:
    """Items of ``collection`` intersecting ``bbox_ll`` (lon/lat) within [start, end], cloud cover <= max.

    A STAC API is searched server side (with a ``query`` on ``eo:cloud_cover``); a static catalog is walked.
    Either way the conditions are checked again here, so servers that ignore a filter do no harm.

    Raises
    ------
    EmptySearchError
        Naming the collection, bounding box, dates and cloud limit, when nothing matches.
    StacError
        Naming the catalog and the collection when the catalog keeps failing (:func:`catalog_failure`).
    """
    from pystac_client import ConformanceClasses

    when = f"{start.isoformat()}/{end.isoformat()}" if start else None
    try:
        if client.conforms_to(ConformanceClasses.ITEM_SEARCH):
            query = {"eo:cloud_cover": {"lte": max_cloud}} if max_cloud is not None else None
            found = client.search(collections=[collection], bbox=list(bbox_ll), datetime=when, query=query).items()
        else:
            coll = client.get_collection(collection)
            if coll is None:
                raise EmptySearchError(f"collection {collection!r} not in the catalog {client.self_href}")
            found = coll.get_items()
        found = [i for i in found if _matches(i, bbox_ll, start, end, max_cloud)]
    except FetchError:
        raise
    except Exception as err:  # pystac-client's APIError, requests' RetryError and ConnectionError, pystac's errors
        raise catalog_failure(client.self_href, f"the search of {collection!r}", err) from None
    items = sorted(found, key=lambda i: (i.datetime or _item_interval(i)[0], i.id))
    if not items:
        cloud = f", cloud cover <= {max_cloud} %" if max_cloud is not None else ""
        raise EmptySearchError(
            f"STAC search found no item of collection {collection!r} in bbox "
            f"{[round(v, 4) for v in bbox_ll]} (lon/lat) for {when or 'any date'}{cloud}. "
            "Check the region bounds, years, season and stac.max_cloud, or the collection name"
        )
    return items


def grid_bbox_ll(grid: Grid) -> tuple[float, float, float, float]:
    """The region grid's bounds in lon/lat (EPSG:4326), densified."""
    return transform_bounds(grid.crs, "EPSG:4326", *grid.bounds, densify_pts=21)


def item_sensor(item, role: str, collection: str) -> str:
    """Sensor profile name (:data:`minerestore.sources.sensors.PROFILES`) of an item of a role's collection.

    Sentinel-2 items of processing baseline >= 04.00 whose offset is not applied are ``sentinel2_l2a_pb04`` (or
    ``sentinel2_l1c_pb04`` in the Level-1C role); Landsat items are named by platform and level
    (``landsat8_c2l2``, ``landsat7_l1``).

    Raises
    ------
    StacError
        For a Landsat platform without a profile (names the item).
    """
    props = item.properties
    if role in ("sentinel2", "sentinel2_l1c"):
        baseline = str(props.get("s2:processing_baseline", "00.00"))
        offset_applied = props.get("earthsearch:boa_offset_applied", False)
        level = "l2a" if role == "sentinel2" else "l1c"
        return f"sentinel2_{level}_pb04" if baseline >= "04.00" and not offset_applied else f"sentinel2_{level}"
    if role == "landsat":
        number = str(props.get("platform", "")).lower().replace("landsat-", "").replace("landsat_", "")
        level = "l1" if "l1" in collection.lower() else "c2l2"
        name = f"landsat{number}_{level}"
        if name not in PROFILES:
            raise StacError(f"item {item.id}: platform {props.get('platform')!r} has no sensor profile ({level})")
        return name
    return {"modis": "modis_mod09a1", "modis_ndvi": "modis_mod13a1", "modis_lst": "modis_mod11a2"}[role]



def _unsigned(href: str) -> str:
    return href.split("?", 1)[0] if "sig=" in href or "se=" in href else href


def _signer(sign: bool):
    if not sign:
        return None
    try:
        import planetary_computer
    except ImportError as err:
        raise StacError("this catalog needs signed asset URLs: install planetary-computer "
                        "(pip install planetary-computer, or conda install -c conda-forge planetary-computer)") from err
    return planetary_computer.sign


def fetch_layers(items: list, assets: dict[str, str], grid: Grid, paths: dict[str, Path], *,
                 resampling: str | dict, dtype: str, nodata, reads: dict, tags: dict) -> list[dict]:
    """Load ``assets`` (output name -> asset key) of ``items`` (mosaicked) onto ``grid`` into ``paths``.

    ``resampling`` is one method or asset key -> method (``"*"`` for the rest): acquisitions are resampled as
    the local source reads them (bilinear reflectance and LST, nearest QA bits, :mod:`minerestore.sources.acquisitions`).
    ``reads`` are the region's read settings (:func:`read_settings`: chunk_px, sign, retries, backoff_s); GDAL
    retries each asset read on :data:`RETRY_STATUS` as often as catalog requests are retried.

    Files already cached for the same items are kept (no request is made). Returns one provenance record per
    file: file, item_ids, hrefs (unsigned), sha256, fetched_at.
    """
    import odc.stac

    records, todo = [], {}
    for name, path in paths.items():
        cached = cached_record(path, [i.id for i in items])
        if cached:
            records.append(cached)
        else:
            todo[name] = path
    if not todo:
        return records
    odc.stac.configure_rio(GDAL_HTTP_MAX_RETRY=reads["retries"], GDAL_HTTP_RETRY_DELAY=reads["backoff_s"],
                           GDAL_HTTP_RETRY_CODES=",".join(map(str, RETRY_STATUS)),
                           GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR")
    keys = sorted({assets[n] for n in todo})
    cfg = {"*": {"assets": {"*": {"data_type": dtype, "nodata": nodata}}}}
    chunk_px = reads["chunk_px"]
    data = odc.stac.load(items, bands=keys, geobox=geobox(grid), chunks={"x": chunk_px, "y": chunk_px},
                         groupby="one_time", resampling=resampling, stac_cfg=cfg, patch_url=_signer(reads["sign"]),
                         fail_on_error=True)
    for name, path in todo.items():
        key = assets[name]
        write_band(data[key].isel(time=0), path, grid, name, nodata=nodata, chunk_px=chunk_px, tags=tags)
        hrefs = [_unsigned(i.assets[key].href) for i in items]
        records.append(provenance_record(path, [i.id for i in items], hrefs))
        log.info("fetched %s from %d item(s)", path.name, len(items))
    return records


def acquisition_groups(items: list, role: str, collection: str) -> dict[tuple[str, str], list]:
    """Items grouped into acquisitions: (date ISO, sensor) -> items of that solar day (tiles of one pass)."""
    groups: dict[tuple[str, str], list] = {}
    for item in items:
        when = _item_interval(item)[0].date().isoformat()
        groups.setdefault((when, item_sensor(item, role, collection)), []).append(item)
    return groups


def search_year(client, collection: str, grid: Grid, year: int, *, season: tuple[int, int] | None,
                periods: dict | None, max_cloud: float | None, until: date | None = None) -> list:
    """Items of ``collection`` over the grid for what ``year`` is fetched for (:func:`fetch_interval`: the growing
    season, unless ``season`` is None, and, given ``periods``, the mask-period windows in the year), dated before
    ``until`` when given, without the dates nothing is fetched for (:func:`fetch_purpose`); [] when nothing is.

    Raises
    ------
    EmptySearchError, StacError
        From :func:`search`.
    """
    interval = fetch_interval(year, season, periods)
    if interval is None:
        return []
    start, end = interval
    if until is not None:
        end = min(end, until - timedelta(days=1))
    items = search(client, collection, grid_bbox_ll(grid), start=start, end=end, max_cloud=max_cloud)
    return [i for i in items if fetch_purpose(_item_interval(i)[0].date(), season, periods)]


def fetch_items(items: list, role: str, collection: str, grid: Grid, *, season: tuple[int, int] | None,
                periods: dict | None, cache: Path, reads: dict) -> tuple[list[dict], list]:
    """Fetch the acquisitions of ``items`` onto the grid, each date with the bands of what it is fetched for
    (:func:`minerestore.sources.common.fetch_purpose`, :func:`minerestore.sources.common.fetched_bands`).

    Returns
    -------
    rows : list of dict (path with ``{band}``, date, sensor, bands, purpose) for the acquisitions table
    records : provenance records of the files, each with the ``purpose`` of its acquisition
    """
    rows, records = [], []
    dtype, nodata = PRODUCT_DTYPE[role]
    for (when, sensor), group in acquisition_groups(items, role, collection).items():
        purpose = fetch_purpose(date.fromisoformat(when), season, periods)
        assets = band_assets(group[0], sensor, purpose)
        stem = f"{when}_{sensor}"
        paths = {native: cache / f"{stem}_{native}.tif" for native in assets}
        tags = {"sensor": sensor, "date": when, "collection": collection}
        resampling = {"*": "bilinear", **{assets[q]: "nearest" for q in PROFILES[sensor].quality_bands if q in assets}}
        fetched = fetch_layers(group, assets, grid, paths, resampling=resampling, dtype=dtype, nodata=nodata,
                               reads=reads, tags=tags)
        if PROFILES[sensor].level == "L1":
            fetched.append(_fetch_text(group[0], "MTL", cache / f"{stem}_MTL.txt", reads))
        records += [{**r, "purpose": purpose} for r in fetched]
        rows.append({"path": str(cache / f"{stem}_{{band}}.tif"), "date": when, "sensor": sensor,
                     "bands": list(assets), "purpose": purpose})
    return rows, records


def _search_or_none(*args, **kwargs) -> list:
    try:
        return search_year(*args, **kwargs)
    except EmptySearchError:
        return []


def fetch_role(client, role: str, collections: dict, grid: Grid, year: int, *, season: tuple[int, int] | None,
               region: dict, periods: dict | None, stac_cfg: dict, cache: Path,
               reads: dict) -> tuple[list[dict], list]:
    """Fetch one role's acquisitions of ``year`` onto the grid: its growing season (``season``; None for a year
    fetched for the masks alone, where finding nothing is only warned) and, given ``periods`` (a role the masks
    read), the mask-period dates of the year with the bands those need. Sentinel-2 with
    ``sentinel2_level: auto``: :func:`auto_level_items`.

    Returns
    -------
    rows, records : as :func:`fetch_items`.

    Raises
    ------
    EmptySearchError
        No item in the bbox and dates of a year a composite reads (names collection, bbox, dates).
    StacError
        A role without a collection (names the config key to set).
    """
    if fetch_interval(year, season, periods) is None:
        return [], []
    kwargs = {"season": season, "periods": periods, "max_cloud": stac_cfg["max_cloud"]}
    collection = _collection(collections, role, stac_cfg)
    if role == "sentinel2" and region.get("sentinel2_level") == "auto":
        groups = auto_level_items(client, collections, stac_cfg, grid, year, **kwargs)
    else:
        groups = [(role, collection, (search_year if season else _search_or_none)(client, collection, grid, year,
                                                                                  **kwargs))]
    rows, records = [], []
    for group_role, group_collection, items in groups:
        r, p = fetch_items(items, group_role, group_collection, grid, season=season, periods=periods, cache=cache,
                           reads=reads)
        rows, records = rows + r, records + p
        log.info("%s %d: %d items -> %d acquisitions", group_collection, year, len(items), len(r))
    if not rows and season is None:
        log.warning("%s %d: no item in the mask-period dates of the year", collection, year)
    return rows, records


def auto_level_items(client, collections: dict, stac_cfg: dict, grid: Grid, year: int, *,
                     season: tuple[int, int] | None, periods: dict | None, max_cloud: float | None) -> list[tuple]:
    """Sentinel-2 items of ``year`` with ``sentinel2_level: auto``: Level-2A where the catalog's Level-2A
    collection covers the region, and Level-1C for the dates of the year before its first Level-2A item when that
    comes more than :data:`AUTO_GAP_DAYS` after the first date to fetch (a Level-2A archive that had not started
    over the region, as Earth Engine's before 2017, and over Asia before December 2018; Sentinel-2 revisits
    every 5 days, so a month without any item is no cloud gap), logged.

    Returns
    -------
    list of (role, collection, items): the Level-2A and the Level-1C ones.

    Raises
    ------
    EmptySearchError
        When neither level has an item in a year a composite reads.
    StacError
        When Level-1C is needed and the catalog has no Level-1C collection (names the config key to set).
    """
    kwargs = {"season": season, "periods": periods, "max_cloud": max_cloud}
    collection = _collection(collections, "sentinel2", stac_cfg)
    l2a = _search_or_none(client, collection, grid, year, **kwargs)
    covered = min((_item_interval(i)[0].date() for i in l2a), default=None)
    groups = [("sentinel2", collection, l2a)]
    if covered is None or (covered - fetch_interval(year, season, periods)[0]).days > AUTO_GAP_DAYS:
        l1c_collection = _collection(collections, "sentinel2_l1c", stac_cfg)
        l1c = _search_or_none(client, l1c_collection, grid, year, until=covered, **kwargs)
        groups.append(("sentinel2_l1c", l1c_collection, l1c))
        if l1c:
            log.warning("sentinel2_level auto, %d: %s has no Level-2A item over the region before %s; %d Level-1C "
                        "(top-of-atmosphere) items of %s fill the dates before it", year, collection,
                        covered or "the year's end", len(l1c), l1c_collection)
    if season is not None and not any(items for _, _, items in groups):
        raise EmptySearchError(f"STAC search found no Sentinel-2 item of {[c for _, c, _ in groups]} for {year} in "
                               f"bbox {[round(v, 4) for v in grid_bbox_ll(grid)]} (lon/lat); check the region "
                               "bounds, years, season and stac.max_cloud")
    return groups


def _fetch_text(item, key: str, path: Path, reads: dict) -> dict:
    """Download a small text asset (Landsat MTL) with the region's retries and backoff."""
    cached = cached_record(path, [item.id])
    if cached:
        return cached
    from pystac_client.stac_api_io import StacApiIO
    from urllib3.util.retry import Retry

    href = item.assets[key].href
    retry = Retry(total=reads["retries"], backoff_factor=reads["backoff_s"], status_forcelist=RETRY_STATUS)
    try:
        text = StacApiIO(max_retries=retry).read_text(href)
    except Exception as err:  # requests' RetryError / ConnectionError after the retries
        raise catalog_failure(href, f"reading the {key} of item {item.id}", err) from None
    write_text(path, text)
    return provenance_record(path, [item.id], [_unsigned(href)])


def fetch_static(client, layer: str, collection: str, grid: Grid, *, cache: Path,
                 reads: dict) -> tuple[Path, list[dict]]:
    """Fetch a static layer (dem, landcover, water_occurrence) mosaicked onto the grid.

    Raises
    ------
    EmptySearchError, StacError
    """
    spec = STATIC_LAYERS[layer]
    items = search(client, collection, grid_bbox_ll(grid))
    key = next((k for k in spec["assets"] if k in items[0].assets), None)
    if key is None:
        raise StacError(f"item {items[0].id} of {collection}: none of the assets {spec['assets']} "
                        f"({layer}); assets: {sorted(items[0].assets)}")
    path = cache / f"{layer}.tif"
    records = fetch_layers(items, {layer: key}, grid, {layer: path}, resampling=spec["resampling"],
                           dtype=spec["dtype"], nodata=spec["nodata"], reads=reads,
                           tags={"collection": collection, "layer": layer})
    return path, records


def geobox(grid: Grid):
    """The region grid as an odc-geo ``GeoBox`` (what odc-stac loads onto): same CRS, transform and shape.

    Our :class:`~minerestore.raster.grid.Grid` stays the grid type of the workflow (a frozen value stored as
    ``grid.json``, snapped to whole pixels, with the tiling of :mod:`minerestore.raster.tiles`); it converts to a
    GeoBox where a library wants one."""
    from odc.geo.geobox import GeoBox

    return GeoBox((grid.height, grid.width), grid.transform, grid.crs)


def grid_key(grid: Grid) -> str:
    """Short hash of a grid (cache folders are per grid: a new extent or resolution fetches again)."""
    return hashlib.sha256(grid.to_json().encode()).hexdigest()[:12]


def cache_dir(root: str | os.PathLike, grid: Grid) -> Path:
    """Cache folder of a region grid under ``root``; partial files that killed fetches left there are removed
    (:func:`minerestore.io.remove_leftovers`) and logged."""
    path = Path(root) / grid_key(grid)
    path.mkdir(parents=True, exist_ok=True)
    for leftover in remove_leftovers(path):
        log.warning("removed %s, a partial file left by a killed fetch", leftover)
    return path


def read_settings(stac_cfg: dict, sign: bool) -> dict:
    """How assets are read: ``chunk_px``, ``sign`` and the ``retries`` / ``backoff_s`` of catalog requests (the
    region's ``stac`` config, its defaults filled by the schema)."""
    return {"chunk_px": stac_cfg["chunk_px"], "sign": sign, "retries": stac_cfg["retries"],
            "backoff_s": stac_cfg["backoff_s"]}


def _client_and_collections(stac_cfg: dict):
    url, sign, collections = catalog_settings(stac_cfg)
    reads = read_settings(stac_cfg, sign)
    return open_catalog(url, reads["retries"], reads["backoff_s"]), reads, collections


def _collection(collections: dict, role: str, stac_cfg: dict) -> str:
    if role not in collections:
        raise StacError(f"catalog {stac_cfg['catalog']!r} has no default collection for {role!r}; set "
                        f"stac.collections.{role} in the region config")
    return collections[role]


def fetch_static_record(stac_cfg: dict, region: dict, grid: Grid, cache: Path) -> dict:
    """Fetch the region's static layers (``stac.layers`` not given as local files) onto ``grid``.

    Returns
    -------
    dict with ``layers`` (name -> path) and ``provenance`` (records).

    Raises
    ------
    StacError, EmptySearchError
    """
    client, reads, collections = _client_and_collections(stac_cfg)
    layers, provenance = {}, []
    for layer in stac_cfg["layers"]:
        if layer in region:
            continue
        path, records = fetch_static(client, layer, _collection(collections, layer, stac_cfg), grid, cache=cache,
                                     reads=reads)
        layers[layer] = str(path)
        provenance += records
    return {"layers": layers, "provenance": provenance}


def fetch_year_record(stac_cfg: dict, region: dict, grid: Grid, year: int, cache: Path, *,
                      periods: dict | None, season_year: bool) -> dict:
    """Fetch every acquisition role of one calendar year onto ``grid``: the growing season (when ``season_year``:
    a composite reads the year) and, for the roles the masks read, the dates of the mask ``periods``
    (:func:`minerestore.seasons.period_dates`; None: the season alone) that fall in the year (:func:`fetch_role`).

    Returns
    -------
    dict with ``rows`` (path, date, sensor, bands, purpose) and ``provenance`` (records with their purpose).

    Raises
    ------
    StacError, EmptySearchError
    """
    client, reads, collections = _client_and_collections(stac_cfg)
    season = (region["season"]["start_month"], region["season"]["end_month"]) if season_year else None
    rows, provenance = [], []
    for role in roles(region):
        role_periods = periods if role in mask_roles(region) else None
        r, p = fetch_role(client, role, collections, grid, year, season=season, region=region, periods=role_periods,
                          stac_cfg=stac_cfg, cache=cache, reads=reads)
        rows += r
        provenance += p
    return {"rows": rows, "provenance": provenance}
