"""Readers shared by the workflow scripts: yearly composite stacks, rasters and polygons on the region grid."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.features import rasterize

from .grid import Grid
from .raster import read_on_grid
from .tiles import lazy_on_grid


def read_composites(paths: list[str | os.PathLike], bands: list[str], window=None) -> dict[str, np.ndarray]:
    """Stack named bands of yearly composites: dict band -> ndarray (years, rows, cols) float32.

    ``window`` (rasterio Window) reads only that part of each raster (e.g. one tile of a VRT mosaic).

    Raises
    ------
    KeyError
        Naming the composite and the missing band.
    """
    out: dict[str, list] = {b: [] for b in bands}
    for path in paths:
        with rasterio.open(path) as src:
            names = list(src.descriptions)
            for b in bands:
                if b not in names:
                    raise KeyError(f"{path}: composite has no band {b!r} (bands: {names})")
                out[b].append(src.read(names.index(b) + 1, window=window))
    return {b: np.stack(v).astype(np.float32) for b, v in out.items()}


def read_float(path: str | os.PathLike, grid: Grid, resampling: Resampling = Resampling.bilinear,
               window=None) -> np.ndarray:
    """First band of a raster on the grid (or a window of it) as float32 with NaN for nodata (rows, cols)."""
    with rasterio.open(path) as src:
        nodata = src.nodata
    data = read_on_grid(path, grid, 1, window, resampling, fill=nodata if nodata is not None else np.nan)
    data = data.astype(np.float32)
    if nodata is not None and not np.isnan(nodata):
        data[data == nodata] = np.nan
    return data


def burn(geoms, grid: Grid, values=None, dtype: str = "uint8") -> np.ndarray:
    """Rasterise geometries onto the grid (pixel centres; 0 elsewhere); ``values`` default 1."""
    geoms = list(geoms)
    if not geoms:
        return np.zeros(grid.shape, dtype)
    values = values if values is not None else [1] * len(geoms)
    return rasterize(list(zip(geoms, values)), out_shape=grid.shape, transform=grid.transform, dtype=dtype)


def read_vector(path: str | os.PathLike, crs: str) -> gpd.GeoDataFrame:
    """A vector layer re-projected to ``crs``.

    Raises
    ------
    ValueError
        If the layer has no CRS (names the file).
    """
    frame = gpd.read_file(path)
    if frame.crs is None:
        raise ValueError(f"{path}: the layer has no CRS; set one and rerun")
    return frame.to_crs(crs)


def read_mines(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """The mines layer (``mines/mines.gpkg``) with ``mine_id`` as text, also when it holds no mine."""
    mines = gpd.read_file(path)
    mines["mine_id"] = mines["mine_id"].astype(str)
    return mines


def read_water(path: str | os.PathLike, grid: Grid, chunk_px: int | None = None):
    """The water mask (``masks/water.tif``) as bool (rows, cols): numpy, or dask in ``chunk_px`` tiles."""
    if chunk_px is None:
        return read_mask(path)
    return lazy_on_grid(path, grid, 1, chunk_px, "uint8", Resampling.nearest) == 1


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
    from .indices import coefficients_for, mndwi, ndbsi, tasseled_cap

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
            band = list(src.descriptions).index(str(year)) + 1 if str(year) in src.descriptions else 1
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


def read_region(grid_path: str | os.PathLike, sources_path: str | os.PathLike) -> tuple[Grid, dict]:
    """The region grid (``inputs/grid.json``) and input sources (``inputs/sources.yaml``)."""
    import yaml

    return Grid.from_json(Path(grid_path).read_text()), yaml.safe_load(Path(sources_path).read_text())


def read_preview(path: str | os.PathLike, name: str | int = 1, max_px: int = 2000) -> np.ndarray:
    """One band (by description or index) as float32 with NaN for nodata, decimated (nearest, through overviews
    when the file has them) so its longer side is at most ``max_px``: maps and densities of a region of any size.
    Read at full resolution when it is smaller.

    Raises
    ------
    KeyError
        Naming the file and its bands when ``name`` is not one of them.
    """
    with rasterio.open(path) as src:
        if isinstance(name, str):
            if name not in src.descriptions:
                raise KeyError(f"{path}: no band {name!r} (bands: {list(src.descriptions)})")
            name = list(src.descriptions).index(name) + 1
        factor = max(1, int(np.ceil(max(src.height, src.width) / max_px)))
        shape = (int(np.ceil(src.height / factor)), int(np.ceil(src.width / factor)))
        data = src.read(name, out_shape=shape, resampling=Resampling.nearest).astype(np.float32)
        if src.nodata is not None and not np.isnan(src.nodata):
            data[data == src.nodata] = np.nan
    return data


def read_mask(path: str | os.PathLike, window=None) -> np.ndarray:
    """A uint8 mask raster (1 = set, 0 = not, 255 = outside) as bool (rows, cols), or a window of it."""
    with rasterio.open(path) as src:
        return src.read(1, window=window) == 1
