"""Reading rasters onto (a window of) the region grid.

One place looks a band up by its description (:func:`band_index`); every reader takes a band by 1-based index or
by name. Files on another grid are re-projected on the fly with rasterio's :func:`~rasterio.warp.reproject`
straight into the window's array, so a window reads only the source blocks it needs; :func:`lazy_on_grid` wraps
the same read as a dask array of tiles computed only when needed, its local files kept open for the thread's later
windows (:func:`open_raster`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import rasterio
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window

from minerestore.raster.grid import Grid


def band_index(src, name: str, path: str | os.PathLike) -> int:
    """1-based index of the band described ``name`` in an open rasterio dataset.

    Raises
    ------
    KeyError
        Naming the file, the missing band and the bands it has (or that its bands have no names, and how to give
        them).
    """
    names = list(src.descriptions)
    if name not in names:
        if not any(names):
            raise KeyError(f"{path}: band {name!r} not found; the file's {len(names)} bands have no descriptions (names): "
                           "name each band as its product does (e.g. rasterio's set_band_description, or a VRT "
                           "with <Description>), or list one file per band with a {band} pattern in the path")
        raise KeyError(f"{path}: band {name!r} not found; the file has bands {names}")
    return names.index(name) + 1


#: Files each thread keeps open for :func:`lazy_on_grid` (the least recently read is closed first).
KEEP_OPEN = 16
_kept = threading.local()


@contextmanager
def open_raster(path: str | os.PathLike, keep: bool = False) -> Iterator:
    """The open rasterio dataset of ``path``; with ``keep``, kept open for later calls from the same thread while
    the file is unchanged (same inode, size and modification time), so that GDAL's block cache serves repeated
    windows.

    Why keep: a dask stream (:func:`lazy_on_grid`) computes a layer more than once and reads each tile's window of
    a file per band, and every fresh open of a mosaic VRT re-opens and re-decompresses its tiles (measured: a REM
    year of the tiny config read its composite VRT 128 times, ~8 ms each; 0.1 ms with the file kept open).
    rasterio has no such cache, and GDAL's shared datasets close with their last user. The memory this holds is
    GDAL's block cache, bounded by ``GDAL_CACHEMAX`` (the workflow's jobs set 128 MB,
    :func:`minerestore.scripting.configure`). Paths that are not local files (``/vsimem/``, URLs) are never kept.

    Raises
    ------
    OSError
        Naming the file when it cannot be opened as a raster.
    """
    try:
        st = os.stat(path) if keep else None
    except (OSError, TypeError, ValueError):
        st = None
    if st is None:
        with _open(path) as src:
            yield src
        return
    key, stamp = os.path.abspath(path), (st.st_ino, st.st_size, st.st_mtime_ns)
    kept = _kept.__dict__.setdefault("files", {})  # path -> (stamp, dataset), least recently used first
    old = kept.pop(key, None)
    if old is not None and old[0] != stamp:
        old[1].close()
        old = None
    src = old[1] if old is not None else _open(path)
    kept[key] = (stamp, src)
    while len(kept) > KEEP_OPEN:
        kept.pop(next(iter(kept)))[1].close()
    yield src


def _open(path: str | os.PathLike):
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise OSError(f"{path}: cannot be read as a raster ({err})") from err


def _aligned(src, grid: Grid) -> bool:
    """True when the source is already on the region grid (same CRS, transform and shape): no warping needed."""
    return (
        src.crs is not None
        and src.crs == CRS.from_user_input(grid.crs)
        and src.transform.almost_equals(grid.transform)
        and (src.width, src.height) == (grid.width, grid.height)
    )


def read_on_grid(
    path: str | os.PathLike,
    grid: Grid,
    bands: int | str | list = 1,
    window: Window | None = None,
    *,
    resampling: Resampling | list[Resampling] = Resampling.bilinear,
    src_nodata: float | None = None,
    fill: float | None = None,
    keep_open: bool = False,
) -> np.ndarray:
    """Read bands of ``path`` re-projected onto ``grid`` (or a window of it).

    A file already on the grid is read directly, all bands in one read (a pixel-interleaved file is decompressed
    once); any other is re-projected, one call per resampling method. Nearest neighbour from a file that is the
    grid coarsened by whole factors (a Landsat band under a Sentinel-2 grid) is read by index, not warped
    (:func:`_nearest_indices`; the same values).

    Parameters
    ----------
    bands : int, str or list of them
        1-based band indexes or band descriptions (names). A single band gives a 2-D array.
    resampling : rasterio Resampling, or a list of them, one per band
        ``bilinear`` for continuous fields, ``nearest`` for classes and bit fields, ``average`` for shares.
    src_nodata : float, optional
        Source nodata when the file does not declare one.
    fill : float, optional
        Value given to grid pixels outside the source (default: the source nodata, else 0).
    keep_open : bool
        Keep the file open for the thread's next reads (:func:`open_raster`).

    Returns
    -------
    ndarray (rows, cols) for one band or (bands, rows, cols), in the source dtype (float32 when an integer file
    is re-projected with a NaN ``fill``).

    Raises
    ------
    OSError
        If the file cannot be opened (names it).
    KeyError
        If a named band is missing (names the file and its bands).
    """
    window = window or Window(0, 0, grid.width, grid.height)
    single = not isinstance(bands, list)
    wanted = [bands] if single else bands
    methods = resampling if isinstance(resampling, list) else [resampling] * len(wanted)
    if len(methods) != len(wanted):
        raise ValueError(f"{path}: {len(methods)} resampling methods for {len(wanted)} bands")
    with open_raster(path, keep_open) as src:
        indexes = [band_index(src, b, path) if isinstance(b, str) else b for b in wanted]
        nodata = src.nodata if src.nodata is not None else src_nodata
        out_fill = fill if fill is not None else nodata
        if _aligned(src, grid):
            data = src.read(indexes, window=window)
            if nodata is not None and out_fill is not None and not _same_value(nodata, out_fill):
                # as the warp below: the file's no-data pixels take the fill (a file on the grid whose no-data is
                # -9999 where the caller's is 0 would otherwise pass -9999 as a value)
                if np.isnan(out_fill) and data.dtype.kind in "iub":
                    data = data.astype(np.float32)
                data[_nodata_pixels(data, nodata)] = out_fill
        else:
            # GDAL's warper straight into the window's array, 7x faster than reading a WarpedVRT of the grid for
            # a bilinear Landsat band onto a 10 m grid. Next to source no-data it resamples from the valid pixels
            # (as gdalwarp does) where the VRT gave no data; elsewhere the values are the same.
            shape = (len(indexes), int(window.height), int(window.width))
            dtype = np.dtype(src.dtypes[indexes[0] - 1])
            if out_fill is not None and np.isnan(out_fill) and dtype.kind in "iub":
                dtype = np.dtype(np.float32)  # an integer array cannot hold the NaN fill
            data = np.full(shape, 0 if out_fill is None else out_fill, dtype=dtype)
            source = _source_window(src, grid, window)
            nearest = _nearest_indices(src, grid, window) if Resampling.nearest in methods else None
            for method in dict.fromkeys(methods):
                at = [i for i, m in enumerate(methods) if m == method]
                run = at == list(range(at[0], at[-1] + 1))
                part = data[at[0]:at[-1] + 1] if run else data[at]  # bands in a run: a view, else a copy
                if method == Resampling.nearest and nearest is not None:
                    _take_nearest(src, [indexes[i] for i in at], *nearest, nodata, part, out_fill)
                else:
                    _warp(src, [indexes[i] for i in at], source, nodata, part, out_fill,
                          rasterio.windows.transform(window, grid.transform), grid.crs, method)
                if not run:
                    data[at] = part
    return data[0] if single else data


#: Largest source window (pixels) read whole into memory to be warped (:func:`_warp`): 64 MB of two 16-bit bands.
MAX_SOURCE_BLOCK_PX = 4096 * 4096

#: Resampling methods whose unmasked warp of an all-valid source equals the masked one (tests/test_tiles.py).
UNMASKED_EQUAL = frozenset({Resampling.nearest, Resampling.bilinear, Resampling.average})
#: GDAL warp option: each band's no-data pixels are its own. GDAL's default for several bands of one no-data value
#: (``PARTIAL``) masks a pixel only where every band is no data, so a band with no data where the others have some
#: (a Sentinel-2 band whose swath edge ends first, a MODIS band's fill) was warped as data, moved off the no-data
#: value (0 -> 1) and read as a dark clear observation.
BAND_BY_BAND_NODATA = {"UNIFIED_SRC_NODATA": "NO"}


def _source_window(src, grid: Grid, window: Window) -> Window | None:
    """The window of ``src`` that warping ``window`` of the grid reads: the window's bounds in the source CRS, two
    grid pixels and four source pixels wider on each side (beyond the reach of any resampling kernel), cut to the
    source raster (whose edge stays the edge of what is warped). None when it misses the raster, the source is
    not north-up, or the window is over :data:`MAX_SOURCE_BLOCK_PX` (a whole scene read onto a coarse grid: GDAL's
    warper then reads the source in pieces)."""
    if src.crs is None or not src.transform.is_rectilinear or src.transform.e > 0:
        return None
    pad = 2 * grid.resolution
    left, bottom, right, top = rasterio.windows.bounds(window, grid.transform)
    bounds = (left - pad, bottom - pad, right + pad, top + pad)
    if not src.crs == CRS.from_user_input(grid.crs):
        bounds = transform_bounds(grid.crs, src.crs, *bounds, densify_pts=21)
    win = rasterio.windows.from_bounds(*bounds, transform=src.transform)
    col0, row0 = max(0, int(np.floor(win.col_off)) - 4), max(0, int(np.floor(win.row_off)) - 4)
    col1 = min(src.width, int(np.ceil(win.col_off + win.width)) + 4)
    row1 = min(src.height, int(np.ceil(win.row_off + win.height)) + 4)
    if col1 <= col0 or row1 <= row0 or (col1 - col0) * (row1 - row0) > MAX_SOURCE_BLOCK_PX:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def _nearest_indices(src, grid: Grid, window: Window) -> tuple[np.ndarray, np.ndarray] | None:
    """The source row of each row of ``window`` and the source column of each of its columns under
    nearest-neighbour resampling, when the source is the grid coarsened by whole factors: same CRS, north-up, a
    source pixel a whole number of grid pixels tall and wide (a Landsat band under a Sentinel-2 grid: 3 x 3) and
    its edges on grid pixel edges. The source pixel holding a grid pixel's centre is then an integer division,
    never a tie (a centre lies at least half a grid pixel from every source edge). Indexes outside the source are
    kept (negative or past its size). None in any other case: GDAL's warper resamples then.

    Why not GDAL: its nearest-neighbour warp of a Landsat QA band onto a 10 m window took 5 ms a half megapixel,
    two ``numpy.take`` calls 0.4 ms; same values (tests/test_tiles.py)."""
    st, gt = src.transform, rasterio.windows.transform(window, grid.transform)
    if src.crs is None or st.b or st.d or st.a <= 0 or st.e >= 0 or not src.crs == CRS.from_user_input(grid.crs):
        return None
    steps = (st.e / gt.e, st.a / gt.a, (gt.f - st.f) / gt.e, (gt.c - st.c) / gt.a)  # factors, then offsets
    whole = [round(v) for v in steps]
    if any(abs(v - w) > 1e-6 for v, w in zip(steps, whole)) or min(whole[:2]) < 1:
        return None
    row_factor, col_factor, row0, col0 = whole
    rows = (row0 + np.arange(int(window.height))) // row_factor
    cols = (col0 + np.arange(int(window.width))) // col_factor
    return rows, cols


def _take_nearest(src, indexes: list[int], rows: np.ndarray, cols: np.ndarray, nodata, out: np.ndarray,
                  out_fill) -> None:
    """Fill ``out`` (bands, rows, cols) with the source pixels at ``rows`` x ``cols`` (:func:`_nearest_indices`),
    reading only the source window they span. Grid pixels outside the source keep their value in ``out``, and
    those on a source no-data pixel take ``out_fill``, as in GDAL's masked warp."""
    r0, r1 = np.searchsorted(rows, 0), np.searchsorted(rows, src.height)
    c0, c1 = np.searchsorted(cols, 0), np.searchsorted(cols, src.width)
    if r1 <= r0 or c1 <= c0:
        return
    top, left = int(rows[r0]), int(cols[c0])
    block = src.read(indexes, window=Window(left, top, int(cols[c1 - 1]) + 1 - left, int(rows[r1 - 1]) + 1 - top))
    values = block.take(rows[r0:r1] - top, axis=1).take(cols[c0:c1] - left, axis=2)
    target = out[:, r0:r1, c0:c1]
    target[...] = values
    if nodata is not None and out_fill is not None and not _same_value(nodata, out_fill):
        target[_nodata_pixels(values, nodata)] = out_fill


