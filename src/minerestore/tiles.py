"""Tiles of the region grid and virtual mosaics (design.md §6 scale-out).

The region grid is planned when the workflow is built (:func:`planned_grid`: from the synthetic scene size, the
``bounds``, the AOI or the buffered rivers, or the local acquisitions) and cut into square tiles of
``tiles.size_px``; tiles that miss the study area are never processed (:func:`study_area_tiles`). Pixel stages run
per tile and year and write one GeoTIFF per tile; :func:`write_vrt` joins them into a virtual mosaic (GDAL VRT)
that later stages open like one raster, reading only the windows they need.

Why our own VRT writer: rasterio has no mosaic builder and GDAL's ``BuildVRT`` lives in the osgeo bindings,
which the rasterio wheels do not ship; a VRT of same-grid tiles is a short XML file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from xml.sax.saxutils import escape

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.windows import Window
from shapely.geometry import box

from .acquisitions import read_table
from .grid import Grid
from .ingest import acquisitions_bounds
from .io import atomic_path, raster_writer
from .raster import read_on_grid


def planned_grid(region: dict, buffer_km: float, base: str | os.PathLike) -> Grid:
    """The region grid as ingest will build it, known before any job runs.

    synthetic: the scene square at the region resolution; stac / earthengine: ``bounds``, the AOI, or the rivers
    grown by the buffer; local: ``bounds`` or the union of the acquisitions' footprints.

    Raises
    ------
    ValueError
        A remote region without bounds, aoi or rivers.
    """
    if region["source"] == "synthetic":
        s = region["synthetic"]
        x0, y0 = 400000.0, 3300000.0  # SyntheticParams.origin
        size = s["size_km"] * 1000.0
        scene = Grid.from_bounds(region["crs"], (x0, y0, x0 + size, y0 + size), s["resolution_m"])
        return Grid.from_bounds(region["crs"], scene.bounds, region["resolution"])
    if region["source"] == "local" and not region.get("bounds"):
        bounds = acquisitions_bounds(read_table(Path(base) / region["acquisitions"]), region["crs"])
        return Grid.from_bounds(region["crs"], bounds, region["resolution"])
    return Grid.from_bounds(region["crs"], planned_bounds(region, buffer_km, base), region["resolution"])


def planned_bounds(region: dict, buffer_km: float, base: str | os.PathLike) -> tuple[float, float, float, float]:
    """Extent of a region in its CRS: ``bounds``, else the AOI's, else the rivers' grown by the buffer.

    Raises
    ------
    ValueError
        When the region has none of them (names what to set).
    """
    if region.get("bounds"):
        return tuple(region["bounds"])
    for key, grow in (("aoi", 0.0), ("rivers", buffer_km * 1000.0)):
        if region.get(key):
            xmin, ymin, xmax, ymax = _frame(region, key, base).total_bounds
            return (xmin - grow, ymin - grow, xmax + grow, ymax + grow)
    raise ValueError("the region needs bounds, aoi or rivers to define its grid")


def _frame(region: dict, key: str, base) -> gpd.GeoDataFrame:
    return gpd.read_file(Path(base) / region[key]).to_crs(region["crs"])


def tile_windows(grid: Grid, size_px: int) -> dict[str, Window]:
    """Tiles of ``size_px`` x ``size_px`` (smaller at the right and bottom edges), by id ``r{row}c{col}``."""
    return {f"r{r // size_px:03d}c{c // size_px:03d}": Window(c, r, min(size_px, grid.width - c),
                                                             min(size_px, grid.height - r))
            for r in range(0, grid.height, size_px) for c in range(0, grid.width, size_px)}


def tile_grid(grid: Grid, window: Window) -> Grid:
    """The grid of one tile (same CRS and pixel size, origin at the window's corner)."""
    return Grid(grid.crs, rasterio.windows.transform(window, grid.transform), int(window.width), int(window.height))


def study_area_tiles(region: dict, grid: Grid, size_px: int, buffer_km: float, base) -> list[str]:
    """Ids of the tiles that intersect the study area (the AOI, or the rivers' buffer); all tiles when the
    study area is only known after the scene is generated (synthetic regions).

    The buffer is drawn round each river line's bounding box at planning time only as a cheap superset; the
    study area itself is cut exactly by the study_area rule.
    """
    windows = tile_windows(grid, size_px)
    if region["source"] == "synthetic" or not (region.get("aoi") or region.get("rivers")):
        return list(windows)
    if region.get("aoi"):
        area = _frame(region, "aoi", base).union_all()
    else:
        area = _frame(region, "rivers", base).geometry.simplify(grid.resolution * 10).buffer(buffer_km * 1000.0)
        area = area.union_all()
    keep = []
    for tile_id, window in windows.items():
        b = rasterio.windows.bounds(window, grid.transform)
        if area.intersects(box(*b)):
            keep.append(tile_id)
    return keep


def write_vrt(path: str | os.PathLike, grid: Grid, tiles: dict[str, str | os.PathLike], size_px: int,
              band_names: list[str], dtype: str, nodata: float | None, tags: dict | None = None) -> None:
    """Write a virtual mosaic of same-grid tiles.

    Parameters
    ----------
    grid : the region grid; tiles : tile id -> GeoTIFF of that tile (same bands, dtype and pixel size).
    size_px : the tile size the ids were made with (:func:`tile_windows`).
    band_names : band descriptions; dtype, nodata : of every band (NaN allowed).
    tags : dataset metadata (e.g. the composites' sensor, year, acquisitions).

    Pixels of tiles not listed read as nodata. Source paths are written relative to the VRT.
    """
    out = Path(path)
    vrt_type = {"float32": "Float32", "float64": "Float64", "uint8": "Byte", "uint16": "UInt16", "int16": "Int16",
                "int32": "Int32", "uint32": "UInt32"}[dtype]
    t = grid.transform
    lines = [f'<VRTDataset rasterXSize="{grid.width}" rasterYSize="{grid.height}">',
             f"  <SRS>{escape(rasterio.crs.CRS.from_user_input(grid.crs).to_wkt())}</SRS>",
             f"  <GeoTransform>{t.c!r}, {t.a!r}, {t.b!r}, {t.f!r}, {t.d!r}, {t.e!r}</GeoTransform>"]
    if tags:
        lines.append("  <Metadata>")
        lines += [f'    <MDI key="{escape(str(k))}">{escape(str(v))}</MDI>' for k, v in tags.items()]
        lines.append("  </Metadata>")
    windows = tile_windows(grid, size_px)
    nodata_text = "" if nodata is None else f"    <NoDataValue>{nodata}</NoDataValue>"
    for band, name in enumerate(band_names, start=1):
        lines += [f'  <VRTRasterBand dataType="{vrt_type}" band="{band}">', f"    <Description>{escape(name)}</Description>"]
        if nodata_text:
            lines.append(nodata_text)
        for tile_id, tile_path in sorted(tiles.items()):
            w = windows[tile_id]
            rel = os.path.relpath(tile_path, out.parent)
            lines += [
                "    <SimpleSource>",
                f'      <SourceFilename relativeToVRT="1">{escape(rel)}</SourceFilename>',
                f"      <SourceBand>{band}</SourceBand>",
                f'      <SrcRect xOff="0" yOff="0" xSize="{int(w.width)}" ySize="{int(w.height)}"/>',
                f'      <DstRect xOff="{int(w.col_off)}" yOff="{int(w.row_off)}" xSize="{int(w.width)}" '
                f'ySize="{int(w.height)}"/>',
                "    </SimpleSource>",
            ]
        lines.append("  </VRTRasterBand>")
    lines.append("</VRTDataset>")
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def mosaic_tiles(path: str | os.PathLike, grid: Grid, tiles: dict[str, str | os.PathLike], size_px: int) -> str:
    """:func:`write_vrt` of same-grid tile files with the band names, dtype, nodata and tags of the first tile;
    returns the path."""
    with rasterio.open(next(iter(tiles.values()))) as src:
        names, dtype, nodata, tags = list(src.descriptions), src.dtypes[0], src.nodata, src.tags()
    write_vrt(path, grid, tiles, size_px, names, dtype, nodata, tags)
    return str(path)


def lazy_on_grid(path: str | os.PathLike, grid: Grid, band: int | str, chunk_px: int, dtype: str = "float32",
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
        return read_on_grid(path, grid, band, window, method, fill=fill).astype(dtype)

    chunks = da.core.normalize_chunks((chunk_px, chunk_px), grid.shape)
    return da.map_blocks(read, chunks=chunks, dtype=dtype, meta=np.empty((0, 0), dtype))


def write_blocks(path: str | os.PathLike, layers: list, grid: Grid, names: list[str], tags: dict | None,
                 chunk_px: int, dtype: str = "float32", nodata=float("nan"), compress: bool = True) -> None:
    """Write 2-D layers (numpy or dask arrays on ``grid``) as one multi-band GeoTIFF, one tile at a time.

    The layers of a tile are computed together (shared dask intermediates are computed once), so memory is
    bounded by the tile, not the region. Written under a temporary name and renamed when complete.
    """
    import dask

    profile = grid.profile(len(layers), dtype, nodata)
    if not compress:  # scratch files read many times: no decompression cost
        profile.pop("compress")
        profile.pop("predictor")
    with raster_writer(path, profile, names, tags) as dst:
        for window in tile_windows(grid, chunk_px).values():
            rows, cols = window.toslices()
            block = dask.compute(*[layer[rows, cols] for layer in layers])
            dst.write(np.stack([np.asarray(b) for b in block]).astype(dtype), window=window)


def halo_windows(grid: Grid, size_px: int, halo_px: int):
    """Tiles with a margin for neighbourhood operations (buffers, openings, moving windows).

    Yields
    ------
    (tile window, padded window clipped to the grid, (row slice, col slice) of the tile inside the padded one).
    """
    for window in tile_windows(grid, size_px).values():
        yield window, *pad_window(grid, window, halo_px)


def pad_window(grid: Grid, window: Window, halo_px: int) -> tuple[Window, tuple[slice, slice]]:
    """``window`` grown by ``halo_px`` on every side, clipped to the grid, and the (row, col) slices of the
    window inside the grown one."""
    r0, c0 = max(0, int(window.row_off) - halo_px), max(0, int(window.col_off) - halo_px)
    r1 = min(grid.height, int(window.row_off + window.height) + halo_px)
    c1 = min(grid.width, int(window.col_off + window.width) + halo_px)
    inner = (slice(int(window.row_off) - r0, int(window.row_off) - r0 + int(window.height)),
             slice(int(window.col_off) - c0, int(window.col_off) - c0 + int(window.width)))
    return Window(c0, r0, c1 - c0, r1 - r0), inner


def polygon_windows(polygons: gpd.GeoDataFrame, grid: Grid, size_px: int) -> list[tuple[list[int], Window]]:
    """Polygons grouped by the tile of their representative point, each group with the smallest grid window
    holding all its polygons (plus one pixel), so per-polygon statistics read only those windows.

    Returns
    -------
    list of (positional indexes into ``polygons``, rasterio Window clipped to the grid); no empty groups.
    """
    if polygons.empty:
        return []
    points = polygons.geometry.representative_point()
    inv = ~grid.transform
    groups: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(points):
        col, row = inv * (p.x, p.y)
        groups.setdefault((int(row) // size_px, int(col) // size_px), []).append(i)
    out = []
    for members in groups.values():
        xmin, ymin, xmax, ymax = polygons.geometry.iloc[members].total_bounds
        window = rasterio.windows.from_bounds(xmin, ymin, xmax, ymax, grid.transform)
        r0, c0 = max(0, math.floor(window.row_off) - 1), max(0, math.floor(window.col_off) - 1)
        r1 = min(grid.height, math.ceil(window.row_off + window.height) + 1)
        c1 = min(grid.width, math.ceil(window.col_off + window.width) + 1)
        if r1 > r0 and c1 > c0:
            out.append((members, Window(c0, r0, c1 - c0, r1 - r0)))
    return out


def stream_chunk(grid: Grid, size_px: int) -> int | None:
    """Chunk size for streamed (dask) processing of a region, or None when the region fits in one tile: its whole
    arrays are then no larger than a tile and a single numpy pass is faster than the streamed passes."""
    return size_px if max(grid.shape) > size_px else None


def spill(layers: dict, grid: Grid, chunk_px: int, folder: str | os.PathLike) -> dict:
    """Compute lazy (dask) layers once, tile by tile, into a GeoTIFF under ``folder`` and return lazy readers of it.

    A streamed computation that makes several passes over the region (normalisation bounds, covariance, ranges)
    would otherwise recompute every layer from the inputs in each pass; after a spill each pass only reads the
    stored tiles. Boolean layers come back boolean. Numpy layers (a region of one tile) are returned unchanged.
    """
    import dask.array as da

    if not any(isinstance(v, da.Array) for v in layers.values()):
        return layers
    names = list(layers)
    path = Path(folder) / "spill.tif"
    write_blocks(path, [layers[k] for k in names], grid, names, None, chunk_px, compress=False)
    out = {}
    for name in names:
        lazy = lazy_on_grid(path, grid, name, chunk_px)
        out[name] = lazy > 0.5 if layers[name].dtype == bool else lazy
    return out
