"""Every figure function makes a non-empty image with the expected title and axis labels, on tiny data."""

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from minerestore.report import plots

YEARS = [2016, 2017, 2018]
BOUNDS = (0, 0, 1000, 1000)


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
    check(plots.study_area_masks(masks, BOUNDS, areas), tmp_path, "Masks of irrelevant land", "Easting (km)")
    zones = gpd.GeoDataFrame({"subregion": ["upstream"]}, geometry=[box(*BOUNDS)], crs="EPSG:32650")
    mines = gpd.GeoDataFrame({"mine_id": ["M1", "M2"], "status": ["abandoned", "active"], "area_km2": [0.01, 0.02]},
                             geometry=[box(100, 100, 200, 200), box(500, 500, 700, 700)], crs="EPSG:32650")
    rivers = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 1000)])], crs="EPSG:32650")
    check(plots.mines_status_map(zones, mines, rivers), tmp_path, "2 mines by restoration status", "Easting (m)")
    layer = np.random.default_rng(1).uniform(size=(20, 20))
    check(plots.rsei_maps(layer, layer, (2016, 2022), BOUNDS), tmp_path, "RSEI 2016", "Easting (km)")
    check(plots.mine_series({y: layer for y in YEARS}, BOUNDS, "M1"), tmp_path, "REM of mine M1")
    slope = layer - 0.5
    check(plots.trend_map(slope, layer, BOUNDS, alpha=0.3, label="ndvi", higher_is_better=True), tmp_path,
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
    check(plots.mine_series({}, BOUNDS, "none"), tmp_path, "REM of one mine")


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