def _same_value(a: float, b: float) -> bool:
    """``a == b``, with NaN equal to NaN."""
    return a == b or (np.isnan(a) and np.isnan(b))


def _nodata_pixels(values: np.ndarray, nodata: float) -> np.ndarray:
    """Where ``values`` hold the no-data value (bool, same shape); a NaN no-data value matches NaN (never in an
    integer array)."""
    if np.isnan(nodata):
        return np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    return values == nodata


def _warp(src, indexes: list[int], source: Window | None, nodata, out: np.ndarray, out_fill, dst_transform,
          dst_crs, method: Resampling) -> None:
    """Warp bands of ``src`` into ``out`` (GDAL's warper). When the source pixels the warp reads
    (:func:`_source_window`) hold no no-data value, they are warped without a validity mask: with every pixel
    valid the masked kernel gives the same values, and GDAL's unmasked kernels are 2-2.5x faster (a bilinear
    Landsat ST band onto a 10 m grid: 24 ms instead of 58 ms a megapixel). Otherwise with the no-data mask; and
    always for kernels that overshoot (cubic, lanczos …), whose values next to the no-data value GDAL moves off it
    only when masked.

    Grid pixels without a valid source pixel take ``out_fill``. rasterio 1.4 takes a ``dst_nodata`` of 0 for none
    and gives them the source's no-data value instead (rasterio issue 3320, fixed after 1.4.4): a file whose
    no-data is -9999 read with the products' fill of 0 gave -9999 as a value. The warper never writes the no-data
    value for a valid pixel (it moves it off by one), so those pixels take ``out_fill`` here."""
    if source is None or method not in UNMASKED_EQUAL:
        reproject(rasterio.band(src, indexes), out, src_nodata=nodata, dst_nodata=out_fill,
                  dst_transform=dst_transform, dst_crs=dst_crs, resampling=method, **BAND_BY_BAND_NODATA)
    else:
        block = src.read(indexes, window=source)
        missing = nodata is not None and bool(_nodata_pixels(block, nodata).any())
        reproject(block, out, src_transform=src.window_transform(source), src_crs=src.crs,
                  src_nodata=nodata if missing else None, dst_nodata=out_fill, dst_transform=dst_transform,
                  dst_crs=dst_crs, resampling=method, **BAND_BY_BAND_NODATA)
    if out_fill == 0 and nodata is not None and not _same_value(nodata, 0):
        out[_nodata_pixels(out, nodata)] = out_fill


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
            for b in bands:
                out[b].append(src.read(band_index(src, b, path), window=window))
    return {b: np.stack(v).astype(np.float32) for b, v in out.items()}


