"""Statistics of a region's mines as the Yili River basin study tabulates them (its Tables 5–8 and Fig. 5;
docs/methods.md, mine statistics): counts, total and mean area of the mines by area class, mine type, sub-region,
elevation band, slope band and band of distance to the nearest river, and the kernel density of the mines.

Each mine gets its attributes first (:func:`mine_attributes`: mean elevation and slope over its polygon with exact
coverage fractions, distance to the nearest river line, type from the reference or a mine-rights layer,
:func:`minerestore.identify.reference.mine_types`), then
:func:`by_class` groups them. The kernel density is scikit-learn's ``KernelDensity`` (Gaussian kernel) of the
mine centroids.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from minerestore.raster.grid import Grid

log = logging.getLogger(__name__)

#: The tables, by the name of their ``by`` column (``mines/statistics_{by}.csv``).
GROUPINGS = ("area_class", "mine_type", "subregion", "elevation_band", "slope_band", "river_band")


def terrain(mines: gpd.GeoDataFrame, grid: Grid, dem_path: str, tile_px: int) -> pd.DataFrame:
    """Mean elevation (m) and mean slope (degrees) of each mine, coverage-weighted (exactextract), read window by
    window (:func:`minerestore.raster.tiles.polygon_windows`) with a one-pixel margin for the slope.

    Returns
    -------
    DataFrame (index of ``mines``) ``elevation_m``, ``slope_deg`` (NaN where the DEM has no value).
    """
    from minerestore.raster.read import read_float
    from minerestore.raster.tiles import pad_window, polygon_windows, tile_grid
    from minerestore.raster.zonal import zonal
    from minerestore.topography import slope_degrees

    parts = []
    for members, window in polygon_windows(mines, grid, tile_px):
        padded, _ = pad_window(grid, window, 1)
        wgrid = tile_grid(grid, padded)
        dem = read_float(dem_path, grid, window=padded)
        group = mines.iloc[members].assign(_row=members)
        stats = zonal({"elevation": dem, "slope": slope_degrees(dem, grid.resolution)}, group, wgrid, ["mean"], "_row")
        parts.append(stats.set_index("_row"))
    table = pd.concat(parts).sort_index() if parts else pd.DataFrame({"elevation_mean": [], "slope_mean": []},
                                                                      dtype=float)
    return pd.DataFrame({"elevation_m": table["elevation_mean"].to_numpy(),
                         "slope_deg": table["slope_mean"].to_numpy()}, index=mines.index)


def river_distance_km(mines: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame) -> pd.Series:
    """Distance from each mine polygon to the nearest river line (0 for a mine a river crosses), km."""
    lines = rivers.to_crs(mines.crs).geometry.union_all()
    return pd.Series(mines.geometry.distance(lines).to_numpy() / 1000, index=mines.index, name="river_km")


def band_labels(values: pd.Series, edges: list[float], unit: str, open_ends: bool = True) -> pd.Series:
    """The band of each value between consecutive ``edges`` (left-closed: [a, b)), labelled ``a–b unit``; with
    ``open_ends``, values beyond the last edge fall in ``>= last unit`` and below the first in ``< first unit``
    (without, the edges span the values: :func:`elevation_edges`); NaN in ''. An ordered categorical, so the
    tables keep the bands in order."""
    e = [float(x) for x in edges]
    names = [f"< {e[0]:g} {unit}", *(f"{a:g}–{b:g} {unit}" for a, b in zip(e[:-1], e[1:])), f">= {e[-1]:g} {unit}"]
    index = np.searchsorted(e, values.to_numpy(float), side="right")
    labels = np.where(np.isfinite(values.to_numpy(float)), np.take(names, index), "")
    shown = names if open_ends else names[1:-1]
    return pd.Series(pd.Categorical(labels, categories=[*shown, ""], ordered=True), index=values.index)


def elevation_edges(elevation: pd.Series, band_m: float) -> list[float]:
    """Edges every ``band_m`` metres (config ``identify.statistics.elevation_band_m``) spanning the mines'
    elevations (one band when none is known)."""
    finite = elevation[np.isfinite(elevation)]
    if finite.empty:
        return [0.0, band_m]
    low, high = np.floor(finite.min() / band_m) * band_m, np.floor(finite.max() / band_m) * band_m + band_m
    return np.arange(low, high + band_m / 2, band_m).tolist()


def mine_attributes(mines: gpd.GeoDataFrame, *, terrain_table: pd.DataFrame | None, river_km: pd.Series | None,
                    types: pd.Series | None, options: dict) -> pd.DataFrame:
    """One row per mine: mine_id, area_km2, subregion, and each grouping of :data:`GROUPINGS` that can be made
    (the ``by`` columns; elevation and slope need a DEM, the river band rivers, the type a type field).

    Parameters
    ----------
    mines : the final mines (mine_id, area_km2, subregion); terrain_table : :func:`terrain`, or None;
    river_km : :func:`river_distance_km`, or None; types : :func:`minerestore.identify.reference.mine_types`, or
        None.
    options : config ``identify.statistics`` (area_classes_km2, elevation_band_m, slope_bands_deg,
        river_bands_km).
    """
    out = pd.DataFrame({"mine_id": mines["mine_id"], "area_km2": mines["area_km2"], "subregion": mines["subregion"]})
    out["area_class"] = band_labels(out["area_km2"], options["area_classes_km2"], "km²")
    if types is not None:
        out["mine_type"] = types.replace("", "unknown")
    if terrain_table is not None:
        out["elevation_m"], out["slope_deg"] = terrain_table["elevation_m"], terrain_table["slope_deg"]
        edges = elevation_edges(out["elevation_m"], options["elevation_band_m"])
        out["elevation_band"] = band_labels(out["elevation_m"], edges, "m", open_ends=False)
        out["slope_band"] = band_labels(out["slope_deg"], options["slope_bands_deg"], "°")
    if river_km is not None:
        out["river_km"] = river_km
        out["river_band"] = band_labels(river_km, options["river_bands_km"], "km")
    return out


def by_class(attributes: pd.DataFrame, by: str) -> pd.DataFrame:
    """Mines of each class of ``by``: count, share of the mines (%), total and mean area (km²), and the share of
    the mine area (%). Empty classes of a banded grouping are kept (0 mines), so tables of two runs line up.

    Returns
    -------
    DataFrame ``by``, mines, mines_pct, total_area_km2, mean_area_km2, area_pct; a last row ``all``.
    """
    groups = attributes.groupby(by, observed=False, sort=True)["area_km2"]
    table = pd.DataFrame({"mines": groups.count(), "total_area_km2": groups.sum()}).reset_index()
    if isinstance(attributes[by].dtype, pd.CategoricalDtype):
        table = table[(table[by] != "") | (table["mines"] > 0)]
    table[by] = table[by].astype(str)
    total, area = max(len(attributes), 1), attributes["area_km2"].sum()
    table["mines_pct"] = 100 * table["mines"] / total
    table["mean_area_km2"] = table["total_area_km2"] / table["mines"].where(table["mines"] > 0)
    table["area_pct"] = 100 * table["total_area_km2"] / area if area > 0 else np.nan
    share = 100.0 if len(attributes) else np.nan
    everything = {by: "all", "mines": len(attributes), "total_area_km2": area, "mines_pct": share,
                  "mean_area_km2": area / len(attributes) if len(attributes) else np.nan, "area_pct": share}
    table = pd.concat([table, pd.DataFrame([everything])], ignore_index=True)
    return table[[by, "mines", "mines_pct", "total_area_km2", "mean_area_km2", "area_pct"]]


def kernel_density(mines: gpd.GeoDataFrame, grid: Grid, *, cell_m: float, bandwidth_km: float | None
                   ) -> tuple[np.ndarray, Grid, float]:
    """Kernel density of the mines (their centroids), mines per km², on ``grid`` coarsened to about ``cell_m``.

    A Gaussian kernel (scikit-learn ``KernelDensity``) of standard deviation h = ``bandwidth_km`` (config
    ``identify.statistics.kde_bandwidth_km``), or, when None, Scott's rule h = σ n^(−1/6), σ the mean of the
    standard deviations of the centroids' x and y (h = 1 km for fewer than two mines). The density integrates
    to the number of mines over the plane.

    Returns
    -------
    (float32 (rows, cols) mines/km², the coarse grid, h in km).
    """
    from sklearn.neighbors import KernelDensity

    coarse = grid.coarsened(max(1, int(round(max(grid.width, grid.height) * grid.resolution / cell_m))))
    points = np.column_stack([mines.geometry.centroid.x, mines.geometry.centroid.y]) if len(mines) else np.empty((0, 2))
    if bandwidth_km is not None:
        h = bandwidth_km * 1000
    elif len(points) >= 2 and points.std(axis=0).mean() > 0:
        h = points.std(axis=0).mean() * len(points) ** (-1 / 6)
    else:
        h = 1000.0
    if not len(points):
        return np.zeros(coarse.shape, np.float32), coarse, h / 1000
    xs, ys = np.meshgrid(*coarse.xy_centres())
    kde = KernelDensity(kernel="gaussian", bandwidth=h).fit(points)
    density = np.exp(kde.score_samples(np.column_stack([xs.ravel(), ys.ravel()]))) * len(points) * 1e6
    return density.reshape(coarse.shape).astype(np.float32), coarse, h / 1000
