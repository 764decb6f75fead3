"""Planning and bookkeeping of remote inputs (``source: stac`` and ``source: earthengine``).

The region grid of a remote region is known before anything is fetched (from ``bounds``, the AOI or the buffered
rivers), so every fetch job loads straight onto it. Fetch jobs write small YAML records (acquisition rows,
static layer paths, provenance); :func:`inputs_manifest` turns them into the same ``inputs.yaml`` +
``acquisitions.csv`` a synthetic scene has, which the ingest rule reads like a local region.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import yaml

from .config import PATH_KEYS, lst_family
from .grid import Grid
from .io import write_table, write_text


def planned_bounds(region: dict, buffer_km: float, base: str | os.PathLike) -> tuple[float, float, float, float]:
    """Extent of a remote region in its CRS: ``bounds``, else the AOI's, else the rivers' grown by the buffer.

    Raises
    ------
    ValueError
        When the region has none of them (names what to set).
    """
    if region.get("bounds"):
        return tuple(region["bounds"])
    for key, grow in (("aoi", 0.0), ("rivers", buffer_km * 1000.0)):
        if region.get(key):
            frame = gpd.read_file(Path(base) / region[key]).to_crs(region["crs"])
            xmin, ymin, xmax, ymax = frame.total_bounds
            return (xmin - grow, ymin - grow, xmax + grow, ymax + grow)
    raise ValueError("a remote region needs bounds, aoi or rivers to define its grid")


def region_grid(region: dict, buffer_km: float, base: str | os.PathLike) -> Grid:
    """The region grid of a remote region (see :func:`planned_bounds`), at the region resolution."""
    return Grid.from_bounds(region["crs"], planned_bounds(region, buffer_km, base), region["resolution"])


def roles(region: dict) -> list[str]:
    """Acquisition roles to fetch: the region's sensor family, plus the LST family when it is another one
    (``modis_lst`` for MODIS LST: MOD11A2 is a product apart from MOD09A1)."""
    out = [region["sensor"]]
    lst = lst_family(region)
    if lst == "modis":
        out.append("modis_lst")
    elif lst not in ("none", region["sensor"]):
        out.append(lst)
    return out


def inputs_manifest(region: dict, static: dict, years: list[dict], workdir: str | os.PathLike,
                    out_dir: str | os.PathLike) -> None:
    """Write ``inputs.yaml``, ``acquisitions.csv`` and ``manifest.csv`` of a remote region under ``out_dir``.

    Parameters
    ----------
    region : the region config; its local files (rivers, aoi, drivers…) are carried over as absolute paths.
    static : record of the static fetch: ``bounds``, ``layers`` (name -> path), ``provenance`` (list).
    years : records of the yearly fetches: ``rows`` (path, date, sensor), ``provenance``.
    workdir : folder relative paths of the config are taken from.

    Raises
    ------
    ValueError
        When no year fetched any acquisition.
    """
    out = Path(out_dir)
    rows = [r for y in years for r in y["rows"]]
    if not rows:
        raise ValueError("the fetch found no acquisition in any year; widen the season, years or stac.max_cloud")
    write_table(out / "acquisitions.csv", pd.DataFrame(rows))
    provenance = [p for rec in (static, *years) for p in rec["provenance"]]
    write_table(out / "manifest.csv", pd.DataFrame(
        [{**p, "item_ids": " ".join(p["item_ids"]), "hrefs": " ".join(p["hrefs"])} for p in provenance]))
    spec = {"bounds": list(static["bounds"]), "acquisitions": "acquisitions.csv", **static["layers"]}
    base = Path(workdir)
    for key in PATH_KEYS:
        if key in region and key != "acquisitions":
            spec[key] = str((base / region[key]).resolve())
    for group in ("drivers", "mine_products"):
        spec[group] = {k: str((base / v).resolve()) for k, v in (region.get(group) or {}).items()}
    write_text(out / "inputs.yaml", yaml.safe_dump(spec, sort_keys=False))
