"""Bookkeeping of remote inputs (``source: stac`` and ``source: earthengine``).

The region grid of a remote region is planned before anything is fetched (:func:`minerestore.sources.plan.planned_grid`),
so every fetch job loads one tile straight onto it. Fetch jobs write small YAML records (acquisition rows, static
layer paths, provenance); :func:`inputs_manifest` joins the tiles into virtual mosaics (one VRT per acquisition
band and per static layer) and writes the same ``inputs.yaml`` + ``acquisitions.csv`` a synthetic scene has,
which the ingest rule reads like a local region.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import yaml

from minerestore.io import write_table, write_text
from minerestore.raster.grid import Grid
from minerestore.raster.mosaic import mosaic_tiles
from minerestore.sources.contract import SOURCE_GROUPS, SOURCE_KEYS


def inputs_manifest(region: dict, grid: Grid, *, size_px: int, static: dict[str, dict],
                    fetched: list[tuple[str, dict]], workdir: str | os.PathLike, out_dir: str | os.PathLike) -> dict:
    """Write ``inputs.yaml``, ``acquisitions.csv``, ``manifest.csv`` and the virtual mosaics of a remote region.

    Parameters
    ----------
    region : the region config; its local files (rivers, aoi, drivers…) are carried over as absolute paths.
    grid, size_px : the planned region grid and its tile size.
    static : tile id -> record of the static fetch (``layers``: name -> file, ``provenance``).
    fetched : (tile id, record of a yearly fetch: ``rows`` with path pattern, date, sensor, bands, purpose;
        ``provenance`` with the purpose of each file).
    workdir : folder relative paths of the config are taken from.

    Writes one VRT per static layer (``layers/{name}.vrt``) and per acquisition band
    (``acquisitions/{date}_{sensor}_{band}.vrt``, tiles without that acquisition read as nodata); Level-1
    acquisitions get their MTL beside them. ``acquisitions.csv`` lists each acquisition's bands (a date fetched
    for a mask period only has some) and ``manifest.csv`` the purpose of each file (``season``, ``vegetation``,
    ``snow``: :func:`minerestore.sources.common.fetch_purpose`).

    Returns
    -------
    dict purpose -> number of acquisitions.

    Raises
    ------
    ValueError
        When no tile of any year fetched an acquisition.
    """
    out = Path(out_dir)
    acquisitions: dict[tuple[str, str], dict] = {}
    for tile, record in fetched:
        for row in record["rows"]:
            entry = acquisitions.setdefault((row["date"], row["sensor"]),
                                            {"bands": row["bands"], "purpose": row["purpose"], "tiles": {}})
            entry["tiles"][tile] = row["path"]
    if not acquisitions:
        raise ValueError("the fetch found no acquisition in any year; widen the season, years or stac.max_cloud")
    rows = []
    for (when, sensor), entry in sorted(acquisitions.items()):
        stem = out / "acquisitions" / f"{when}_{sensor}_"
        for band in entry["bands"]:
            tiles = {t: p.format(band=band) for t, p in entry["tiles"].items()}
            mosaic_tiles(f"{stem}{band}.vrt", grid, tiles, size_px)
        mtl = Path(next(iter(entry["tiles"].values())).split("{band}")[0] + "MTL.txt")
        if mtl.exists():
            shutil.copyfile(mtl, f"{stem}MTL.txt")
        rows.append({"path": f"{stem}{{band}}.vrt", "date": when, "sensor": sensor, "bands": " ".join(entry["bands"])})
    write_table(out / "acquisitions.csv", pd.DataFrame(rows))
    layers: dict[str, dict[str, str]] = {}
    for tile, record in static.items():
        for name, path in record["layers"].items():
            layers.setdefault(name, {})[tile] = path
    spec = {"bounds": list(grid.bounds), "acquisitions": "acquisitions.csv",
            **{name: mosaic_tiles(out / "layers" / f"{name}.vrt", grid, tiles, size_px) for name, tiles in layers.items()}}
    provenance = [p for rec in [*static.values(), *(r for _, r in fetched)] for p in rec["provenance"]]
    write_table(out / "manifest.csv", pd.DataFrame(
        [{**p, "item_ids": " ".join(p["item_ids"]), "hrefs": " ".join(p["hrefs"])} for p in provenance]))
    base = Path(workdir)
    for key in SOURCE_KEYS:
        if key in region:
            spec[key] = str((base / region[key]).resolve())
    for group in SOURCE_GROUPS:
        spec[group] = {k: str((base / v).resolve()) for k, v in (region.get(group) or {}).items()}
    if region.get("aoi_select"):
        spec["aoi_select"] = dict(region["aoi_select"])
    write_text(out / "inputs.yaml", yaml.safe_dump(spec, sort_keys=False))
    purposes = [e["purpose"] for e in acquisitions.values()]
    return {p: purposes.count(p) for p in dict.fromkeys(purposes)}
