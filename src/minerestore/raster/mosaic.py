"""Virtual mosaics (GDAL VRT) of same-grid tiles: later stages open a mosaic like one raster and read only the
windows they need.

Why our own VRT writer: rasterio has no mosaic builder and GDAL's ``BuildVRT`` lives in the osgeo bindings,
which the rasterio wheels do not ship; a VRT of same-grid tiles is a short XML file.
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape

import rasterio

from minerestore.io import atomic_path
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_windows


def write_vrt(path: str | os.PathLike, grid: Grid, tiles: dict[str, str | os.PathLike], *, size_px: int,
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
    write_vrt(path, grid, tiles, size_px=size_px, band_names=names, dtype=dtype, nodata=nodata, tags=tags)
    return str(path)
