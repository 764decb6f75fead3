"""The layers the ecological indices need from one year's composite (bands, NDVI, LST, water, WET, NDBSI)."""

from __future__ import annotations

import logging
import os

import numpy as np
import rasterio

from minerestore.raster.grid import Grid
from minerestore.raster.read import band_index, lazy_on_grid, read_float, read_on_grid
from minerestore.raster.tiles import pad_window
from minerestore.topography import slope_degrees

log = logging.getLogger(__name__)


def read_year(composite: str | os.PathLike, domain, water, *, mndwi_threshold: float, grid: Grid,
              lst_path: str | None = None, wet_setting: str, family: str, chunk_px: int | None = None) -> dict:
    """Everything the ecological indices need from one year's composite.

    With ``chunk_px`` the layers are dask arrays of ``chunk_px`` tiles read only when computed (``domain`` and
    ``water`` then dask arrays too, :func:`minerestore.raster.read.read_domain_and_water`): memory is bounded by
    the tiles in flight, not by the region.

    Parameters
    ----------
    domain : bool (rows, cols)
        The analysis domain (study area); pixels outside it are never valid.
    water : bool (rows, cols)
        The water mask.
    mndwi_threshold : MNDWI above which a pixel is water (config ``thresholds.mndwi_water``).
    lst_path : LST raster for composites without LST (config ``regions.<name>.lst``), optional.
    wet_setting : tasseled-cap set, or ``auto`` for the set of the composite's sensors (config
        ``ecology.wet_coefficients``; :func:`minerestore.indices.coefficients_for`).
    family : the region's sensor family (config ``regions.<name>.sensor``).

    Returns
    -------
    dict: ``bands`` (blue … swir2, and swir1240 for the MODIS tasseled cap), ``ndvi``, ``lst`` (K; from the composite, else from ``lst_path``: the band
    named by the year or the first band), ``valid`` (in the domain and not water: neither the water mask nor
    MNDWI > ``mndwi_threshold``), ``domain``, ``mndwi``, ``wet`` (tasseled-cap wetness), ``ndbsi``,
    ``coefficients`` (the tasseled-cap set, :func:`minerestore.indices.coefficients_for`), ``year`` and
    ``years_used`` (the calendar years whose acquisitions the composite pooled, comma-separated).

    Raises
    ------
    ValueError
        When the composite has no LST and no LST raster is given, saying how to supply one; when the MODIS
        tasseled-cap set is asked for a composite without MODIS acquisitions.
    """
    from minerestore.indices import coefficients_for, mndwi, ndbsi, tasseled_cap

    names = ("blue", "green", "red", "nir", "swir1", "swir2", "ndvi", "lst", "swir1240")
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
    sensors = [s for s in tags.get("sensors", "").split(",") if s]
    coefficients = coefficients_for(wet_setting, sensors, family)
    bands = {k: d[k] for k in (*names[:6], *(["swir1240"] if coefficients == "modis" else []))}
    if coefficients == "modis" and not any(s.startswith("modis") for s in sensors):
        raise ValueError(f"{composite}: ecology.wet_coefficients is 'modis' but the {year} composite is made of "
                         f"{sensors or 'no'} acquisitions, without MODIS band 5; use auto or the sensor's own set")
    return {"bands": bands, "ndvi": d["ndvi"], "lst": lst, "mndwi": index,
            "valid": domain & ~water & ~(index > mndwi_threshold),  # NaN MNDWI compares False
            "domain": domain, "year": year, "years_used": tags.get("years_used", str(year)),
            "wet": tasseled_cap(bands, "wetness", coefficients), "ndbsi": ndbsi(bands), "coefficients": coefficients}


def impervious(landcover: str | os.PathLike | None, classes: list[int], domain, grid: Grid,
               chunk_px: int | None = None):
    """Bare rock and impervious pixels of a land-cover raster (its ``classes``) for REM's binary I_imper, bool
    (rows, cols), numpy or dask; None without a land-cover raster, or (with a warning naming the file and the
    classes) when none of ``classes`` occurs in the domain: I_imper then follows the BCI rule alone."""
    if landcover is None:
        return None
    from rasterio.enums import Resampling

    if chunk_px is None:
        classes_on_grid = read_on_grid(landcover, grid, 1, resampling=Resampling.nearest, fill=0)
    else:
        classes_on_grid = lazy_on_grid(landcover, grid, 1, chunk_px, dtype="int32", resampling=Resampling.nearest,
                                       fill=0)
    out = np.isin(classes_on_grid, classes)
    if not bool((out & domain).any()):
        log.warning("%s: none of the land-cover classes %s (ecology.imper_classes) in the study area; bare rock "
                    "and impervious surface for I_imper from BCI > ecology.imper_bci_threshold only",
                    landcover, list(classes))
        return None
    return out


def flatness(dem: str | os.PathLike | None, max_slope_deg: float | None, grid: Grid, chunk_px: int | None = None):
    """Flatness of the terrain for REM's I_soil: 1 − min(slope, ``max_slope_deg``) / ``max_slope_deg``, slope in
    degrees from the DEM on the region grid (:func:`minerestore.topography.slope_degrees`, central differences;
    tiles read with a one-pixel halo, so tile edges are exact).

    Why this form: the Yangtze study's I_soil combines bareness and flatness of soil (after Sun et al. 2022), whose
    form could not be read. Slope is the terrain's first control on soil erosion and on whether bare land can be
    revegetated; a fixed scale keeps flatness comparable across years and regions (a min–max of the scene's
    slopes would not), and 25° (config ``ecology.flatness_slope_deg``) is the slope above which China's Water and
    Soil Conservation Law bars cultivation and the Grain-for-Green programme returns cropland to forest: land at
    or above it counts as not flat at all.

    Parameters
    ----------
    dem : elevation raster (m, any CRS; bilinear onto the grid), or None.
    max_slope_deg : slope of zero flatness (config ``ecology.flatness_slope_deg``), or None to leave flatness out.
    grid : the region grid; chunk_px : stream as dask tiles of this size (None: a whole numpy array).

    Returns
    -------
    float32 (rows, cols) in [0, 1], NaN where the DEM has no value (numpy or dask); None without a DEM (warned:
    I_soil is then bareness alone) or without ``max_slope_deg``.
    """
    if max_slope_deg is None:
        return None
    if dem is None:
        log.warning("no DEM for this region: REM's I_soil is bareness alone, without the flatness of the soil "
                    "(give regions.<name>.dem, or set ecology.flatness_slope_deg: null to say so)")
        return None

    def flat(elevation):
        slope = slope_degrees(elevation, grid.resolution)
        return (1 - np.minimum(slope, max_slope_deg) / max_slope_deg).astype(np.float32)

    if chunk_px is None:
        return flat(read_float(dem, grid))
    import dask.array as da
    from rasterio.windows import Window

    def tile(block_info=None):  # slope on the tile with a one-pixel margin
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        padded, inner = pad_window(grid, Window(c0, r0, c1 - c0, r1 - r0), 1)
        return flat(read_float(dem, grid, window=padded))[inner]

    chunks = da.core.normalize_chunks((chunk_px, chunk_px), grid.shape)
    return da.map_blocks(tile, chunks=chunks, dtype=np.float32, meta=np.empty((0, 0), np.float32))