def read_float(path: str | os.PathLike, grid: Grid, resampling: Resampling = Resampling.bilinear,
               window=None) -> np.ndarray:
    """First band of a raster on the grid (or a window of it) as float32 with NaN for nodata (rows, cols)."""
    with rasterio.open(path) as src:
        nodata = src.nodata
    data = read_on_grid(path, grid, 1, window, resampling=resampling, fill=nodata if nodata is not None else np.nan)
    data = data.astype(np.float32)
    if nodata is not None and not np.isnan(nodata):
        data[data == nodata] = np.nan
    return data


def sample_values(path: str | os.PathLike, grid: Grid) -> tuple[np.ndarray, float | None]:
    """The first band's values as stored (no-data not masked, nearest neighbour) over ``grid`` coarsened to at most
    256 px a side (:meth:`Grid.coarsened`), NaN where the raster does not reach, with the no-data value the file
    declares (None without one): what an input's contract is checked on
    (:func:`minerestore.sources.contract.check_raster_values`)."""
    with rasterio.open(path) as src:
        nodata = src.nodata
    values = read_on_grid(path, grid.coarsened(), 1, resampling=Resampling.nearest, fill=np.nan)
    return values.astype(np.float64), nodata


def sample_float(path: str | os.PathLike, grid: Grid, xs, ys) -> np.ndarray:
    """Values of the first band at points: each point reads the one grid pixel it falls in (clipped to the grid)
    with :func:`read_float`, so a few points (the two ends of a main stem) never read a basin-size raster whole.

    Parameters
    ----------
    xs, ys : array-like (n,), coordinates in the grid CRS (m).

    Returns
    -------
    float32 ndarray (n,), NaN for nodata.
    """
    rows, cols = rasterio.transform.rowcol(grid.transform, xs, ys)
    rows, cols = np.clip(rows, 0, grid.height - 1), np.clip(cols, 0, grid.width - 1)
    return np.array([read_float(path, grid, window=Window(c, r, 1, 1))[0, 0] for r, c in zip(rows, cols)],
                    np.float32)


