"""Study area: the river buffer (or an AOI) and its sub-regions (methods.md §4.1).

Sub-regions come from a polygon file when given, else from a sub-region attribute of the river centre lines (each
part of the study area goes to its nearest river's sub-region); otherwise the main stem is cut into thirds of its
length (flow distance from its source): upstream / midstream / downstream, each part of the study area going to
the third it is nearest to (a nearest-feature partition: Voronoi cells of points along the features, so memory
follows the length of the rivers, not the size of the region grid).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd
import numpy as np
import shapely
from shapely.geometry import box
from shapely.ops import substring

from minerestore.raster.grid import Grid

log = logging.getLogger(__name__)

SUBREGIONS = ("upstream", "midstream", "downstream")


def river_buffer(rivers: gpd.GeoDataFrame, buffer_m: float, grid: Grid) -> shapely.Geometry:
    """Dissolved buffer of the river centre lines, clipped to the region grid.

    Parameters
    ----------
    rivers : GeoDataFrame of LineStrings in the grid CRS.
    buffer_m : buffer radius, m (``buffer_km`` x 1000).

    Raises
    ------
    ValueError
        If there are no rivers, or the buffer does not meet the region.
    """
    if rivers.empty:
        raise ValueError("no river centre lines; give rivers or an AOI")
    area = within_grid(shapely.union_all(rivers.geometry.buffer(buffer_m).to_numpy()), grid, "the river buffer")
    if area.is_empty:
        raise ValueError("the river buffer does not overlap the region grid; check the CRS of the rivers file")
    return area


#: Share of the AOI or the river buffer outside the region grid from which the cut is warned about.
MAX_CUT_SHARE = 0.01


def within_grid(area: shapely.Geometry, grid: Grid, what: str) -> shapely.Geometry:
    """``area`` clipped to the region grid; a cut of more than :data:`MAX_CUT_SHARE` of it (``bounds`` smaller than
    the AOI or the rivers, or local scenes covering part of them) is logged as a warning with the share, so a study
    area does not shrink unsaid."""
    inside = area.intersection(box(*grid.bounds))
    lost = 1 - inside.area / area.area if area.area else 0.0
    if lost > MAX_CUT_SHARE:
        log.warning("%s reaches beyond the region grid %s: %.1f %% of it (%.2f km²) is cut off the study area "
                    "(widen bounds, or give scenes that cover it)", what, tuple(round(v) for v in grid.bounds),
                    100 * lost, (area.area - inside.area) / 1e6)
    return inside


def main_stem(rivers: gpd.GeoDataFrame, elevation=None) -> shapely.LineString:
    """The main stem, oriented from source to mouth.

    Taken from a ``kind == 'main_stem'`` feature when present, else the longest line. Orientation: when
    ``elevation`` is given (a callable taking the x and y of points, in the rivers' CRS, and returning their
    elevations, m) the higher end is the source; otherwise lines are taken as digitised downstream. Only the two
    ends are sampled, so a basin's DEM is never held whole.
    """
    if "kind" in rivers and (rivers["kind"] == "main_stem").any():
        line = rivers.loc[rivers["kind"] == "main_stem"].geometry.iloc[0]
    else:
        line = max(rivers.geometry, key=lambda g: g.length)
    if line.geom_type == "MultiLineString":
        line = shapely.line_merge(line)
        line = max(getattr(line, "geoms", [line]), key=lambda g: g.length)
    if elevation is not None:
        (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
        ends = np.asarray(elevation(np.array([x0, x1]), np.array([y0, y1])), float)
        if ends[1] > ends[0]:
            line = shapely.LineString(line.coords[::-1])
    return line


def split_by_nearest(area: shapely.Geometry, parts: dict, grid: Grid) -> gpd.GeoDataFrame:
    """Split ``area`` by the nearest of several line features: each point of the area goes to the part it is
    closest to (Euclidean distance).

    The partition is the Voronoi diagram (GEOS, :func:`shapely.voronoi_polygons`) of points every pixel
    (``grid.resolution``) along the lines, each cell labelled with its point's part; the cells of a part are merged
    and intersected with ``area``. A cell boundary lies within half a step of the true equidistance line, the
    precision of a pixel partition, and memory follows the number of points (the rivers' length), not the grid:
    the distance transform of the region grid it replaces held several float64 copies of the grid (a basin of
    10⁹ pixels would need tens of GB).

    Parameters
    ----------
    area : the study area; parts : dict sub-region name -> line geometry (LineString or MultiLineString), in the
        grid CRS; grid : the region grid (its resolution sets the point spacing, its bounds the diagram's extent).

    Returns
    -------
    GeoDataFrame with ``subregion`` and geometry, one row per part (empty where no point of the area is nearest to
    it), in the grid CRS.
    """
    names = list(parts)
    coords, labels, seen = [], [], set()
    for k, name in enumerate(names):
        for x, y in shapely.get_coordinates(shapely.segmentize(parts[name], grid.resolution)):
            if (x, y) not in seen:  # a point shared by two parts (where a stem is cut) goes to the first
                seen.add((x, y))
                coords.append((x, y))
                labels.append(k)
    extent = box(*grid.bounds).union(box(*area.bounds))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=extent, ordered=True))
    # a cell of cocircular points can come as a polygon with a degenerate line: keep the polygons
    parts, cell = shapely.get_parts(cells, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, labels = parts[polygonal], np.asarray(labels)[cell[polygonal]]
    rows = []
    for k, name in enumerate(names):
        mine = parts[labels == k]
        geom = shapely.union_all(mine).intersection(area) if len(mine) else shapely.Polygon()
        rows.append({"subregion": str(name), "geometry": geom})
    return gpd.GeoDataFrame(rows, crs=grid.crs)


def split_by_flow_distance(area: shapely.Geometry, stem: shapely.LineString, grid: Grid) -> gpd.GeoDataFrame:
    """Split ``area`` into upstream / midstream / downstream: the main stem is cut into thirds of its length (flow
    distance from its source) and every pixel goes to the nearest third (:func:`split_by_nearest`)."""
    length = stem.length
    thirds = [substring(stem, length * i / 3, length * (i + 1) / 3) for i in range(3)]
    return split_by_nearest(area, dict(zip(SUBREGIONS, thirds)), grid)


def from_river_attribute(area: shapely.Geometry, rivers: gpd.GeoDataFrame, field: str, grid: Grid) -> gpd.GeoDataFrame:
    """Sub-regions named by an attribute of the river centre lines: each pixel goes to the sub-region of its
    nearest river (:func:`split_by_nearest`)."""
    groups = {name: shapely.union_all(group.geometry.to_numpy()) for name, group in rivers.groupby(field)}
    return split_by_nearest(area, groups, grid)


#: Sub-region of the part of the study area that no polygon of a sub-regions file covers.
UNASSIGNED = "unassigned"


def from_polygons(area: shapely.Geometry, zones: gpd.GeoDataFrame, field: str, crs: str, resolution: float,
                  source: str) -> gpd.GeoDataFrame:
    """Sub-regions from a polygon file: dissolve by ``field`` and intersect with the study area. The part of the
    study area that no polygon covers (at least half a pixel of ``resolution`` m) stays in it as the sub-region
    :data:`UNASSIGNED`, with a warning naming ``source`` and its share: the sub-regions name parts of the study
    area, they do not shrink it (a file covering half of it halved every area and count).

    Raises
    ------
    KeyError
        If ``field`` is not an attribute of the file.
    """
    if field not in zones:
        raise KeyError(f"{source}: sub-region file has no attribute {field!r}; attributes: {list(zones.columns)}")
    zones = zones.to_crs(crs).dissolve(by=field).reset_index()
    out = gpd.GeoDataFrame({"subregion": zones[field].astype(str), "geometry": zones.geometry.intersection(area)}, crs=crs)
    rest = area.difference(shapely.union_all(zones.geometry.to_numpy()))
    if rest.area >= resolution**2 / 2:
        log.warning("%s: its polygons leave %.1f %% of the study area (%.3f km²) uncovered; that part is the "
                    "sub-region %r", source, 100 * rest.area / area.area, rest.area / 1e6, UNASSIGNED)
        out = pd.concat([out, gpd.GeoDataFrame({"subregion": [UNASSIGNED]}, geometry=[rest], crs=crs)])
    return out[~out.geometry.is_empty].reset_index(drop=True)


def finish(zones: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``area_km2``; drop empty zones."""
    zones = zones[~zones.geometry.is_empty].copy()
    zones["area_km2"] = zones.geometry.area / 1e6
    return zones[["subregion", "area_km2", "geometry"]].reset_index(drop=True)


def assign_subregion(frame: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> list[str]:
    """Sub-region of each feature: the zone it overlaps most ('' where none)."""
    out = []
    for geom in frame.geometry:
        overlaps = zones.geometry.intersection(geom).area
        out.append(str(zones["subregion"].iloc[int(np.argmax(overlaps))]) if overlaps.max() > 0 else "")
    return out


def require_pixel(area: shapely.Geometry, grid: Grid, what: str) -> None:
    """Raise ValueError starting with ``what`` when ``area`` (on the grid) is smaller than half a pixel."""
    if area.area < grid.resolution**2 / 2:
        raise ValueError(f"{what} covers no pixel of the region grid; check the rivers / AOI file, their CRS, "
                         "buffer_km and regions.<name>.bounds")


def study_area(grid: Grid, rivers: gpd.GeoDataFrame | None, aoi: gpd.GeoDataFrame | None,
               subregions: gpd.GeoDataFrame | None, elevation, *, buffer_km: float, subregion_field: str,
               aoi_name: str = "aoi", subregions_name: str = "subregions") -> gpd.GeoDataFrame:
    """The study area of a region with its sub-regions (methods.md §4.1).

    The AOI clipped to the grid, else the river buffer of ``buffer_km``. Sub-regions from the ``subregions``
    polygons (attribute ``subregion_field``; the part they leave uncovered is :data:`UNASSIGNED`, warned), else from that attribute of the rivers, else thirds of the main stem
    by flow distance (upstream, midstream, downstream; the DEM orients the stem), else one sub-region ``all``.

    Parameters
    ----------
    grid : the region grid (projected CRS, metres); rivers, aoi, subregions : layers in the grid CRS, or None.
    elevation : callable (x, y arrays in the grid CRS -> elevations, m) or None; called only when the sub-regions
        come from the main stem, to orient it (:func:`main_stem`), so the DEM is read only then, at two points.
    buffer_km : river buffer (km); subregion_field : attribute naming the sub-regions.

    Returns
    -------
    GeoDataFrame: subregion, area_km2, geometry (grid CRS).

    Raises
    ------
    ValueError
        When the AOI (named ``aoi_name``) does not overlap the grid, or the study area covers no pixel of it.
    """
    if aoi is not None:
        area = within_grid(shapely.union_all(aoi.geometry.to_numpy()), grid, aoi_name)
        if area.is_empty:
            raise ValueError(f"{aoi_name}: the AOI does not overlap the region grid")
    else:
        area = river_buffer(rivers, buffer_km * 1000.0, grid)
    require_pixel(area, grid, f"the study area ({area.area:.0f} m²)")
    if subregions is not None:
        zones = from_polygons(area, subregions, subregion_field, grid.crs, grid.resolution, subregions_name)
    elif rivers is not None and subregion_field in rivers:
        zones = from_river_attribute(area, rivers, subregion_field, grid)
    elif rivers is not None and not rivers.empty:
        zones = split_by_flow_distance(area, main_stem(rivers, elevation), grid)
    else:
        log.warning("no rivers and no sub-region file: one sub-region 'all'")
        zones = gpd.GeoDataFrame({"subregion": ["all"]}, geometry=[area], crs=grid.crs)
    return finish(zones)
