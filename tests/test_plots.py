"""Every figure function makes a non-empty image with the expected title and axis labels, on tiny data; maps
have plain km coordinates, the CRS and a scale bar, legends name every colour in words."""

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.legend import Legend
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from shapely.geometry import LineString, box

from minerestore.report import mine_series, plots

YEARS = [2016, 2017, 2018]
BOUNDS = (0, 0, 1000, 1000)
CRS = "EPSG:32650"
#: UTM coordinates of a real place: 3300 km northing, where a default axis writes an offset (+3.3e3)
UTM_BOUNDS = (500_000, 3_300_000, 503_000, 3_303_000)


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    mines = ["M1", "M2", "M3"]
    status = pd.DataFrame({"mine_id": mines, "status": ["abandoned", "active", "no_trend"]})
    bsp = pd.DataFrame([{"mine_id": m, "year": y, "bsp_pct": rng.uniform(0, 100)} for m in mines for y in YEARS])
    stats = pd.DataFrame([{"mine_id": m, "year": y, "index": i, "mean": rng.uniform()} for m in mines for y in YEARS
                          for i in ("rsei", "rem", "i_veg", "i_imper")])
    rates = pd.DataFrame([{"mine_id": m, "subregion": "upstream", "year": y, "rr_pct": rng.normal(0, 20)}
                          for m in mines for y in YEARS])
    region = pd.DataFrame([{"year": y, "index": "rsei", "scope": s, "mean": rng.uniform()} for y in YEARS
                           for s in ("mines", "study_area", "region")])
    rings = pd.DataFrame([{"year": y, "mines": "all", "index": "rsei", "ring_km": k, "mean": 0.2 + 0.1 * k}
                          for y in YEARS for k in range(4)])
    classes = pd.DataFrame([{"year": y, "index": "rsei", "area_class": c, "mean": rng.uniform()} for y in YEARS
                            for c in ("<0.25", ">=1")])
    return {"status": status, "bsp": bsp.merge(status), "stats": stats.merge(status), "rates": rates,
            "region": region, "rings": rings, "classes": classes}


def check(fig, tmp_path, title, xlabel=None, ylabel=None):
    texts = [ax.get_title() for ax in fig.axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
    assert any(title in t for t in texts), texts
    if xlabel:
        assert any(xlabel in ax.get_xlabel() for ax in fig.axes)
    if ylabel:
        assert any(ylabel in ax.get_ylabel() for ax in fig.axes)
    png, svg = plots.save(fig, tmp_path / "figure")
    assert png.stat().st_size > 5000 and svg.stat().st_size > 5000


def test_map_figures(tmp_path, tables):
    masks = {k: np.zeros((10, 10), np.uint8) for k in ("water", "vegetation", "snow", "builtup")}
    masks["water"][:2] = 1
    masks["vegetation"][5:] = 1
    areas = pd.DataFrame({"class": ["water", "vegetation", "snow", "builtup", "remaining"],
                          "share_pct": [20, 50, 0, 0, 30]})
    check(plots.study_area_masks(masks, BOUNDS, areas, CRS), tmp_path, "Masks of irrelevant land", "Easting (km)")
    zones = gpd.GeoDataFrame({"subregion": ["upstream"]}, geometry=[box(*BOUNDS)], crs="EPSG:32650")
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"], "status": ["abandoned", "active"], "area_km2": [0.01, 0.02]},
                             geometry=[box(100, 100, 200, 200), box(500, 500, 700, 700)], crs="EPSG:32650")
    rivers = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 1000)])], crs="EPSG:32650")
    check(plots.mines_status_map(zones, mines, CRS, rivers), tmp_path, "2 mines by restoration status", "Easting (km)")
    layer = np.random.default_rng(1).uniform(size=(20, 20))
    check(plots.rsei_maps(layer, layer, (2016, 2022), BOUNDS, CRS), tmp_path, "RSEI 2016", "Easting (km)")
    check(plots.mine_series({y: layer for y in YEARS}, BOUNDS, "M1", CRS), tmp_path, "REM of mine M1")
    slope = layer - 0.5
    check(plots.trend_map(slope, layer, BOUNDS, CRS, alpha=0.3, label="ndvi", higher_is_better=True), tmp_path,
          "Trend of ndvi", "Easting (km)")
    northing = np.broadcast_to(np.linspace(1000, 0, 20)[:, None], (20, 20))
    check(plots.latitude_profile(layer, northing, np.array([100.0, 900.0]), bands=5), tmp_path,
          "Latitudinal profile of RSEI", "Mean RSEI", "Northing (km)")
    check(plots.rsei_density({y: layer for y in YEARS}), tmp_path, "RSEI pixel density", "RSEI (0–1)", "Density")


