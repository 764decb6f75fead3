"""Vectors on the region grid: layers re-projected to the grid CRS, the mines layer, rasterised polygons."""

from __future__ import annotations

import logging
import os

import geopandas as gpd
import numpy as np
import shapely
from rasterio.features import rasterize
from rasterio.windows import Window

from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid

log = logging.getLogger(__name__)


#: Geometry types a layer of each kind may hold.
KINDS = {"lines": ("LineString", "MultiLineString"), "polygons": ("Polygon", "MultiPolygon")}


def read_vector(path: str | os.PathLike, crs: str, kind: str | None = None,
                where: dict | None = None) -> gpd.GeoDataFrame:
    """A vector layer re-projected to ``crs``.

    Parameters
    ----------
    kind : ``"lines"`` (river centre lines), ``"polygons"`` (AOI, sub-regions) or None (any geometry).
        Z coordinates, where the layer has them, are dropped.
        Invalid polygons (e.g. self-intersecting rings) are repaired with ``shapely.make_valid``, keeping their
        polygonal parts; each repair is logged as a warning naming the file and the feature.
    where : {attribute: value}, optional
        Keep only the features whose attributes have these values (e.g. ``{"city": "Panzhihua"}``: one city of a
        file of cities, ``aoi_select``).

    Raises
    ------
    ValueError
        Naming the file: several layers with geometries (:func:`the_layer`); no geometries (a CSV table); no CRS; coordinates its CRS cannot
        hold (projected metres in a file that says degrees); no feature; a geometry of another kind (e.g. rivers
        given as points); a ``where`` attribute the layer lacks, or no feature with its value (names the values it
        has).
    """
    frame = gpd.read_file(path, layer=the_layer(path))
    if not isinstance(frame, gpd.GeoDataFrame):  # GDAL reads a table (a CSV of coordinates) without geometries
        raise ValueError(f"{path}: the layer has no geometries (columns {list(frame.columns)}); give a vector file "
                         "(GeoPackage, shapefile, GeoJSON) with a CRS")
    if frame.crs is None:
        raise ValueError(f"{path}: the layer has no CRS; set one and rerun")
    check_coordinates(frame, path)
    if frame.geometry.has_z.any():  # 3-D lines and polygons (e.g. from a DEM-draped river network): keep x and y
        log.info("%s: the layer's z coordinates are dropped (the workflow works in 2-D)", path)
        frame = frame.set_geometry(shapely.force_2d(frame.geometry.values), crs=frame.crs)
    for field, value in (where or {}).items():
        if field not in frame.columns:
            raise ValueError(f"{path}: no attribute {field!r} to select {value!r} by; it has {list(frame.columns)}")
        values = frame[field].astype(str)
        if not (values == str(value)).any():
            raise ValueError(f"{path}: no feature with {field} = {value!r}; the layer has {sorted(set(values))}")
        frame = frame[values == str(value)]
    if kind is None:
        return frame.to_crs(crs)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        raise ValueError(f"{path}: the layer has no feature with a geometry; expected {kind}")
    wrong = sorted(set(frame.geom_type) - set(KINDS[kind]))
    if wrong:
        raise ValueError(f"{path}: the layer holds {wrong} geometries where {kind} ({' or '.join(KINDS[kind])}) are "
                         "expected" + ("; give river centre lines" if kind == "lines" else ""))
    if kind == "polygons":
        for i in np.flatnonzero(~frame.geometry.is_valid):
            log.warning("%s: feature %d is invalid (%s): repaired", path, i,
                        shapely.is_valid_reason(frame.geometry.iloc[i]))
        frame = frame.set_geometry([polygonal(shapely.make_valid(g)) for g in frame.geometry])
    return frame.to_crs(crs)


