"""The final mine polygons of a region, from any method (design.md, Data contracts: mine_id, area_km2, subregion,
source)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
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


#: River attributes tried, in order, for a river's name when ``river_field`` is not given.
RIVER_NAME_FIELDS = ("name", "river_id", "id")


def river_names(rivers: gpd.GeoDataFrame, field: str | None, source: str) -> pd.Series:
    """The name of each river line: the ``field`` attribute (config ``regions.<name>.river_field``), else the
    first of :data:`RIVER_NAME_FIELDS` the file has, else the feature's number (``river 1`` …).

    Raises
    ------
    ValueError
        When ``field`` is given and the rivers file (``source``) lacks it, naming both and the attributes it has.
    """
    if field is not None and field not in rivers.columns:
        raise ValueError(f"{source}: no attribute {field!r} (regions.<name>.river_field) to name the rivers by; it "
                         f"has {[c for c in rivers.columns if c != 'geometry']}")
    field = field or next((f for f in RIVER_NAME_FIELDS if f in rivers.columns), None)
    if field is None:
        return pd.Series([f"river {i + 1}" for i in range(len(rivers))], index=rivers.index)
    return rivers[field].astype(str)


def nearest_river(mines: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, names: pd.Series) -> pd.DataFrame:
    """The river each mine is nearest to: the distance from the polygon to the line (geopandas ``sjoin_nearest``;
    a tie to the first line).

    Parameters
    ----------
    mines : polygons with ``mine_id``; rivers : lines in the same (projected) CRS; names : a name per river line
        (:func:`river_names`).

    Returns
    -------
    DataFrame mine_id, river: one row per mine, in the order of ``mines`` (none for no mine).
    """
    lines = gpd.GeoDataFrame({"river": names.to_numpy()}, geometry=rivers.geometry.to_numpy(), crs=rivers.crs)
    nearest = gpd.sjoin_nearest(mines[["mine_id", "geometry"]], lines, how="left")
    nearest = nearest[~nearest.index.duplicated(keep="first")]
    return pd.DataFrame({"mine_id": nearest["mine_id"].to_numpy(), "river": nearest["river"].to_numpy()})


def by_river(mines: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame, names: pd.Series) -> pd.DataFrame:
    """Mines per river (the Yangtze study's Fig. 5: the main stem and each tributary): each mine goes to its
    nearest river line (:func:`nearest_river`), the lines summed by their name (the pieces of one river count
    together).

    Parameters
    ----------
    mines : polygons with ``mine_id`` and ``area_km2``; rivers : lines in the same (projected) CRS; names : a
        name per river line (:func:`river_names`).

    Returns
    -------
    DataFrame river, n_mines, area_km2 (sum of the mines' areas), most mines first, every named river listed
    (0 where none is nearest).
    """
    nearest = nearest_river(mines, rivers, names).merge(mines[["mine_id", "area_km2"]], on="mine_id")
    counts = nearest.groupby("river").agg(n_mines=("mine_id", "size"), area_km2=("area_km2", "sum"))
    table = counts.reindex(pd.unique(names.to_numpy()), fill_value=0).rename_axis("river").reset_index()
    return table.sort_values(["n_mines", "area_km2"], ascending=False, kind="stable").reset_index(drop=True)