def test_chart_figures(tmp_path, tables):
    check(plots.bsp_boxplots(tables["bsp"], whiskers=None), tmp_path, "Bare surface percentage", "Year", "Bare surface percentage (%)")
    with_gap = tables["bsp"].copy()
    with_gap.loc[with_gap.index[4], "bsp_pct"] = np.nan  # a mine without valid pixels one year (16x benchmark)
    check(plots.bsp_boxplots(with_gap, whiskers=None), tmp_path, "Bare surface percentage", "Year")
    check(plots.restoration_rate_boxplots(tables["rates"]), tmp_path, "Restoration rate", "Year",
          "Restoration rate vs base year (%)")
    check(plots.rem_boxplots(tables["stats"], whiskers=[10, 90]), tmp_path, "REM of mines", "Year", "Mean REM")
    check(plots.veg_imper_lines(tables["stats"]), tmp_path, "I_veg", "Year", "Mean sub-index")
    check(plots.mine_vs_region(tables["region"]), tmp_path, "Mines vs region", "Year", "Mean RSEI")
    fig, fit = plots.rings_curve(tables["rings"])
    assert fit["r2"] == pytest.approx(1.0) and fit["params"]["ring_km"] == pytest.approx(0.1)
    check(fig, tmp_path, "RSEI with distance", "Distance ring (km", "Mean RSEI")
    check(plots.area_classes(tables["classes"]), tmp_path, "RSEI by mine size", "Mine area class (km²)")
    pearson = pd.DataFrame({"region": ["a", "a", "b", "b"], "driver": ["p", "q"] * 2, "r": [0.5, -0.3, 0.2, -0.8],
                            "p": [0.01, 0.2, 0.03, 0.001]})
    check(plots.pearson_heatmap(pearson), tmp_path, "Correlation of RSEI with drivers", "Driver", "Region")
    preds = pd.DataFrame({"observed": [0.1, 0.5, 0.9], "predicted": [0.2, 0.5, 0.8]})
    check(plots.observed_vs_predicted(preds, {"r2": 0.9, "rmse": 0.1, "mae": 0.07}), tmp_path,
          "Random forest", "Observed RSEI", "Predicted RSEI")
    imp = pd.DataFrame({"region": ["a", "a"], "driver": ["p", "q"], "inc_mse_pct": [10.0, 3.0]})
    check(plots.importance_bars(imp), tmp_path, "Driver importance", "%IncMSE")
    ranking = pd.DataFrame({"driver": ["p", "q"], "mean_rank": [1.0, 2.0]})
    check(plots.ranking_bars(ranking), tmp_path, "Overall driver ranking", "Mean rank")


def test_empty_region_figures_say_so(tmp_path):
    empty = pd.DataFrame({"mine_id": [], "year": [], "bsp_pct": [], "status": []})
    check(plots.bsp_boxplots(empty, whiskers=None), tmp_path, "Bare surface percentage of mines")
    check(plots.mine_series({}, BOUNDS, "none", CRS), tmp_path, "REM of one mine")


def test_figures_across_regions_draw_one_line_per_region(tables, tmp_path):
    rings = pd.concat([tables["rings"].assign(region=r, mean=tables["rings"]["mean"] + i / 10)
                       for i, r in enumerate(("anshan", "handan"))])
    fig = plots.rings_by_region(rings)
    check(fig, tmp_path, "by region", "Distance ring", "Multi-year mean RSEI")
    assert len([line for line in fig.axes[0].get_lines() if len(line.get_xdata()) == 4]) == 2
    assert fig.axes[0].get_lines()[0].get_ydata()[0] == pytest.approx(0.2)  # the mean over the years of ring 0
    pca = pd.DataFrame([{"region": r, "year": y, "indicator": k, "pc1_share_pct": 70 + i}
                        for i, r in enumerate(("anshan", "handan")) for y in YEARS for k in ("ndvi", "wet")])
    check(plots.pc1_share_lines(pca), tmp_path, "variance carried by PC1", "Year", "PC1 share")
    check(plots.rings_by_region(rings.iloc[:0]), tmp_path, "RSEI with distance from mines")


