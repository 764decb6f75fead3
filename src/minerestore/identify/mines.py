"""The final mine polygons of a region, from any method (design.md, Data contracts: mine_id, area_km2, subregion,
source)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from minerestore.mask.studyarea import assign_subregion

MINE_COLUMNS = ["mine_id", "area_km2", "subregion", "source", "geometry"]


def finalise(mines: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, method: str) -> gpd.GeoDataFrame:
    """Mine polygons clipped to the study area, with their attributes.

    Parameters
    ----------
    mines : polygons in any CRS; with ``mine_id`` (text) when ``method`` is ``reference`` (kept as given, already
        clipped by :func:`minerestore.identify.reference.load_reference`), else numbered ``M0001`` … after
        clipping (empty pieces dropped).
    zones : the study area with its sub-regions (``subregion``).
    method : the identification method, stored as ``source``.

    Returns
    -------
    GeoDataFrame in the CRS of ``zones`` with columns mine_id, area_km2 (km²), subregion, source, geometry.
    """
    crs = zones.crs
    if method == "reference":
        mines = mines[["mine_id", "geometry"]].copy()
    else:
        area = shapely.union_all(zones.geometry.to_numpy())
        mines = mines.to_crs(crs)
        mines["geometry"] = mines.geometry.intersection(area)
        mines = mines[~mines.geometry.is_empty].reset_index(drop=True)
        mines.insert(0, "mine_id", [f"M{i + 1:04d}" for i in range(len(mines))])
    mines["area_km2"] = mines.geometry.area / 1e6
    mines["subregion"] = assign_subregion(mines, zones)
    mines["source"] = method
    return gpd.GeoDataFrame(mines[MINE_COLUMNS], crs=crs)
