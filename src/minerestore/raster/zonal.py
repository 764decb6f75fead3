"""Zonal statistics of rasters on the region grid over polygons, with exact coverage fractions (exactextract).

A pixel counts with the fraction of its area inside the polygon, so small mines are measured without the bias of
the pixel-centre rule.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from pyproj import CRS

from minerestore.raster.grid import Grid


def zonal(values: dict[str, np.ndarray], polygons: gpd.GeoDataFrame, grid: Grid, ops: list[str],
          id_column: str) -> pd.DataFrame:
    """exactextract statistics of named 2-D layers over polygons.

    Parameters
    ----------
    values : dict name -> ndarray (rows, cols) float, NaN = nodata (excluded from every statistic).
    polygons : GeoDataFrame in the grid CRS with ``id_column``.
    ops : exactextract operations, e.g. ``["count", "sum", "mean", "median", "stdev"]`` (coverage-weighted).

    Returns
    -------
    DataFrame with ``id_column`` and one column ``{name}_{op}`` per layer and operation, one row per polygon.
    """
    xmin, ymin, xmax, ymax = grid.bounds
    srs = CRS.from_user_input(grid.crs).to_wkt()
    rasters = [NumPyRasterSource(np.ascontiguousarray(v, dtype=np.float64), xmin, ymin, xmax, ymax, nodata=np.nan,
                                 name=k, srs_wkt=srs) for k, v in values.items()]
    if polygons.empty:
        return pd.DataFrame(columns=[id_column] + [f"{k}_{op}" for k in values for op in ops])
    out = exact_extract(rasters, polygons, ops, include_cols=[id_column], output="pandas")
    if len(values) == 1:  # exactextract names single-raster columns by the op only
        out = out.rename(columns={op: f"{next(iter(values))}_{op}" for op in ops})
    return out