def test_a_figure_saved_twice_gives_the_same_bytes(tmp_path):
    """matplotlib's SVGs carry the date and random element ids: two runs differed in every SVG."""
    files = []
    for run in ("a", "b"):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0], clip_on=True)
        files.append(plots.save(fig, tmp_path / run / "figure"))
    for first, second in zip(*files):
        assert first.read_bytes() == second.read_bytes()


def legend_labels(fig) -> list[str]:
    """The text of every legend entry and title of a figure."""
    return [t.get_text() for legend in fig.findobj(Legend) for t in [*legend.get_texts(), legend.get_title()]]


def map_figures():
    """One figure of each map function, on UTM coordinates: name -> figure."""
    layer = np.random.default_rng(1).uniform(size=(20, 20))
    masks = {k: np.zeros((20, 20), np.uint8) for k in ("water", "vegetation", "snow", "builtup")}
    areas = pd.DataFrame({"class": [*masks, "remaining"], "share_pct": [0, 0, 0, 0, 100.0]})
    x0, y0 = UTM_BOUNDS[:2]
    mines = gpd.GeoDataFrame({"mine_id": ["M1"], "status": ["abandoned"], "insar_class": ["negative"]},
                             geometry=[box(x0 + 100, y0 + 100, x0 + 400, y0 + 300)], crs=CRS)
    zones = gpd.GeoDataFrame({"subregion": ["upstream"]}, geometry=[box(*UTM_BOUNDS)], crs=CRS)
    return {
        "masks": plots.study_area_masks(masks, UTM_BOUNDS, areas, CRS),
        "status": plots.mines_status_map(zones, mines, CRS),
        "rsei": plots.rsei_maps(layer, layer, (2016, 2022), UTM_BOUNDS, CRS),
        "trend": plots.trend_map(layer - 0.5, layer, UTM_BOUNDS, CRS, alpha=0.3, label="ndvi", higher_is_better=True),
        "insar": plots.insar_velocity_map(layer, UTM_BOUNDS, mines, 500, 5, CRS),
        "density": plots.mine_density(layer, UTM_BOUNDS, mines, 0.5, CRS),
        "refined": plots.refined_mines(layer, UTM_BOUNDS, mines, mines, mines, {}, CRS),
    }


def test_maps_have_plain_km_axes_the_crs_and_a_scale_bar():
    """No offset or exponent on the coordinates (UTM northings of 3300 km gave "+3.3e3"), the CRS named under the
    easting axis, a scale bar on every map."""
    for name, fig in map_figures().items():
        fig.canvas.draw()
        maps = [ax for ax in fig.axes if ax.get_xlabel().startswith("Easting (km)")]
        assert maps, name
        for ax in maps:
            assert "WGS 84 / UTM zone 50N (EPSG:32650)" in ax.get_xlabel(), name
            for axis in (ax.xaxis, ax.yaxis):
                assert axis.get_offset_text().get_text() == "", name
                labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]  # none: shared with a panel
                assert all("e" not in t.lower() for t in labels), (name, labels)
            bars = [a for a in ax.artists if isinstance(a, AnchoredSizeBar)]
            assert len(bars) == 1 and bars[0].txt_label.get_text() in ("500 m", "1 km"), name
        assert "3301" in " ".join(t.get_text() for t in maps[0].yaxis.get_ticklabels()), name  # km in full
        plt.close(fig)
    fig = plots.mine_series({2016: np.zeros((4, 4))}, (0, 0, 300, 200), "M1", CRS)
    assert any(isinstance(a, AnchoredSizeBar) for a in fig.axes[0].artists)
    assert "EPSG:32650" in fig._suptitle.get_text()


@pytest.mark.parametrize("span,length", [(0.6, 0.5), (3.0, 2.0), (1.0, 1.0), (7.3, 5.0), (0.019, 0.01)])
def test_a_scale_bar_is_a_round_length(span, length):
    assert plots.nice_length(span) == pytest.approx(length)


