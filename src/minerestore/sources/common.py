"""What the remote sources share: the input roles of a region, the fetch cache (a file is fetched again only when
its items or checksum differ) and provenance records, and the per-band writer of fetched data."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import rasterio

from minerestore.io import write_text
from minerestore.raster.grid import Grid
from minerestore.raster.write import write_blocks
from minerestore.sources.contract import lst_family
from minerestore.sources.sensors import PROFILES


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


def band_assets(item, sensor: str) -> dict[str, str]:
    """Native band name -> asset key of ``item`` for every band of the sensor profile.

    The asset is the native name itself (``B04``, ``SR_B4``, ``sur_refl_b01``), its un-padded form (``B4``,
    as Earth Engine names Sentinel-2 bands) or a common asset key (``red``, ``nir08``, ``qa_pixel``).

    Raises
    ------
    FetchError
        Naming the item, the band and the assets it has, when a band is missing.
    """
    profile = PROFILES[sensor]
    canonical = {v: k for k, v in profile.bands.items()}
    if profile.qa_band:
        canonical[profile.qa_band] = "qa"
    if profile.qc_band:
        canonical[profile.qc_band] = "qc"
    out = {}
    for native, name in canonical.items():
        unpadded = native[0] + native[1:].lstrip("0") if native[:1] == "B" else native
        for key in (native, unpadded, *ASSET_ALIASES.get(name, ())):
            if key in item.assets:
                out[native] = key
                break
        else:
            raise FetchError(f"item {item.id}: no asset for band {native} ({name}); assets: {sorted(item.assets)}")
    return out


def roles(region: dict) -> list[str]:
    """Acquisition roles to fetch: the region's sensor family, plus the LST family when it is another one
    (``modis_lst`` for MODIS LST: MOD11A2 is a product apart from MOD09A1), plus ``modis_ndvi`` (MOD13A1, the
    NDVI source of the mining-cities study) for MODIS regions."""
    out = [region["sensor"]] + (["modis_ndvi"] if region["sensor"] == "modis" else [])
    lst = lst_family(region)
    if lst == "modis":
        out.append("modis_lst")
    elif lst not in ("none", region["sensor"]):
        out.append(lst)
    return out


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