#: Longest side (px) of the maps in figures: a map panel is at most 5 inches wide at 300 dpi, so a finer preview
#: adds nothing to the image but memory (matplotlib's colour mapping, resampling and the trend maps' hatching
#: contours hold several float64 copies: a 2000 px map took plot_maps to 1.5 GB).
MAP_PX = 1500


def read_preview(path: str | os.PathLike, name: str | int = 1, max_px: int = MAP_PX) -> np.ndarray:
    """One band (by description or index) as float32 with NaN for nodata, decimated by a whole factor (nearest,
    through overviews when the file has them) so its longer side is at most ``max_px``: maps and densities of a
    region of any size in bounded memory. Read at full resolution when it is smaller.

    Raises
    ------
    KeyError
        Naming the file and its bands when ``name`` is not one of them.
    """
    with rasterio.open(path) as src:
        if isinstance(name, str):
            name = band_index(src, name, path)
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


def read_domain_and_water(path: str | os.PathLike, grid: Grid, chunk_px: int | None = None,
                          window: Window | None = None) -> tuple:
    """The analysis domain and the water mask of a region from one read of its water mask (``masks/water.tif``,
    uint8: 1 water, 0 not, 255 outside the study area).

    The domain is every pixel that is not 255: the masks rule writes 255 outside the study area, burnt with the
    pixel-centre rule (:func:`minerestore.mask.land.region_masks`; methods.md §8). Reading it
    here saves every later job loading the study-area polygons (geopandas) and burning them again.

    Parameters
    ----------
    grid : the region grid; chunk_px : tile side for a dask read, None for numpy.
    window : part of the grid to read (numpy only; default the whole grid).

    Returns
    -------
    (domain, water): bool arrays (rows, cols), numpy, or dask arrays of ``chunk_px`` tiles.

    Raises
    ------
    ValueError
        For a ``window`` with ``chunk_px`` (a dask read covers the whole grid).
    """
    if chunk_px is not None and window is not None:
        raise ValueError(f"{path}: read_domain_and_water reads a window only as numpy (chunk_px=None)")
    if chunk_px is None:
        with rasterio.open(path) as src:
            codes = src.read(1, window=window)
    else:
        codes = lazy_on_grid(path, grid, 1, chunk_px, dtype="uint8", resampling=Resampling.nearest)
    return codes != 255, codes == 1


def lazy_on_grid(path: str | os.PathLike, grid: Grid, band: int | str, chunk_px: int, *, dtype: str = "float32",
                 resampling=None, fill: float | None = None):
    """One band of a raster on ``grid`` as a dask array of ``chunk_px`` tiles, each read (re-projected if needed,
    :func:`minerestore.raster.read_on_grid`) only when computed.

    Parameters
    ----------
    band : 1-based index or band description.
    dtype : dtype of the array; resampling, fill : as :func:`minerestore.raster.read_on_grid` (default bilinear).

    Returns
    -------
    dask.array (rows, cols) of ``dtype``.
    """
    import dask.array as da

    method = Resampling.bilinear if resampling is None else resampling

    def read(block_info=None):
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        window = Window(c0, r0, c1 - c0, r1 - r0)
        return read_on_grid(path, grid, band, window, resampling=method, fill=fill, keep_open=True).astype(dtype)

    chunks = da.core.normalize_chunks((chunk_px, chunk_px), grid.shape)
    return da.map_blocks(read, chunks=chunks, dtype=dtype, meta=np.empty((0, 0), dtype))