def test_status_legends_say_abandoned_mines_are_restoring(tables):
    zones = gpd.GeoDataFrame({"subregion": ["upstream", "downstream"]},
                             geometry=[box(0, 0, 500, 1000), box(500, 0, 1000, 1000)], crs=CRS)
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"], "status": ["abandoned", "no_trend"]},
                             geometry=[box(100, 100, 200, 200), box(500, 500, 700, 700)], crs=CRS)
    rivers = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 1000)])], crs=CRS)
    labels = legend_labels(plots.mines_status_map(zones, mines, CRS, rivers))
    assert {"abandoned (restoring)", "no trend", "upstream", "downstream", "river", "sub-region"} <= set(labels)
    assert "abandoned" not in labels
    for fig in (plots.bsp_boxplots(tables["bsp"], whiskers=None), plots.rem_boxplots(tables["stats"], whiskers=None)):
        assert "abandoned (restoring)" in legend_labels(fig) and "abandoned" not in legend_labels(fig)
    cross = pd.DataFrame({"insar_class": ["negative"], "abandoned": [1], "active": [0], "total": [1]})
    ticks = [t.get_text() for t in plots.insar_cross(cross).axes[0].get_xticklabels()]
    assert "abandoned (restoring)" in ticks


def test_the_masks_figure_says_the_masks_overlap():
    """Shares of overlapping masks are each a share of the study area: the figure must not read as a partition."""
    masks = {k: np.zeros((10, 10), np.uint8) for k in ("water", "vegetation", "snow", "builtup")}
    masks["water"][:6], masks["vegetation"][4:] = 1, 1
    areas = pd.DataFrame({"class": [*masks, "remaining"], "share_pct": [60.0, 60.0, 0, 0, 0]})
    fig = plots.study_area_masks(masks, BOUNDS, areas, CRS)
    bars = fig.axes[1]
    assert "do not sum to 100 %" in bars.get_xlabel() and "120 %" in bars.get_xlabel()
    assert [t.get_text() for t in bars.get_yticklabels()] == ["water", "vegetation", "snow", "built-up",
                                                             "remaining (no mask)"]
    assert [round(p.get_width()) for p in bars.patches] == [60, 60, 0, 0, 0]  # one bar per mask, not stacked
    assert "built-up" in legend_labels(fig)


def test_drivers_are_named_in_words_with_units():
    pearson = pd.DataFrame({"region": ["a", "a"], "driver": ["dem", "night_light"], "r": [0.5, -0.3], "p": [0.01, 0.2]})
    ticks = [t.get_text() for t in plots.pearson_heatmap(pearson).axes[0].get_xticklabels()]
    assert ticks == ["Elevation (m)", "Night-time light (nW/cm²/sr)"]
    ranking = pd.DataFrame({"driver": ["slope", "unknown_driver"], "mean_rank": [1.0, 2.0]})
    ticks = [t.get_text() for t in plots.ranking_bars(ranking).axes[0].get_yticklabels()]
    assert ticks == ["Slope (°)", "unknown_driver"]
    importance = pd.DataFrame({"region": ["a"], "driver": ["pm25"], "inc_mse_pct": [3.0]})
    assert [t.get_text() for t in plots.importance_bars(importance).axes[0].get_yticklabels()] == ["PM2.5 (µg/m³)"]


def test_year_colours_have_a_legend(tables):
    fig, _ = plots.rings_curve(tables["rings"])
    assert {str(y) for y in YEARS} <= set(legend_labels(fig))


def one_mine_series(slope: float = -5.0):
    """A restoring mine's BSP, NDVI and REM over YEARS, and their lines: (series, trends, status)."""
    rows = [("M1", y, name, start + step * (y - YEARS[0])) for y in YEARS
            for name, start, step in (("bsp", 80.0, slope), ("ndvi", 0.2, 0.05), ("rem", 0.3, 0.02))]
    series = pd.DataFrame(rows, columns=mine_series.SERIES_COLUMNS)
    status = pd.DataFrame({"mine_id": ["M1"], "status": ["abandoned"], "p_used": [0.01]})
    return series, mine_series.trend_lines(series), status