def the_layer(path: str | os.PathLike) -> str:
    """The one layer with geometries of a vector file (a GeoPackage may also hold tables without geometry, e.g.
    QGIS's ``layer_styles``).

    Raises
    ------
    ValueError
        Naming the file and its layers when it has several with geometries: the first, which GDAL would read, need
        not be the one meant (a GeoPackage of roads and rivers gave a study area round the roads).
    """
    import pyogrio

    layers = [(str(name), geometry) for name, geometry in pyogrio.list_layers(path)]
    spatial = [name for name, geometry in layers if geometry is not None] or [name for name, _ in layers[:1]]
    if len(spatial) > 1:
        raise ValueError(f"{path}: the file holds {len(spatial)} layers with geometries {spatial}; the workflow reads "
                         f"one: write the one meant to a file of its own (e.g. ogr2ogr out.gpkg {path} {spatial[-1]})")
    return spatial[0]


def check_coordinates(frame: gpd.GeoDataFrame, path: str | os.PathLike) -> None:
    """Refuse a layer whose coordinates its CRS cannot hold: longitudes and latitudes beyond ±180° and ±90° in a
    geographic CRS (projected metres in a file whose CRS says degrees) fail re-projection with an overflow, or
    re-project to nonsense. Longitudes just past ±180° (up to ±360°, a polygon drawn across the antimeridian) are
    refused as crossing it.

    Raises
    ------
    ValueError
        Naming the file, its CRS, the extent found and what to do.
    """
    if frame.empty or not frame.crs.is_geographic:
        return
    xmin, ymin, xmax, ymax = frame.total_bounds
    if (xmin < -180 or xmax > 180) and -360 <= xmin and xmax <= 360 and -90 <= ymin and ymax <= 90:
        raise ValueError(f"{path}: longitudes reach {xmin:.3f}° to {xmax:.3f}°, beyond ±180°: the layer crosses the "
                         "antimeridian, which a region cannot (its grid needs one UTM zone); split it at 180° into "
                         "two files, one region each side (if these are not longitudes, the layer's CRS "
                         f"{frame.crs.to_string()} is wrong: assign the right one)")
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        raise ValueError(f"{path}: the layer's CRS ({frame.crs.to_string()}) is in degrees but its coordinates reach "
                         f"({xmin:.0f}, {ymin:.0f}, {xmax:.0f}, {ymax:.0f}): they are in another CRS; assign the right "
                         "one (e.g. ogr2ogr -a_srs EPSG:326NN out.gpkg in.gpkg) and rerun")


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (empty when it has none), e.g. of what ``shapely.make_valid`` returns."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def read_mines(path: str | os.PathLike) -> gpd.GeoDataFrame:
    """The mines layer (``mines/mines.gpkg``) with ``mine_id`` as text, also when it holds no mine."""
    mines = gpd.read_file(path)
    mines["mine_id"] = mines["mine_id"].astype(str)
    return mines


def burn(geoms, grid: Grid, values=None, dtype: str = "uint8") -> np.ndarray:
    """Rasterise geometries onto the grid (pixel centres; 0 elsewhere); ``values`` default 1."""
    geoms = list(geoms)
    if not geoms:
        return np.zeros(grid.shape, dtype)
    values = values if values is not None else [1] * len(geoms)
    return rasterize(list(zip(geoms, values)), out_shape=grid.shape, transform=grid.transform, dtype=dtype)


def burn_mask(geoms, grid: Grid, chunk_px: int | None = None):
    """Pixels of ``grid`` whose centre lies in the geometries, as bool (rows, cols): numpy, or with ``chunk_px``
    a dask array of ``chunk_px`` tiles each burnt only when computed (memory bounded by the tile)."""
    geoms = list(geoms)
    if chunk_px is None:
        return burn(geoms, grid).astype(bool)
    import dask.array as da

    def tile(block_info=None):
        (r0, r1), (c0, c1) = block_info[None]["array-location"]
        return burn(geoms, tile_grid(grid, Window(c0, r0, c1 - c0, r1 - r0))).astype(bool)

    chunks = da.core.normalize_chunks((chunk_px, chunk_px), grid.shape)
    return da.map_blocks(tile, chunks=chunks, dtype=bool, meta=np.empty((0, 0), bool))
