"""A STAC catalog built in the test and served on a loopback HTTP server (issue 8 tests).

- :func:`build_catalog` turns a synthetic scene (and optionally the real Marburg Landsat scenes) into per-band
  Cloud-Optimised GeoTIFFs and STAC items laid out like the Planetary Computer's (asset keys B02…/SCL for
  Sentinel-2, blue…/qa_pixel for Landsat C2 L2, data/map/occurrence for DEM, WorldCover and JRC GSW).
- :class:`StacServer` serves the folder over HTTP/1.1 with range requests (206, Content-Range), a ``/search``
  endpoint when the catalog is an API (it returns every item of the requested collections; the client filters),
  a request log and fault injection per path: ``"429"`` answers Too Many Requests once, ``"500"`` an Internal
  Server Error once, ``"truncate"`` sends half the promised body and closes the connection.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import rasterio
from rasterio.warp import transform_bounds

S2_ASSETS = {"B02": "B02", "B03": "B03", "B04": "B04", "B08": "B08", "B11": "B11", "B12": "B12", "SCL": "SCL"}
LANDSAT_ASSETS = {"SR_B2": "blue", "SR_B3": "green", "SR_B4": "red", "SR_B5": "nir08", "SR_B6": "swir16",
                  "SR_B7": "swir22", "ST_B10": "lwir11", "QA_PIXEL": "qa_pixel"}
MARBURG_BANDS = {"landsat-8": ["B2", "B3", "B4", "B5", "B6", "B7", "B10", "BQA"],
                 "landsat-7": ["B1", "B2", "B3", "B4", "B5", "B7", "B6_VCID_1", "BQA"]}


def write_cog(array: np.ndarray, like: dict, path: Path) -> None:
    profile = dict(like, driver="COG", count=1, dtype=str(array.dtype), blocksize=256, compress="deflate")
    for key in ("blockxsize", "blockysize", "tiled", "interleave"):
        profile.pop(key, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)


class CatalogWriter:
    """Collects items per collection and writes catalog.json, collection.json files and item JSON."""

    def __init__(self, root: Path, base_url: str, api: bool):
        self.root, self.base_url, self.api = root, base_url.rstrip("/"), api
        self.items: dict[str, list[dict]] = {}

    def add(self, collection: str, item_id: str, when: str, crs, bounds, assets: dict[str, str], **props) -> None:
        lon0, lat0, lon1, lat1 = transform_bounds(crs, "EPSG:4326", *bounds)
        ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
        self.items.setdefault(collection, []).append({
            "type": "Feature", "stac_version": "1.0.0", "id": item_id, "collection": collection,
            "geometry": {"type": "Polygon", "coordinates": [ring]}, "bbox": [lon0, lat0, lon1, lat1],
            "properties": {"datetime": when, **props},
            "links": [{"rel": "self", "href": f"{self.base_url}/{collection}/{item_id}.json"},
                      {"rel": "collection", "href": f"{self.base_url}/{collection}/collection.json"}],
            "assets": {k: {"href": f"{self.base_url}/{rel}", "type": "image/tiff; application=geotiff"}
                       for k, rel in assets.items()},
        })

    def write(self) -> None:
        links = [{"rel": "self", "href": f"{self.base_url}/catalog.json"},
                 {"rel": "root", "href": f"{self.base_url}/catalog.json"}]
        for coll, items in self.items.items():
            links.append({"rel": "child", "href": f"{self.base_url}/{coll}/collection.json"})
            item_links = []
            for item in items:
                (self.root / coll).mkdir(parents=True, exist_ok=True)
                (self.root / coll / f"{item['id']}.json").write_text(json.dumps(item))
                item_links.append({"rel": "item", "href": f"{self.base_url}/{coll}/{item['id']}.json"})
            collection = {
                "type": "Collection", "stac_version": "1.0.0", "id": coll, "description": coll, "license": "proprietary",
                "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
                "links": [{"rel": "self", "href": f"{self.base_url}/{coll}/collection.json"},
                          {"rel": "root", "href": f"{self.base_url}/catalog.json"}] + item_links,
            }
            (self.root / coll / "collection.json").write_text(json.dumps(collection))
        catalog = {"type": "Catalog", "stac_version": "1.0.0", "id": "test", "description": "test catalog",
                   "links": links}
        if self.api:
            catalog["conformsTo"] = ["https://api.stacspec.org/v1.0.0/core",
                                     "https://api.stacspec.org/v1.0.0/item-search"]
            links.append({"rel": "search", "href": f"{self.base_url}/search", "type": "application/geo+json",
                          "method": "GET"})
        (self.root / "catalog.json").write_text(json.dumps(catalog))


def _split(src_path: Path, names: dict[str, str], out: Path, stem: str, offset_bands=(), offset=0) -> dict:
    """Per-band COGs of a multi-band file: native band description -> asset key."""
    assets = {}
    with rasterio.open(src_path) as src:
        descriptions = list(src.descriptions)
        for native, key in names.items():
            band = src.read(descriptions.index(native) + 1)
            if native in offset_bands:
                band = np.where(band > 0, band + offset, 0).astype(band.dtype)
            rel = f"data/{stem}_{key}.tif"
            write_cog(band, src.profile, out / rel)
            assets[key] = rel
        return assets, src.crs, src.bounds


def build_catalog(scene: Path, out: Path, base_url: str, api: bool = False, pb04_first: bool = True) -> CatalogWriter:
    """Catalog of a synthetic scene folder: sentinel-2-l2a, landsat-c2-l2, cop-dem-glo-30, esa-worldcover,
    jrc-gsw. The first Sentinel-2 item gets processing baseline 04.00 with the +1000 DN offset added, as the
    real archive has it."""
    cat = CatalogWriter(out, base_url, api)
    table = pd.read_csv(scene / "acquisitions.csv")
    first_s2 = True
    for row in table.itertuples():
        stem = Path(row.path).stem
        when = f"{row.date}T03:00:00Z"
        if row.sensor.startswith("sentinel2"):
            pb04 = first_s2 and pb04_first
            first_s2 = False
            reflectance = [b for b in S2_ASSETS if b != "SCL"]
            assets, crs, bounds = _split(scene / row.path, S2_ASSETS, out, stem, reflectance if pb04 else (), 1000)
            cat.add("sentinel-2-l2a", stem, when, crs, bounds, assets, **{
                "eo:cloud_cover": 10.0, "platform": "Sentinel-2A",
                "s2:processing_baseline": "04.00" if pb04 else "03.00"})
        else:
            assets, crs, bounds = _split(scene / row.path, LANDSAT_ASSETS, out, stem)
            cat.add("landsat-c2-l2", stem, when, crs, bounds, assets, **{"eo:cloud_cover": 5.0,
                                                                        "platform": "landsat-8"})
    # one cloudy item that the cloud pre-filter must drop
    cat.items["sentinel-2-l2a"].append(dict(cat.items["sentinel-2-l2a"][0], id="cloudy", properties={
        **cat.items["sentinel-2-l2a"][0]["properties"], "eo:cloud_cover": 95.0}))
    for coll, key, file, transform in (("cop-dem-glo-30", "data", "dem.tif", None),
                                       ("esa-worldcover", "map", "landcover.tif", None),
                                       ("jrc-gsw", "occurrence", "water_history.tif", "occurrence")):
        with rasterio.open(scene / file) as src:
            arr = src.read()
            profile, crs, bounds = src.profile, src.crs, src.bounds
        if transform == "occurrence":
            water, valid = (arr == 2).sum(0), (arr > 0).sum(0)
            arr = np.where(valid > 0, np.round(100 * water / np.maximum(valid, 1)), 255).astype("uint8")[None]
            profile = dict(profile, nodata=255)
        rel = f"data/{coll}.tif"
        write_cog(arr[0], profile, out / rel)
        cat.add(coll, coll, "2021-01-01T00:00:00Z", crs, bounds, {key: rel})
    return cat


def add_marburg(cat: CatalogWriter, marburg: Path, out: Path) -> None:
    """The real Landsat L1 scenes as items of a ``landsat-c1-l1`` collection (asset keys = band names + MTL)."""
    for prefix, platform, when in (("LE07_L1TP_195025_20010730_20170204_01_T1", "landsat-7", "2001-07-30"),
                                   ("LC08_L1TP_195025_20130707_20170503_01_T1", "landsat-8", "2013-07-07")):
        assets = {}
        for band in MARBURG_BANDS[platform]:
            with rasterio.open(marburg / f"{prefix}_{band}.TIF") as src:
                write_cog(src.read(1), src.profile, out / f"data/{prefix}_{band}.tif")
                crs, bounds = src.crs, src.bounds
            assets[band] = f"data/{prefix}_{band}.tif"
        mtl = out / f"data/{prefix}_MTL.txt"
        mtl.write_text((marburg / f"{prefix}_MTL.txt").read_text())
        assets["MTL"] = f"data/{prefix}_MTL.txt"
        cat.add("landsat-c1-l1", prefix, f"{when}T10:00:00Z", crs, bounds, assets, platform=platform,
                **{"eo:cloud_cover": 1.0})


class StacServer(ThreadingHTTPServer):
    """Loopback HTTP server of a catalog folder with range requests, /search and fault injection."""

    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: list[tuple[str, str, int]] = []
        self.faults: dict[str, list[str]] = {}
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def search(self, collections: list[str]) -> dict:
        features = []
        for coll in collections:
            folder = self.root / coll
            features += [json.loads(p.read_text()) for p in sorted(folder.glob("*.json")) if p.name != "collection.json"]
        return {"type": "FeatureCollection", "features": features, "links": []}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean; requests are logged on the server
        pass

    def _fault(self, path: str) -> str | None:
        for pattern, faults in self.server.faults.items():
            if pattern in path and faults:
                return faults.pop(0)
        return None

    def _send(self, status: int, body: bytes, headers: dict | None = None, head: bool = False,
              truncate: bool = False) -> None:
        self.server.requests.append((self.command, self.path, status))
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        url = urlparse(self.path)
        fault = self._fault(url.path)
        if fault == "429":
            return self._send(429, b"slow down", {"Retry-After": "0"})
        if fault == "500":
            return self._send(500, b"internal error", head=head)
        if url.path == "/search":
            query = parse_qs(url.query)
            collections = ",".join(query.get("collections", [""])).split(",")
            body = json.dumps(self.server.search(collections)).encode()
            return self._send(200, body, {"Content-Type": "application/geo+json"}, head)
        file = self.server.root / url.path.lstrip("/")
        if not file.is_file():
            return self._send(404, b"not found", head=head)
        data = file.read_bytes()
        ctype = "application/json" if file.suffix == ".json" else "application/octet-stream"
        headers = {"Content-Type": ctype, "Accept-Ranges": "bytes",
                   "Last-Modified": datetime.fromtimestamp(file.stat().st_mtime, timezone.utc).strftime(
                       "%a, %d %b %Y %H:%M:%S GMT")}
        match = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(data) - 1, len(data) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return self._send(206, data[start:end + 1], headers, head, truncate=fault == "truncate")
        return self._send(200, data, headers, head, truncate=fault == "truncate")

    def do_GET(self):
        self._serve(head=False)

    def do_HEAD(self):
        self._serve(head=True)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        fault = self._fault(self.path)
        if fault == "429":
            return self._send(429, b"slow down", {"Retry-After": "0"})
        if fault == "500":
            return self._send(500, b"internal error")
        collections = body.get("collections") or []
        self._send(200, json.dumps(self.server.search(collections)).encode(), {"Content-Type": "application/geo+json"})