def test_mine_series_has_a_panel_per_indicator_with_the_sen_line(tmp_path):
    series, trends, status = one_mine_series()
    trends.loc[trends["indicator"] == "bsp", ["sen_slope", "intercept"]] = (-4.5, 81.0)  # the line drawn is the given
    fig = plots.mine_indicator_series(series, trends, status)
    assert [ax.get_ylabel() for ax in fig.axes] == ["Bare surface percentage (%)", "Mean NDVI", "Mean REM (0–1)"]
    line = next(ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--")
    (x0, x1), (y0, y1) = line.get_xdata(), line.get_ydata()
    assert (x0, x1) == (YEARS[0], YEARS[-1]) and y0 == pytest.approx(81.0)
    assert (y1 - y0) / (x1 - x0) == pytest.approx(-4.5)
    assert "abandoned (restoring)" in fig.subfigs[0]._suptitle.get_text()
    assert "Mann–Kendall" in fig.subfigs[0]._suptitle.get_text()
    check(fig, tmp_path, "Bare surface, NDVI and REM of the chosen mines", "Year")


def test_mine_series_without_ndvi_or_mines():
    series, trends, status = one_mine_series()
    fig = plots.mine_indicator_series(series[series["indicator"] != "ndvi"], trends, status)
    assert [ax.get_ylabel() for ax in fig.axes] == ["Bare surface percentage (%)", "Mean REM (0–1)"]
    empty = plots.mine_indicator_series(series.iloc[:0], trends.iloc[:0], status.iloc[:0])
    assert "no mines identified" in [t.get_text() for t in empty.axes[0].texts]


def test_the_bsp_line_is_the_mann_kendall_tables():
    from minerestore.restoration.trend import mann_kendall_table

    rng = np.random.default_rng(3)
    bsp = pd.DataFrame({"mine_id": "M1", "year": range(2016, 2023), "bsp_pct": 80 - 4 * np.arange(7) + rng.normal(0, 3, 7)})
    bsp.loc[2, "bsp_pct"] = np.nan
    table = mann_kendall_table(bsp, list(range(2016, 2023)), 0.05, 3, 10).iloc[0]
    series = mine_series.indicator_table(["M1"], bsp, pd.DataFrame(columns=["mine_id", "year", "index", "mean"]),
                                         pd.DataFrame(columns=mine_series.SERIES_COLUMNS))
    line = mine_series.trend_lines(series).iloc[0]
    assert (line["sen_slope"], line["intercept"]) == pytest.approx((table["sen_slope"], table["intercept"]))


def test_chosen_mines_are_the_listed_then_the_largest_of_each_status():
    mines = pd.DataFrame({"mine_id": [f"M{i}" for i in range(6)], "area_km2": [0.1, 0.5, 0.3, 0.2, 0.4, 0.05]})
    status = pd.DataFrame({"mine_id": mines["mine_id"],
                           "status": ["active", "abandoned", "abandoned", "abandoned", "no_trend", "active"]})
    assert mine_series.chosen_mines(mines, status, ["M3"], 1, "r") == ["M3", "M1", "M0", "M4"]
    assert mine_series.chosen_mines(mines, status, [], 2, "r") == ["M1", "M2", "M0", "M5", "M4"]
    assert mine_series.chosen_mines(mines, status, ["M5"], 0, "r") == ["M5"]
    assert mine_series.chosen_mines(mines.iloc[:0], status.iloc[:0], [], 3, "r") == []
    with pytest.raises(ValueError, match=r"report.mine_series.mines lists \['M9'\].*region 'r'.*6 mines"):
        mine_series.chosen_mines(mines, status, ["M1", "M9"], 3, "r")


def test_ndvi_means_of_the_mines_from_the_composites(tmp_path):
    import rasterio

    from minerestore.raster.grid import Grid

    grid = Grid.from_bounds(CRS, BOUNDS, 100)  # 10 x 10 px
    paths = []
    for year, offset in ((2016, 0.0), (2017, 0.1)):
        ndvi = np.tile(np.arange(10, dtype=np.float32) / 10, (10, 1)) + offset  # a column's NDVI: col / 10
        ndvi[0, 0] = np.nan
        path = tmp_path / f"{year}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs=CRS,
                           transform=grid.transform, nodata=np.nan) as dst:
            dst.write(ndvi, 1)
            dst.set_band_description(1, "ndvi")
        paths.append(str(path))
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"]}, geometry=[box(0, 800, 200, 1000), box(500, 0, 600, 300)],
                             crs=CRS)
    table = mine_series.ndvi_means(mines, grid, paths, [2016, 2017], tile_px=4).set_index(["mine_id", "year"])
    assert table.loc[("M1", 2016), "value"] == pytest.approx((0.1 + 0.0 + 0.1) / 3)  # the NaN pixel left out
    assert table.loc[("M2", 2017), "value"] == pytest.approx(0.6)
    assert set(table["indicator"]) == {"ndvi"}
