"""The inputs contract: what a region's config may name as input files (:data:`PATH_KEYS`, :data:`SOURCE_GROUPS`),
which sensor family gives its LST (:func:`lst_family`), and what every stage after ingest reads:
``inputs/grid.json`` (the region grid, written once by the plan rule) and ``inputs/sources.yaml`` (absolute paths
of the region's other inputs, written by ingest)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from minerestore.raster.grid import Grid

#: Config keys of a region that name one input file.
PATH_KEYS = ("acquisitions", "dem", "landcover", "water_history", "water_occurrence", "rivers", "aoi",
             "subregions", "reference_mines", "mine_rights", "lst", "obstruction")
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


@dataclass(frozen=True)
class RasterContract:
    """What the values of an auxiliary raster must be (docs/design.md, data contracts; README, inputs).

    Attributes
    ----------
    units : in words, for messages.
    valid : (lowest, highest) data value, or None for class codes.
    codes : the class codes it may hold (besides its no-data value), or None for a continuous quantity.
    nodata : the product's own no-data value, taken as no data even where the file does not declare it.
    fills : values such products use as fill besides :data:`COMMON_FILLS` (land cover: 255, the fill of MODIS
        MCD12Q1 and GlobeLand30), refused as data like those.
    """

    units: str
    valid: tuple[float, float] | None = None
    codes: tuple[int, ...] | None = None
    nodata: float | None = None
    fills: tuple[float, ...] = ()


#: The auxiliary rasters a region reads, by config key (drivers by their registry entry).
RASTER_CONTRACTS = {
    "dem": RasterContract("m above sea level", (-500.0, 9000.0)),
    "lst": RasterContract("K", (150.0, 350.0)),
    "water_occurrence": RasterContract("% of the valid observations that saw water (JRC GSW; 255 no data)",
                                       (0.0, 100.0), nodata=255.0),
    "water_history": RasterContract("JRC monthly history codes (0 no data, 1 not water, 2 water)", codes=(0, 1, 2)),
    "landcover": RasterContract("land-cover class codes", fills=(255.0,)),
    "driver": RasterContract("the driver's units"),
}
#: Values products use as fill, which a file without a declared no-data value would pass off as data.
COMMON_FILLS = (-9999.0, -32768.0, -32767.0, -999.0, 32767.0, 65535.0, -3.4028234663852886e38)


def check_raster_values(values: np.ndarray, nodata, contract: RasterContract, name: str) -> None:
    """Check a sample of an auxiliary raster's values (as stored, no-data not yet masked) against its contract.

    Parameters
    ----------
    values : ndarray of any shape, float or int: the values read over the region (e.g. on a coarsened grid, NaN
        where the raster does not reach).
    nodata : the no-data value the file declares, or None.
    contract : what the values must be (:data:`RASTER_CONTRACTS`).
    name : the config key and the file, for messages.

    Raises
    ------
    ValueError
        Naming ``name`` and what was found: a fill value (:data:`COMMON_FILLS` and the contract's ``fills``, e.g.
        -9999) stored as data, where the file declares no no-data value or another one (it would be read as a value,
        e.g. slopes of 89° beside a DEM void, a GDP of -9999 in a file whose no-data is NaN); values outside the valid
        range (a fraction where percent is expected, °C where K is, feet or decimetres where metres are); class
        codes outside the documented ones.
    """
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v)]
    for skip in (nodata, contract.nodata):
        if skip is not None and np.isfinite(skip):
            v = v[v != skip]
    if v.size == 0:
        return
    fills = [f for f in (*COMMON_FILLS, *contract.fills) if np.any(np.isclose(v, f, rtol=1e-6))]
    outside = contract.valid is not None and not (contract.valid[0] <= v.min() and v.max() <= contract.valid[1])
    if fills and (contract.valid is None or outside):  # the declared no-data value is left out of v above
        declared = "no no-data value" if nodata is None else f"{nodata:g} as its no-data value"
        raise ValueError(f"{name}: {int(np.isin(v, fills).sum())} sampled pixels hold {fills[0]:g}, a fill value, but "
                         f"the file declares {declared}, so they would be read as data; declare it (e.g. "
                         f"gdal_edit.py -a_nodata {fills[0]:g} FILE, after making every fill that value) and rerun")
    if contract.codes is not None:
        found = sorted(set(np.unique(v).astype(int).tolist()) - set(contract.codes))
        if found or np.any(v != np.round(v)):
            raise ValueError(f"{name}: codes {found[:12]} found where {contract.units} are expected; convert the "
                             "file to those codes")
    if outside:
        low, high = contract.valid
        hint = ""
        if high == 100.0 and v.max() <= 1.0:
            hint = " - a fraction where percent is expected? multiply by 100"
        elif high == 350.0 and v.max() < 100.0:
            hint = " - degrees Celsius where kelvin is expected? add 273.15"
        elif high == 350.0:
            hint = " - digital numbers? apply the product's scale factor (MOD11A2: x 0.02)"
        raise ValueError(f"{name}: values {v.min():g} to {v.max():g} outside the contract's {low:g} to {high:g} "
                         f"({contract.units}){hint}")
    if contract.valid == (0.0, 100.0) and v.max() <= 1.0 and np.any((v > 0) & (v < 1)):
        raise ValueError(f"{name}: values 0 to {v.max():g} - a fraction where percent (0-100) is expected; multiply "
                         "by 100")


def absent_classes(values: np.ndarray, nodata, classes: list[int]) -> tuple[list[int], list[int]]:
    """Of the land-cover ``classes`` a config names (``masks.builtup_classes`` …), those no sampled pixel holds,
    and the codes the sample does hold (no-data left out): a class list of another product's legend (ESA
    WorldCover's 50 against CLCD's 8) would give an empty mask without this being said.

    Parameters
    ----------
    values : ndarray, the land-cover codes as stored (e.g. :func:`minerestore.raster.read.sample_values`), NaN
        outside the raster; nodata : its declared no-data value or None.
    """
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v) & (v != (nodata if nodata is not None else np.nan))]
    found = sorted(set(np.unique(v).astype(int).tolist()))
    return [c for c in classes if c not in found], found
