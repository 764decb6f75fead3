"""What the remote sources share: the input roles of a region, what each date is fetched for (the growing season,
or a mask period only) and with which bands, the fetch cache (a file is fetched again only when its items or
checksum differ) and provenance records, and the per-band writer of fetched data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import rasterio

from minerestore.io import write_text
from minerestore.raster.grid import Grid
from minerestore.raster.write import write_blocks
from minerestore.seasons import in_season, season_dates
from minerestore.sources.contract import lst_family
from minerestore.sources.sensors import NDSI_QUANTITIES, PROFILES, S2CLOUDLESS_BANDS


class FetchError(RuntimeError):
    """A remote source (STAC catalog, Earth Engine) failed; the message names the catalog or file."""


class EmptySearchError(FetchError):
    """A search found no item; the message names the collection, bounding box and dates."""

#: Common STAC asset keys of each band, tried after the native band name.
ASSET_ALIASES = {
    "blue": ("blue",), "green": ("green",), "red": ("red",), "nir": ("nir08", "nir"), "swir1": ("swir16",),
    "swir2": ("swir22",), "lst": ("lwir11", "lwir"), "ndvi": ("500m_16_days_NDVI",),
    "qa": ("qa_pixel", "scl", "sur_refl_state_500m", "500m_16_days_VI_Quality"), "qc": ("sur_refl_qc_500m",),
}


#: What a date is fetched for: its growing season (every band), or only a mask period (methods.md §4.3): the
#: vegetation period reads NDVI, the snow period the quality flags (and, for Sentinel-2 Level-1C, which has no
#: snow flag, the bands of the NDSI rule).
PURPOSES = ("season", "vegetation", "snow")
#: Quantities a mask-period-only date is fetched with, besides the quality bands.
PURPOSE_QUANTITIES = {"vegetation": ("red", "nir", "ndvi"), "snow": ()}
#: Days without a Level-2A item at the start of the dates to fetch after which ``sentinel2_level: auto`` fills
#: them with Level-1C (:func:`minerestore.sources.stac.auto_level_items`): Sentinel-2 revisits every 5 days, so
#: a month without any item over the region is an archive that had not started there, not a cloud gap.
AUTO_GAP_DAYS = 31


def fetch_purpose(day: date, season: tuple[int, int] | None, periods: dict[str, list] | None) -> str | None:
    """What an acquisition of ``day`` is fetched for: ``season`` when it lies in the growing season (``season``
    start and end month; None: a year no composite reads, fetched for the masks alone), else the first mask
    period of ``periods`` (:func:`minerestore.seasons.period_dates`: period -> [(start, end) ISO dates]) one of
    whose windows holds it, else None (not fetched). Without ``periods`` (a role the masks do not read, LST) only
    the season counts."""
    if season is not None and in_season(day.month, *season):
        return "season"
    for period in ("vegetation", "snow"):
        if any(date.fromisoformat(str(a)[:10]) <= day <= date.fromisoformat(str(b)[:10])
               for a, b in (periods or {}).get(period, ())):
            return period
    return None


def fetch_interval(year: int, season: tuple[int, int] | None,
                   periods: dict[str, list] | None) -> tuple[date, date] | None:
    """The dates of calendar year ``year`` to search: its growing season (:func:`minerestore.seasons.season_dates`;
    ``season`` None for a year fetched for the masks alone) and the part of every mask-period window
    (``periods``, as for :func:`fetch_purpose`) that falls in the year; None when nothing is."""
    span = season_dates(year, season) if season is not None else None
    first, last = date(year, 1, 1), date(year, 12, 31)
    for a, b in (w for windows in (periods or {}).values() for w in windows):
        a, b = max(date.fromisoformat(str(a)[:10]), first), min(date.fromisoformat(str(b)[:10]), last)
        if a <= b:
            span = (min(span[0], a), max(span[1], b)) if span else (a, b)
    return span


def fetched_bands(sensor: str, purpose: str, has_qa: bool) -> list[str]:
    """Native bands fetched of an acquisition of ``sensor`` for ``purpose`` (:data:`PURPOSES`): every band for
    the season, the NDVI inputs or none for a mask period; always the quality bands, and for Sentinel-2 Level-1C
    the NDSI bands and, without QA60 (``has_qa`` False), the bands of the cloud detector."""
    profile = PROFILES[sensor]
    quantities = list(profile.bands) if purpose == "season" else list(PURPOSE_QUANTITIES[purpose])
    if profile.level == "L1C":
        quantities += NDSI_QUANTITIES
    values = [profile.bands[q] for q in dict.fromkeys(quantities) if q in profile.bands]
    quality = [q for q in profile.quality_bands if has_qa or not profile.qa_optional]
    detector = list(S2CLOUDLESS_BANDS) if profile.level == "L1C" and not quality else []
    return list(dict.fromkeys(values + quality + detector))


def _asset_key(item, native: str, name: str | None) -> str | None:
    """The asset of ``item`` holding a native band: the native name, its un-padded form (``B4``, as Earth Engine
    names Sentinel-2 bands) or a common asset key of its quantity ``name`` (``red``, ``nir08``, ``qa_pixel``)."""
    unpadded = native[0] + native[1:].lstrip("0") if native[:1] == "B" else native
    return next((k for k in (native, unpadded, *ASSET_ALIASES.get(name, ())) if k in item.assets), None)


def band_assets(item, sensor: str, purpose: str = "season") -> dict[str, str]:
    """Native band name -> asset key of ``item`` for the bands fetched for ``purpose`` (:func:`fetched_bands`;
    an optional quality band, QA60, when the item has it).

    Raises
    ------
    FetchError
        Naming the item, the band and the assets it has, when a band is missing.
    """
    profile = PROFILES[sensor]
    canonical = {v: k for k, v in profile.bands.items()}
    canonical.update({q: k for q, k in ((profile.qa_band, "qa"), (profile.qc_band, "qc")) if q})
    has_qa = bool(profile.qa_band) and _asset_key(item, profile.qa_band, "qa") is not None
    out = {}
    for native in fetched_bands(sensor, purpose, has_qa):
        key = _asset_key(item, native, canonical.get(native))
        if key is None:
            raise FetchError(f"item {item.id}: no asset for band {native} ({canonical.get(native, 'cloud detector')}); "
                             f"assets: {sorted(item.assets)}")
        out[native] = key
    return out


def roles(region: dict) -> list[str]:
    """Acquisition roles to fetch: the region's sensor family (``sentinel2_l1c`` for Sentinel-2 with
    ``sentinel2_level: l1c``; ``sentinel2`` for l2a and auto), plus the LST family when it is another one
    (``modis_lst`` for MODIS LST: MOD11A2 is a product apart from MOD09A1), plus ``modis_ndvi`` (MOD13A1, the
    NDVI source of the mining-cities study) for MODIS regions. The first role and ``modis_ndvi`` feed the masks
    (:func:`mask_roles`)."""
    primary = region["sensor"]
    if primary == "sentinel2" and region.get("sentinel2_level") == "l1c":
        primary = "sentinel2_l1c"
    out = [primary] + (["modis_ndvi"] if region["sensor"] == "modis" else [])
    lst = lst_family(region)
    if lst == "modis":
        out.append("modis_lst")
    elif lst not in ("none", region["sensor"]):
        out.append(lst)
    return out


def mask_roles(region: dict) -> list[str]:
    """The roles whose acquisitions the vegetation and snow masks read (the reflectance family and MOD13A1
    NDVI): they are also fetched for the mask periods; the LST roles only for the growing season."""
    return [r for r in roles(region) if r == roles(region)[0] or r == "modis_ndvi"]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cached_record(path: Path, item_ids: list[str]) -> dict | None:
    """The sidecar record of a cached file when it holds exactly these items and its checksum verifies."""
    sidecar = path.with_name(path.name + ".json")
    if not (path.exists() and sidecar.exists()):
        return None
    record = json.loads(sidecar.read_text())
    if record.get("item_ids") != item_ids or record.get("sha256") != sha256(path):
        return None
    return record


def provenance_record(path: Path, item_ids: list[str], hrefs: list[str]) -> dict:
    """Write and return the JSON sidecar of a fetched file: file, item_ids, hrefs (unsigned), sha256,
    fetched_at (UTC)."""
    record = {"file": path.name, "item_ids": item_ids, "hrefs": hrefs, "sha256": sha256(path),
              "fetched_at": datetime.now(UTC).isoformat(timespec="seconds")}
    write_text(path.with_name(path.name + ".json"), json.dumps(record, indent=1))
    return record


def write_band(array, path: Path, grid: Grid, name: str, *, nodata, chunk_px: int, tags: dict) -> None:
    """Write a 2-D (lazy) DataArray on the grid as a tiled GeoTIFF, one ``chunk_px`` window at a time.

    Each window is computed (downloaded) only when written, so memory is bounded by the window. The file is
    written under a temporary name and renamed when complete (:func:`minerestore.raster.write.write_blocks`).

    Raises
    ------
    FetchError
        When a read fails (truncated body, HTTP error after the retries); names the file being written.
    """
    try:
        write_blocks(path, [array.data], grid, [name], tags=tags, chunk_px=chunk_px, dtype=str(array.dtype),
                     nodata=nodata)
    except rasterio.errors.RasterioError as err:
        raise FetchError(f"reading the assets of {path.name} failed ({err}); nothing was kept. "
                        "Rerun to retry; check the network or the catalog") from err
