"""The layers the ecological indices need from one year's composite (bands, NDVI, LST, water, WET, NDBSI)."""

from __future__ import annotations

import os

import numpy as np
import rasterio

from minerestore.raster.grid import Grid
from minerestore.raster.read import band_index, lazy_on_grid, read_on_grid


def read_year(composite: str | os.PathLike, water, mndwi_threshold: float, grid: Grid,
              lst_path: str | None = None, wet_setting: str = "auto", family: str = "sentinel2",
              chunk_px: int | None = None) -> dict:
    """Everything the ecological indices need from one year's composite.

    With ``chunk_px`` the layers are dask arrays of ``chunk_px`` tiles read only when computed (``water`` then
    a dask array too, :func:`read_water`): memory is bounded by the tiles in flight, not by the region.

    Returns
    -------
    dict: ``bands`` (blue … swir2), ``ndvi``, ``lst`` (K; from the composite, else from ``lst_path``: the band
    named by the year or the first band), ``valid`` (not water: neither the water mask nor MNDWI >
    ``mndwi_threshold``), ``mndwi``, ``wet`` (tasseled-cap wetness), ``ndbsi``, ``coefficients`` (the
    tasseled-cap set, :func:`minerestore.indices.coefficients_for`) and ``year``.

    Raises
    ------
    ValueError
        When the composite has no LST and no LST raster is given, saying how to supply one.
    """
    from minerestore.indices import coefficients_for, mndwi, ndbsi, tasseled_cap

    names = ("blue", "green", "red", "nir", "swir1", "swir2", "ndvi", "lst")
    with rasterio.open(composite) as src:
        descriptions, tags = list(src.descriptions), src.tags()
        d = None if chunk_px else dict(zip(descriptions, src.read()))
    if chunk_px:
        d = {n: lazy_on_grid(composite, grid, i + 1, chunk_px) for i, n in enumerate(descriptions) if n in names}
    year = int(tags.get("year", 0))
    lst = d["lst"]
    if not bool(np.isfinite(lst).any()) and bool(np.isfinite(d["ndvi"]).any()):  # observed, no thermal band
        if not lst_path:
            raise ValueError(
                f"{composite}: no LST in the {year} composite (sensor {tags.get('sensor')}). RSEI needs LST: set "
                "regions.<name>.lst_sensor to landsat or modis with those acquisitions in the table, or "
                "regions.<name>.lst to an LST raster in kelvin"
            )
        with rasterio.open(lst_path) as src:
            band = band_index(src, str(year), lst_path) if str(year) in src.descriptions else 1
        if chunk_px:
            lst = lazy_on_grid(lst_path, grid, band, chunk_px, fill=np.nan)
        else:
            lst = read_on_grid(lst_path, grid, band, fill=np.nan).astype(np.float32)
    index = mndwi(d["green"], d["swir1"])
    bands = {k: d[k] for k in names[:6]}
    coefficients = coefficients_for(wet_setting, [s for s in tags.get("sensors", "").split(",") if s], family)
    return {"bands": bands, "ndvi": d["ndvi"], "lst": lst, "mndwi": index,
            "valid": ~water & ~(index > mndwi_threshold), "year": year,  # NaN MNDWI compares False
            "wet": tasseled_cap(bands, "wetness", coefficients), "ndbsi": ndbsi(bands), "coefficients": coefficients}
