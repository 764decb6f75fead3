"""The interactive map of a region that works offline: one self-contained HTML file (bokeh, with its JavaScript
inlined: no CDN, no tile server) with the study area, its sub-regions and the mines coloured by restoration
status, a tooltip of each mine's BSP and REM series (from the mine summary, :mod:`minerestore.report.mine_summary`)
and raster overlays (the last year's RSEI, the trend maps) under them; clicking a legend entry hides or shows its
layer. Coordinates are the region CRS's (metres)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from bokeh.embed import file_html
from bokeh.models import (BasicTickFormatter, ColorBar, ColumnDataSource, HoverTool, Legend, LegendItem,
                          LinearColorMapper)
from bokeh.palettes import BrBG11, RdYlGn11
from bokeh.plotting import figure
from bokeh.resources import INLINE
from matplotlib.colors import to_hex

from minerestore.io import write_text
from minerestore.report.plots import STATUS_COLOURS, STATUS_LABELS, symmetric_limit
from minerestore.restoration.trend_indices import trend_index

#: Longest side (px) of an overlay: a browser map needs no more, and each overlay is inlined in the file
#: (1000² float32 is 5 MB of base64).
WEB_PX = 1000
#: Colour of a status the report's figures have no colour for (a mine without a Mann–Kendall row).
OTHER_COLOUR = "#bbbbbb"
#: Fills of the sub-regions, in their order in the study area (light, under the overlays' colours).
SUBREGION_COLOURS = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99", "#fb9a99"]
TRANSPARENT = "rgba(0, 0, 0, 0)"
#: What a mine's tooltip shows (the series: :func:`series_text`).
TOOLTIP_COLUMNS = ("mine_id", "area_ha", "status_label", "sen_slope", "bsp_series", "rem_series")


@dataclass(frozen=True)
class Overlay:
    """A raster drawn under the mines.

    Attributes
    ----------
    label : its legend entry. values : (rows, cols) float, row 0 to the north, NaN transparent (at most
        :data:`WEB_PX` a side: :func:`minerestore.raster.read.read_preview`). palette : colours from ``low`` to
        ``high``. visible : shown when the map opens.
    """

    label: str
    values: np.ndarray
    palette: tuple[str, ...]
    low: float
    high: float
    visible: bool = False


def rsei_overlay(values: np.ndarray, year: int) -> Overlay:
    """RSEI of ``year`` (0–1, red to green), shown when the map opens."""
    return Overlay(f"RSEI {year}", values, tuple(reversed(RdYlGn11)), 0.0, 1.0, visible=True)


def trend_overlay(slope: np.ndarray, name: str) -> Overlay:
    """Sen's slope of a trend index (``restoration/trend_{name}.vrt``), centred on 0, green where it improves
    (a falling bare share, a rising NDVI: :attr:`TrendIndex.higher_is_better`) as the trend figures."""
    limit = symmetric_limit(slope)
    palette = tuple(reversed(BrBG11)) if trend_index(name).higher_is_better else tuple(BrBG11)
    return Overlay(f"trend of {name} (Sen's slope per year)", slope, palette, -limit, limit)


def series_text(summary: gpd.GeoDataFrame, prefix: str, fmt: str) -> list[str]:
    """Each mine's yearly values of the summary columns ``{prefix}_{year}``, as ``2016: 45.1, 2017: –, …`` (– no
    value)."""
    columns = [c for c in summary.columns if re.fullmatch(rf"{prefix}_\d{{4}}", c)]
    years = [c.rsplit("_", 1)[1] for c in columns]
    return [", ".join(f"{year}: {'–' if np.isnan(v) else format(v, fmt)}" for year, v in zip(years, row))
            for row in summary[columns].to_numpy(float)]


def polygon_coordinates(geometries) -> tuple[list, list]:
    """xs and ys of polygons as bokeh's ``multi_polygons`` takes them: per geometry its polygons, per polygon its
    exterior ring and holes, per ring its coordinates."""
    xs, ys = [], []
    for geometry in geometries:
        parts = getattr(geometry, "geoms", [geometry])
        rings = [[p.exterior, *p.interiors] for p in parts if not p.is_empty]
        xs.append([[list(r.xy[0]) for r in polygon] for polygon in rings])
        ys.append([[list(r.xy[1]) for r in polygon] for polygon in rings])
    return xs, ys


def web_map(study_area: gpd.GeoDataFrame, summary: gpd.GeoDataFrame, overlays: list[Overlay], bounds, *,
            region: str, crs: str):
    """The map of a region as a bokeh layout (:func:`write_map` writes it).

    Parameters
    ----------
    study_area : ``study_area.gpkg`` (its sub-regions, ``subregion``); summary : ``mines/summary.gpkg`` (mine_id,
        area_ha, status, sen_slope, bsp_{year} and rem_{year} …), both in the region CRS ``crs``.
    overlays : rasters on ``bounds`` (xmin, ymin, xmax, ymax of the region grid, metres), drawn in order under
        the mines, each with its colour bar.
    """
    plot = figure(title=f"{region}: {len(summary)} mines by restoration status (coordinates in {crs})",
                  x_range=(bounds[0], bounds[2]), y_range=(bounds[1], bounds[3]), match_aspect=True,
                  sizing_mode="stretch_both", min_width=500, min_height=400,
                  tools="pan,wheel_zoom,box_zoom,reset,save", active_scroll="wheel_zoom")
    plot.xaxis.axis_label, plot.yaxis.axis_label = f"Easting (m, {crs})", f"Northing (m, {crs})"
    for axis in (plot.xaxis, plot.yaxis):
        axis.formatter = BasicTickFormatter(use_scientific=False)
    items = [_overlay(plot, o, bounds) for o in overlays]
    items += _subregions(plot, study_area)
    items += _mines(plot, summary)
    plot.add_layout(Legend(items=items, click_policy="hide", title="click to hide or show"), "right")
    return plot


def _overlay(plot, overlay: Overlay, bounds) -> LegendItem:
    mapper = LinearColorMapper(palette=list(overlay.palette), low=overlay.low, high=overlay.high,
                               nan_color=TRANSPARENT)
    xmin, ymin, xmax, ymax = bounds
    image = plot.image(image=[np.flipud(overlay.values).astype(np.float32)], x=xmin, y=ymin, dw=xmax - xmin,
                       dh=ymax - ymin, color_mapper=mapper, global_alpha=0.8, visible=overlay.visible,
                       name=f"overlay: {overlay.label}")
    bar = ColorBar(color_mapper=mapper, title=overlay.label, visible=overlay.visible, width=10)
    image.js_link("visible", bar, "visible")
    plot.add_layout(bar, "right")
    return LegendItem(label=overlay.label, renderers=[image])


def _subregions(plot, study_area: gpd.GeoDataFrame) -> list[LegendItem]:
    items = []
    for i, (name, zone) in enumerate(study_area.groupby("subregion", sort=False)):
        xs, ys = polygon_coordinates(zone.geometry)
        patches = plot.multi_polygons(xs=xs, ys=ys, fill_color=SUBREGION_COLOURS[i % len(SUBREGION_COLOURS)],
                                      fill_alpha=0.25, line_color="#777777", line_width=0.8)
        items.append(LegendItem(label=f"sub-region: {name}", renderers=[patches]))
    xs, ys = polygon_coordinates([shapely.union_all(study_area.geometry.to_numpy())])
    outline = plot.multi_polygons(xs=xs, ys=ys, fill_alpha=0, line_color="black", line_width=2)
    return [*items, LegendItem(label="study area", renderers=[outline])]


def _mines(plot, summary: gpd.GeoDataFrame) -> list[LegendItem]:
    """One renderer per status (so each hides on its own), with the tooltip of every mine."""
    status = summary["status"].astype(object).where(summary["status"].notna(), "none")
    table = summary.assign(status_label=[STATUS_LABELS.get(s, s) for s in status],
                           bsp_series=series_text(summary, "bsp", ".1f"),
                           rem_series=series_text(summary, "rem", ".2f"))
    renderers, items = [], []
    for name in [*(s for s in STATUS_LABELS if s in set(status)), *sorted(set(status) - set(STATUS_LABELS))]:
        rows = table[status.to_numpy() == name]
        xs, ys = polygon_coordinates(rows.geometry)
        source = ColumnDataSource({"xs": xs, "ys": ys, **{c: rows[c].tolist() for c in TOOLTIP_COLUMNS}})
        colour = to_hex(STATUS_COLOURS[name]) if name in STATUS_COLOURS else OTHER_COLOUR
        renderer = plot.multi_polygons(xs="xs", ys="ys", source=source, fill_color=colour, line_color="black",
                                       line_width=0.6, name=f"mines: {name}")
        renderers.append(renderer)
        items.append(LegendItem(label=f"{STATUS_LABELS.get(name, name)} ({len(rows)})", renderers=[renderer]))
    plot.add_tools(HoverTool(renderers=renderers, tooltips=[
        ("mine", "@mine_id"), ("status", "@status_label"), ("area", "@area_ha{0.00} ha"),
        ("Sen's slope", "@sen_slope{0.00} BSP points / year"), ("BSP (%)", "@bsp_series"),
        ("REM", "@rem_series")]))
    return items


def write_map(path: str | os.PathLike, layout, title: str) -> None:
    """Write the map as one HTML file, bokeh's JavaScript inlined (it opens offline), atomically."""
    write_text(path, file_html(layout, INLINE, title))
