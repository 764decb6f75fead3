"""The indicators of chosen mines year by year, for the per-mine time-series figure (figures/mine_series.png,
:func:`minerestore.report.plots.mine_indicator_series`): which mines (config ``report.mine_series``), their bare
surface percentage, mean NDVI and mean REM per year, and the Sen's slope line of each series.

BSP and REM come from the workflow's per-mine tables (restoration/bsp.csv, ecology/mines.csv); no table holds a
mine's NDVI, so :func:`ndvi_means` takes it from the composites, for the chosen mines only.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_composites
from minerestore.raster.tiles import polygon_windows, tile_grid
from minerestore.raster.zonal import zonal
from minerestore.restoration.trend import STATUSES, sen_line

#: The columns of the long table of the series.
SERIES_COLUMNS = ["mine_id", "year", "indicator", "value"]


def chosen_mines(mines: pd.DataFrame, status: pd.DataFrame, listed: list[str], largest_per_status: int,
                 region: str) -> list[str]:
    """The mines of the figure: the ``listed`` ones in their order, then the ``largest_per_status`` largest mines of
    each restoration status (abandoned, active, no trend, too few years) that are not listed.

    Parameters
    ----------
    mines : mine_id, area_km2 (mines/mines.gpkg); status : mine_id, status (restoration/mann_kendall.csv).
    listed, largest_per_status : config ``report.mine_series.mines`` and ``.largest_per_status``.
    region : the region, for the error message.

    Raises
    ------
    ValueError
        Naming the listed ids that are not mines of the region, and the config key that lists them.
    """
    known = set(mines["mine_id"])
    unknown = [m for m in listed if m not in known]
    if unknown:
        some = ", ".join(sorted(known)[:5]) + (", …" if len(known) > 5 else "")
        raise ValueError(f"report.mine_series.mines lists {unknown}, which are not mines of region {region!r} "
                         f"(its mines/mines.gpkg has {len(known)} mines{': ' + some if known else ''})")
    ranked = mines[["mine_id", "area_km2"]].merge(status[["mine_id", "status"]], on="mine_id")
    ranked = ranked[~ranked["mine_id"].isin(listed)].sort_values(["area_km2", "mine_id"], ascending=[False, True])
    largest = ranked.groupby("status").head(largest_per_status)
    order = {s: i for i, s in enumerate(STATUSES)}
    largest = largest.assign(rank=largest["status"].map(order)).sort_values("rank", kind="stable")
    return [*listed, *largest["mine_id"]]


def ndvi_means(mines: gpd.GeoDataFrame, grid: Grid, composites: list[str], years: list[int], *,
               tile_px: int) -> pd.DataFrame:
    """Mean growing-season NDVI of each mine and year over its pixels with a clear observation (exact coverage
    fractions, as the BSP), read from the composites' windows around the mines.

    Returns
    -------
    DataFrame of :data:`SERIES_COLUMNS`, indicator ``ndvi`` (value NaN in a year without an observed pixel).
    """
    parts = []
    for members, window in polygon_windows(mines, grid, tile_px):
        group, window_grid = mines.iloc[members][["mine_id", "geometry"]], tile_grid(grid, window)
        for year, ndvi in zip(years, read_composites(composites, ["ndvi"], window)["ndvi"]):
            stats = zonal({"ndvi": ndvi}, group, window_grid, ["mean"], "mine_id")
            parts.append(pd.DataFrame({"mine_id": stats["mine_id"], "year": year, "indicator": "ndvi",
                                       "value": stats["ndvi_mean"]}))
    return _concat(parts)


def indicator_table(chosen: list[str], bsp: pd.DataFrame, ecology: pd.DataFrame, ndvi: pd.DataFrame) -> pd.DataFrame:
    """BSP, NDVI and REM of the chosen mines per year, one long table of :data:`SERIES_COLUMNS`.

    bsp : restoration/bsp.csv (bsp_pct); ecology : ecology/mines.csv (the ``mean`` of index ``rem``); ndvi :
    :func:`ndvi_means`.
    """
    rem = ecology[ecology["index"] == "rem"]
    parts = [bsp.assign(indicator="bsp", value=bsp["bsp_pct"]), ndvi, rem.assign(indicator="rem", value=rem["mean"])]
    frame = _concat([p.loc[p["mine_id"].isin(chosen), SERIES_COLUMNS] for p in parts])
    return frame.astype({"value": float}).sort_values(["mine_id", "indicator", "year"], ignore_index=True)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The non-empty tables of ``parts`` one under the other (pandas warns on empty ones); none: an empty table."""
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SERIES_COLUMNS)


def trend_lines(series: pd.DataFrame) -> pd.DataFrame:
    """Sen's slope (per year) and intercept (at the series' first year) of each mine's series of each indicator
    (:func:`minerestore.restoration.trend.sen_line`: for the BSP, the mann_kendall.csv values): mine_id, indicator,
    sen_slope, intercept."""
    rows = [(mine, name, *sen_line(group["year"], group["value"]))
            for (mine, name), group in series.sort_values("year").groupby(["mine_id", "indicator"], sort=False)]
    return pd.DataFrame(rows, columns=["mine_id", "indicator", "sen_slope", "intercept"])
