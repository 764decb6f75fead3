"""The mine summary: one row per mine with every per-mine result as an attribute (its area, sub-region and river,
the Mann–Kendall status of its BSP with Sen's slope, BSP, RR, RSEI and REM per year, its InSAR class and its
match in the reference), so that a GIS colours the mines by any of them without a join. Built from the tables
the workflow already writes; the same rows as a GeoPackage (the mine polygons) and as CSV (their centroids)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

#: The columns of ``restoration/mann_kendall.csv`` the summary carries: the status, Sen's slope of the BSP
#: (percentage points per year) and the p the status was decided on.
TREND_COLUMNS = ["status", "sen_slope", "p_used"]
#: Optional per-mine tables (keyword of :func:`mine_summary`) -> the columns the summary takes from each.
OPTIONAL_COLUMNS = {"rivers": ["river"], "insar": ["insar_class"], "matches": ["reference_id", "iou"]}


def by_year(table: pd.DataFrame, value: str, prefix: str, years: list[int]) -> pd.DataFrame:
    """One column ``{prefix}_{year}`` per year of ``value``, a row per mine of ``table``.

    Parameters
    ----------
    table : long table with mine_id, year and ``value`` (one row per mine and year at most).
    years : the columns' years, in order: every analysis year, also those no mine has.

    Returns
    -------
    DataFrame mine_id, ``{prefix}_{year}`` … (float; NaN where a mine has no value that year).

    Raises
    ------
    ValueError
        When a mine has two rows of one year.
    """
    wide = table.pivot(index="mine_id", columns="year", values=value).reindex(columns=list(years)).astype(float)
    wide.columns = [f"{prefix}_{year}" for year in years]
    return wide.rename_axis(index="mine_id", columns=None).reset_index()


def mine_summary(mines: gpd.GeoDataFrame, mann_kendall: pd.DataFrame, bsp: pd.DataFrame, rates: pd.DataFrame,
                 ecology: pd.DataFrame, years: list[int], **optional: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every per-mine result of a region, one row per mine in the order of ``mines``.

    Parameters
    ----------
    mines : ``mines/mines.gpkg`` (mine_id, area_km2, subregion, geometry in the region CRS).
    mann_kendall : ``restoration/mann_kendall.csv`` (mine_id and :data:`TREND_COLUMNS`).
    bsp, rates, ecology : ``restoration/bsp.csv`` (bsp_pct), ``restoration/restoration_rate_mines.csv`` (rr_pct)
        and ``ecology/mines.csv`` (the mean of the indices rsei and rem), each per mine and year.
    years : the region's analysis years.
    **optional : the tables a region has, by the keys of :data:`OPTIONAL_COLUMNS`: ``rivers``
        (``mines/by_river_mines.csv``), ``insar`` (``restoration/insar_activity.csv``), ``matches``
        (``mines/accuracy_mines.csv``).

    Returns
    -------
    GeoDataFrame mine_id, area_ha, subregion, [river], status, sen_slope, p_used, bsp_{year}, rr_{year},
    rsei_{year}, rem_{year} … (% , %, 0–1, 0–1), [insar_class], [reference_id, iou], geometry (the mines' CRS).
    A mine missing from a table, or a year missing for a mine, is NaN there; no mine gives no row, every column.

    Raises
    ------
    ValueError
        When a table has a mine twice (or twice in one year), ``optional`` names an unknown table, or a table with
        rows has no mine id of ``mines`` (ids written otherwise, e.g. ``1.0`` for ``1``: every value would be NaN).
    """
    unknown = sorted(set(optional) - set(OPTIONAL_COLUMNS))
    if unknown:
        raise ValueError(f"unknown per-mine tables {unknown}; expected some of {sorted(OPTIONAL_COLUMNS)}")
    ids = set(mines["mine_id"].astype(str))
    for name, table in {"mann_kendall": mann_kendall, "bsp": bsp, "rates": rates, "ecology": ecology,
                        **optional}.items():
        _check_ids(table, name, ids)
    frame = pd.DataFrame({"mine_id": mines["mine_id"].astype(str).to_numpy(),
                          "area_ha": mines["area_km2"].to_numpy(float) * 100,
                          "subregion": mines["subregion"].to_numpy()})
    parts = [_columns(optional, "rivers"), mann_kendall[["mine_id", *TREND_COLUMNS]],
             by_year(bsp, "bsp_pct", "bsp", years), by_year(rates, "rr_pct", "rr", years),
             *(by_year(ecology[ecology["index"] == index], "mean", index, years) for index in ("rsei", "rem")),
             _columns(optional, "insar"), _columns(optional, "matches")]
    for part in parts:
        if part is not None:
            part = part.assign(mine_id=part["mine_id"].astype(str))
            frame = frame.merge(part, on="mine_id", how="left", validate="one_to_one")
    return gpd.GeoDataFrame(frame, geometry=mines.geometry.to_numpy(), crs=mines.crs)


def _check_ids(table: pd.DataFrame, name: str, ids: set[str]) -> None:
    """Refuse a per-mine table with rows none of whose mine ids is one of the mines' ``ids``."""
    theirs = set(table["mine_id"].dropna().astype(str))
    if ids and theirs and not ids & theirs:
        raise ValueError(f"the {name} table's mine ids ({', '.join(sorted(theirs)[:3])}, …) include no mine id of the "
                         f"mines layer ({', '.join(sorted(ids)[:3])}, …): it belongs to other mines, or writes the ids "
                         "otherwise (e.g. 1.0 for 1); every value of it would be NaN")


def _columns(optional: dict[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    """mine_id and the summary's columns of the optional table ``name``, or None when the region lacks it."""
    return optional[name][["mine_id", *OPTIONAL_COLUMNS[name]]] if name in optional else None


def summary_table(summary: gpd.GeoDataFrame) -> pd.DataFrame:
    """The summary without its geometry, with the centroid of each mine (centroid_x_m, centroid_y_m, in the
    region CRS) after its id: the CSV beside the GeoPackage."""
    table = pd.DataFrame(summary.drop(columns=summary.geometry.name))
    centroids = summary.geometry.centroid
    table.insert(1, "centroid_x_m", centroids.x.to_numpy(float))
    table.insert(2, "centroid_y_m", centroids.y.to_numpy(float))
    return table
