"""The inputs contract: what a region's config may name as input files (:data:`PATH_KEYS`, :data:`SOURCE_GROUPS`),
which sensor family gives its LST (:func:`lst_family`), and what every stage after ingest reads:
``inputs/grid.json`` (the region grid, written once by the plan rule) and ``inputs/sources.yaml`` (absolute paths
of the region's other inputs, written by ingest)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from minerestore.raster.grid import Grid

#: Config keys of a region that name one input file.
PATH_KEYS = ("acquisitions", "dem", "landcover", "water_history", "water_occurrence", "rivers", "aoi",
             "subregions", "reference_mines", "lst", "obstruction")
#: The region's input files other than the acquisitions table: what ingest lists in sources.yaml.
SOURCE_KEYS = tuple(k for k in PATH_KEYS if k != "acquisitions")
#: Groups of input files by name: drivers, other mine products, InSAR products (velocity, coherence, incidence).
SOURCE_GROUPS = ("drivers", "mine_products", "insar")


def lst_family(region: dict) -> str:
    """Sensor family giving LST for a region (see the schema's ``lst_sensor``)."""
    if "lst_sensor" in region:
        return region["lst_sensor"]
    if region["sensor"] in ("landsat", "modis"):
        return region["sensor"]
    return "landsat" if region["source"] == "synthetic" else "none"


def read_sources(path: str | os.PathLike) -> dict:
    """The region's input paths (``inputs/sources.yaml``): role -> absolute path, and ``drivers``,
    ``mine_products``, ``truth`` -> name -> path."""
    return yaml.safe_load(Path(path).read_text())


def read_region(grid_path: str | os.PathLike, sources_path: str | os.PathLike) -> tuple[Grid, dict]:
    """The region grid (``inputs/grid.json``) and input sources (``inputs/sources.yaml``)."""
    return Grid.read(grid_path), read_sources(sources_path)


def reference_mines_path(sources: dict) -> str:
    """The reference mine polygons of a region: the user's ``reference_mines``, else the synthetic truth.

    Raises
    ------
    KeyError
        If the region has neither (set ``reference_mines`` in the config).
    """
    if "reference_mines" in sources:
        return sources["reference_mines"]
    if "truth" in sources and "mines" in sources["truth"]:
        return sources["truth"]["mines"]
    raise KeyError("the region has no reference mine polygons; set regions.<name>.reference_mines")
