"""Figures of the studies the workflow reproduces: one function per figure, each taking tables or arrays and
returning a matplotlib Figure (seaborn styling, colour-blind-safe palettes, axis labels with units, a legend for
every colour). Every map goes through :func:`map_axes`: coordinates in km without offset or exponent, the CRS
named, a scale bar. :func:`save` writes PNG (300 dpi) and SVG atomically."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator, ScalarFormatter  # noqa: E402
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar  # noqa: E402
from pyproj import CRS  # noqa: E402

from minerestore.drivers.catalogue import driver_title  # noqa: E402
from minerestore.ecology.rings import area_class_labels  # noqa: E402
from minerestore.io import atomic_path  # noqa: E402

sns.set_theme(style="whitegrid", context="paper")
PALETTE = sns.color_palette("colorblind")
STATUS_COLOURS = {"abandoned": PALETTE[2], "active": PALETTE[3], "no_trend": PALETTE[7], "insufficient": PALETTE[4]}
#: The restoration statuses in words: the studies call a mine whose bare surface falls "abandoned"; it is restoring.
STATUS_LABELS = {"abandoned": "abandoned (restoring)", "active": "active", "no_trend": "no trend",
                 "insufficient": "too few years"}
MASK_COLOURS = {"water": PALETTE[0], "vegetation": PALETTE[2], "snow": PALETTE[9], "builtup": PALETTE[7],
                "remaining": PALETTE[1]}
MASK_LABELS = {"water": "water", "vegetation": "vegetation", "snow": "snow", "builtup": "built-up",
               "remaining": "remaining (no mask)"}


def save(fig: plt.Figure, stem: str | os.PathLike) -> list[Path]:
    """Write ``stem``.png (300 dpi) and ``stem``.svg atomically and close the figure; returns the two paths.
    PNGs are compressed at zlib level 1: half the time of the default level 6 for a map, 12 % larger. The tight
    bounding box is measured once for both files (``bbox_inches="tight"`` lays the figure out again per file, a
    third of a map's saving time). A figure with a layout engine (constrained layout, seaborn's grids) is laid out
    once, by a draw before the box is measured, and then keeps that layout in both files; the box of any other
    figure is the same without that draw. SVGs carry no date and take their element ids from a fixed salt, so two
    runs write the same bytes."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    bbox = fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])
    paths = []
    for ext, kwargs in ((".png", {"dpi": 300, "pil_kwargs": {"compress_level": 1}}),
                        (".svg", {"metadata": {"Date": None}})):
        path = Path(f"{stem}{ext}")
        with atomic_path(path) as tmp, plt.rc_context({"svg.hashsalt": "minerestore"}):
            fig.savefig(tmp, bbox_inches=bbox, format=ext[1:], **kwargs)
        paths.append(path)
    plt.close(fig)
    return paths


def _no_data(title: str, message: str = "no mines") -> plt.Figure:
    """A figure that says there is nothing to show (e.g. a region without mines)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title(title)
    return fig


def _extent(bounds):
    """imshow's extent in km of (xmin, ymin, xmax, ymax) in metres."""
    xmin, ymin, xmax, ymax = bounds
    return [xmin / 1000, xmax / 1000, ymin / 1000, ymax / 1000]


def _in_km(frame):
    """A GeoDataFrame in metres with its coordinates in km, to draw on a map of :func:`map_axes`."""
    return frame.set_geometry(frame.geometry.scale(1e-3, 1e-3, origin=(0, 0)))


def crs_name(crs) -> str:
    """The CRS in words with its EPSG code where it has one: ``WGS 84 / UTM zone 50N (EPSG:32650)``.

    crs : anything pyproj reads (``"EPSG:32650"``, WKT, a rasterio or pyproj CRS).
    """
    parsed = CRS.from_user_input(crs)
    code = parsed.to_epsg()
    return f"{parsed.name} (EPSG:{code})" if code else parsed.name


def nice_length(span: float) -> float:
    """The largest 1, 2 or 5 x 10^k that is not longer than ``span`` (> 0): the length of a scale bar."""
    power = 10.0 ** np.floor(np.log10(span))
    return max(m for m in (1, 2, 5) if m * power <= span * (1 + 1e-9)) * power


def scale_bar(ax) -> AnchoredSizeBar:
    """Add a scale bar of about a fifth of the map's width, in km (m below 1 km), in the lower right corner of a
    map whose axes are in km; call it once the map's extent is drawn. matplotlib's own AnchoredSizeBar draws it,
    so no package is added for it: only its length is chosen here."""
    x0, x1 = ax.get_xlim()
    length = nice_length(abs(x1 - x0) / 5)
    label = f"{length:g} km" if length >= 1 else f"{length * 1000:g} m"
    bar = AnchoredSizeBar(ax.transData, length, label, loc="lower right", pad=0.3, borderpad=0.6, sep=2,
                          frameon=True, size_vertical=abs(ax.get_ylim()[1] - ax.get_ylim()[0]) / 150,
                          fontproperties=FontProperties(size=7))
    bar.patch.set(alpha=0.8, edgecolor="none")
    ax.add_artist(bar)
    return bar


def map_axes(ax, crs, title: str | None = None, *, coordinates: bool = True, bar: bool = True) -> None:
    """Make ``ax`` a map fit for a paper: the one place that formats a map's axes.

    Parameters
    ----------
    ax : axes whose data are in km of a projected CRS (:func:`_extent`, :func:`_in_km`), the map drawn.
    crs : the CRS of the map (named under the easting axis).
    title : the axes title, or None to keep it.
    coordinates : False for small panels without ticks (a map series).
    bar : False for the panels of a series after the first, which has the scale bar.

    Coordinates are plain km: no offset (``+3.3e3``) and no exponent on either axis; no grid lines over the map.
    """
    if coordinates:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = ScalarFormatter(useOffset=False)
            formatter.set_scientific(False)
            axis.set_major_formatter(formatter)
        ax.set_xlabel(f"Easting (km)\n{crs_name(crs)}")
        ax.set_ylabel("Northing (km)")
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    if bar:
        scale_bar(ax)


def study_area_masks(masks: dict[str, np.ndarray], bounds, areas: pd.DataFrame, crs) -> plt.Figure:
    """Study area with the masks of irrelevant land (left) and the share of the study area under each (right).

    masks : name -> (rows, cols) uint8 (1 = masked, 255 = outside the study area); areas : masks/areas.csv;
    crs : the CRS of ``bounds``. The masks overlap (a vegetated bank is water's buffer too): the map shows the first
    mask in the legend's order where several are set, and each bar is that mask's own share, so the bars do not sum
    to 100 %; the figure says so.
    """
    names = list(masks)
    first = next(iter(masks.values()))
    code = np.where(first == 255, np.nan, len(names))
    for i, name in enumerate(names):
        code = np.where((masks[name] == 1) & (code == len(names)), i, code)
    cmap = ListedColormap([MASK_COLOURS[n] for n in names] + [MASK_COLOURS["remaining"]])
    fig, (ax, bar) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1.3, 1]},
                                  layout="constrained")
    ax.imshow(code, cmap=cmap, vmin=-0.5, vmax=len(names) + 0.5, extent=_extent(bounds), interpolation="nearest")
    map_axes(ax, crs, "Masks of irrelevant land")
    handles = [Patch(color=MASK_COLOURS[n], label=MASK_LABELS[n]) for n in [*names, "remaining"]]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=7, frameon=False,
              title="mask (the first listed\nwhere masks overlap)", title_fontsize=7)
    shares = areas.assign(label=areas["class"].map(MASK_LABELS))
    sns.barplot(data=shares, x="share_pct", y="label", hue="class", palette=MASK_COLOURS, ax=bar, legend=False)
    for y, value in enumerate(shares["share_pct"]):
        bar.text(value, y, f" {value:.1f} %", va="center", fontsize=7)
    bar.set_xlim(0, max(100.0, 1.15 * shares["share_pct"].max()))
    total = shares.loc[shares["class"] != "remaining", "share_pct"].sum()
    bar.set_xlabel(f"Share of the study area (%), each mask on its own\nmasks overlap: the shares do not sum to "
                   f"100 % (masks: {total:.0f} %)")
    bar.set_ylabel("")
    bar.set_title("Share of the study area under each mask")
    return fig


def mines_status_map(study_area, mines, crs, rivers=None) -> plt.Figure:
    """Mines coloured by restoration status over the study area's sub-regions (GeoDataFrames in metres of
    ``crs``), a legend for each: sub-regions (with the rivers) and statuses."""
    fig, ax = plt.subplots(figsize=(6.5, 6))
    names = list(dict.fromkeys(study_area["subregion"]))
    zone_colours = dict(zip(names, sns.color_palette("pastel", len(names))))
    for name, zone in _in_km(study_area).groupby("subregion", sort=False):
        zone.plot(ax=ax, color=zone_colours[name], alpha=0.5)
    zones = [Patch(color=zone_colours[n], alpha=0.5, label=n) for n in names]
    if rivers is not None and len(rivers):
        _in_km(rivers).plot(ax=ax, color=PALETTE[0], linewidth=0.8)
        zones.append(Line2D([], [], color=PALETTE[0], linewidth=0.8, label="river"))
    for status, group in _in_km(mines).groupby("status"):
        group.plot(ax=ax, color=STATUS_COLOURS.get(status, "k"), edgecolor="k", linewidth=0.3)
    ax.add_artist(ax.legend(handles=zones, title="sub-region", loc="upper left", fontsize=7, title_fontsize=7))
    shown = [s for s in STATUS_COLOURS if s in set(mines["status"].dropna())]
    if shown:
        ax.legend(handles=[Patch(color=STATUS_COLOURS[s], label=STATUS_LABELS[s]) for s in shown],
                  title="restoration status", loc="upper right", fontsize=7, title_fontsize=7)
    map_axes(ax, crs, f"{len(mines)} mines by restoration status" if len(mines) else
             "No mine identified in the study area (see run_summary.txt)")
    return fig


def _whis(whiskers: list | None):
    """Matplotlib's ``whis``: 1.5 (x IQR, Tukey) for None, else the (low, high) percentiles."""
    return 1.5 if whiskers is None else tuple(whiskers)


def _whisker_label(whiskers: list | None) -> str:
    return "whiskers 1.5 × IQR" if whiskers is None else f"whiskers {whiskers[0]:g}–{whiskers[1]:g} %"


def bsp_boxplots(bsp: pd.DataFrame, *, whiskers: list | None) -> plt.Figure:
    """BSP by year: all mines vs abandoned (restoring) mines. bsp: mine_id, year, bsp_pct, status; whiskers:
    None (1.5 x IQR) or [low, high] percentiles (config ``report.whisker_percentiles``; the study: [10, 90])."""
    if bsp["bsp_pct"].notna().sum() == 0:
        return _no_data("Bare surface percentage of mines")
    restoring = STATUS_LABELS["abandoned"]
    frame = pd.concat([bsp.assign(group="all mines"), bsp[bsp["status"] == "abandoned"].assign(group=restoring)],
                      ignore_index=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.boxplot(data=frame, x="year", y="bsp_pct", hue="group",
                palette={"all mines": PALETTE[7], restoring: STATUS_COLOURS["abandoned"]}, whis=_whis(whiskers), ax=ax)
    ax.legend(title=None, fontsize=7)
    ax.set_ylabel("Bare surface percentage (%)")
    ax.set_xlabel(f"Year ({_whisker_label(whiskers)})")
    ax.set_title("Bare surface percentage of mines")
    return fig


def mines_by_river(table: pd.DataFrame) -> plt.Figure:
    """Bar chart of the mines per river (mines/by_river.csv: river, n_mines, area_km2), as the Yangtze study's
    Fig. 5: the number of mines, and their area on a second axis."""
    if table.empty:
        return _no_data("Mines per river")
    fig, ax = plt.subplots(figsize=(max(5, 0.35 * len(table) + 2), 4))
    x = np.arange(len(table))
    ax.bar(x, table["n_mines"], color=PALETTE[0])
    ax.set_xticks(x, table["river"], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("Mines (nearest river)")
    area = ax.twinx()
    area.plot(x, table["area_km2"], "o", color=PALETTE[3], markersize=4)
    area.set_ylabel("Mine area (km²)", color=PALETTE[3])
    ax.set_title("Mines per river")
    return fig


def restoration_rate_boxplots(rates: pd.DataFrame) -> plt.Figure:
    """Restoration rate of mines by year and sub-region (restoration_rate_mines.csv)."""
    if rates["rr_pct"].notna().sum() == 0:
        return _no_data("Restoration rate by sub-region")
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.boxplot(data=rates.dropna(subset=["rr_pct"]), x="year", y="rr_pct", hue="subregion", palette="colorblind", ax=ax)
    ax.legend(title="sub-region", fontsize=7, title_fontsize=7)
    ax.axhline(0, color="k", linewidth=0.6)
    ax.set_ylabel("Restoration rate vs base year (%)")
    ax.set_xlabel("Year")
    ax.set_title("Restoration rate by sub-region")
    return fig


#: The groups of mines of the REM boxplots: all mines, then the abandoned (restoring) and the active ones.
REM_GROUPS = {"all mines": PALETTE[7], STATUS_LABELS["abandoned"]: STATUS_COLOURS["abandoned"],
              STATUS_LABELS["active"]: STATUS_COLOURS["active"]}


def _by_status(stats: pd.DataFrame, index: str) -> pd.DataFrame:
    frame = stats[stats["index"] == index]
    parts = [frame.assign(group="all mines")] + [frame[frame["status"] == s].assign(group=STATUS_LABELS[s])
                                                 for s in ("abandoned", "active")]
    return pd.concat(parts, ignore_index=True)


def rem_boxplots(stats: pd.DataFrame, *, whiskers: list | None) -> plt.Figure:
    """REM of mines by year for all, abandoned and active mines (ecology/mines.csv joined with status); whiskers as
    :func:`bsp_boxplots`."""
    if stats.empty:
        return _no_data("REM of mines")
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.boxplot(data=_by_status(stats, "rem"), x="year", y="mean", hue="group", palette=REM_GROUPS,
                whis=_whis(whiskers), ax=ax)
    ax.legend(title=None, fontsize=7)
    ax.set_ylabel("Mean REM of a mine (0–1)")
    ax.set_xlabel(f"Year ({_whisker_label(whiskers)})")
    ax.set_title("REM of mines")
    return fig


def veg_imper_lines(stats: pd.DataFrame) -> plt.Figure:
    """Mean I_veg and I_imper of the mines by year."""
    frame = stats[stats["index"].isin(["i_veg", "i_imper"])].groupby(["year", "index"])["mean"].mean().reset_index()
    if frame.empty:
        return _no_data("Vegetation (I_veg) and impervious (I_imper) sub-indices")
    names = {"i_veg": "I_veg (vegetation)", "i_imper": "I_imper (impervious)"}
    fig, ax = plt.subplots(figsize=(6, 3.5))
    sns.lineplot(data=frame.assign(index=frame["index"].map(names)), x="year", y="mean", hue="index", marker="o",
                 palette=dict(zip(names.values(), [PALETTE[2], PALETTE[7]])), ax=ax)
    ax.legend(title=None, fontsize=7)
    ax.set_ylabel("Mean sub-index over mines (0–1)")
    ax.set_xlabel("Year")
    ax.set_title("Vegetation (I_veg) and impervious (I_imper) sub-indices")
    return fig


def mine_series(layers: dict[int, np.ndarray], bounds, mine_id: str, crs, label: str = "REM") -> plt.Figure:
    """Per-year maps of an index over one mine (layers: year -> window array on ``bounds``, metres of ``crs``), a
    scale bar on the first; the CRS in the title."""
    years = sorted(layers)
    if not years:
        return _no_data(f"{label} of one mine")
    fig, axes = plt.subplots(1, len(years), figsize=(2.1 * len(years), 2.6), squeeze=False)
    for ax, year in zip(axes[0], years):
        im = ax.imshow(layers[year], cmap="viridis", vmin=0, vmax=1, extent=_extent(bounds))
        map_axes(ax, crs, str(year), coordinates=False, bar=year == years[0])
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label=f"{label} (0–1)")
    fig.suptitle(f"{label} of mine {mine_id}; {crs_name(crs)}")
    return fig


#: The indicators of the per-mine series, in the order of their panels, with their axis labels.
INDICATOR_LABELS = {"bsp": "Bare surface percentage (%)", "ndvi": "Mean NDVI", "rem": "Mean REM (0–1)"}


def mine_indicator_series(series: pd.DataFrame, trends: pd.DataFrame, status: pd.DataFrame, *,
                          empty: str = "no mines identified") -> plt.Figure:
    """BSP, mean NDVI and mean REM of chosen mines by year (report/mine_series.py): a row per mine, a panel per
    indicator, each series with its Sen's slope line; the row's title gives the mine's Mann–Kendall status, from
    its BSP, and the p it rests on.

    Parameters
    ----------
    series : mine_id, year, indicator (those of :data:`INDICATOR_LABELS` present get a panel), value.
    trends : mine_id, indicator, sen_slope (per year), intercept (the line's value at the series' first year);
        the line is cut at the range of the series' values.
    status : mine_id, status, p_used (restoration/mann_kendall.csv): the mines in the figure's order. Empty: a
        figure that says ``empty``.
    """
    title = "Bare surface, NDVI and REM of the chosen mines"
    if status.empty:
        return _no_data(title, empty)
    indicators = [i for i in INDICATOR_LABELS if i in set(series["indicator"])]
    fig = plt.figure(figsize=(3.4 * len(indicators), 2.5 * len(status)), layout="constrained")
    lines = trends.set_index(["mine_id", "indicator"])
    for row, mine in zip(fig.subfigures(len(status), 1, squeeze=False)[:, 0], status.itertuples()):
        row.suptitle(f"{mine.mine_id}: {STATUS_LABELS.get(mine.status, mine.status)} (Mann–Kendall test of the BSP, "
                     f"p = {mine.p_used:.3g})", fontsize=9)
        for ax, name in zip(row.subplots(1, len(indicators), squeeze=False)[0], indicators):
            values = series[(series["mine_id"] == mine.mine_id) & (series["indicator"] == name)].sort_values("year")
            ax.plot(values["year"], values["value"], "o-", color=PALETTE[0], markersize=3, linewidth=0.8,
                    label="per year")
            slope, intercept = lines.reindex([(mine.mine_id, name)]).iloc[0]  # NaN: no line
            if np.isfinite(slope):
                years, limits = values["year"].to_numpy()[[0, -1]], ax.get_ylim()
                ax.plot(years, intercept + slope * (years - years[0]), "--", color=PALETTE[3],
                        label=f"Sen's slope {slope:+.3g} per year")
                ax.set_ylim(limits)  # the data's range: a line through a BSP that levels off leaves 0-100 %
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("Year")
            ax.set_ylabel(INDICATOR_LABELS[name])
            ax.legend(fontsize=6)
    fig.suptitle(title)
    return fig


def rsei_maps(first: np.ndarray, last: np.ndarray, years: tuple[int, int], bounds, crs) -> plt.Figure:
    """RSEI maps of the first and the last year (on ``bounds``, metres of ``crs``)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), constrained_layout=True)
    for ax, values, year in zip(axes, (first, last), years):
        im = ax.imshow(values, cmap="RdYlGn", vmin=0, vmax=1, extent=_extent(bounds))
        map_axes(ax, crs, f"RSEI {year}")
    fig.colorbar(im, ax=axes.tolist(), shrink=0.8, label="RSEI (0–1)")
    return fig


def rsei_density(layers: dict[int, np.ndarray], sample: int = 20000, seed: int = 0) -> plt.Figure:
    """Pixel density curves of RSEI by year (a seeded sample of the valid pixels of each year)."""
    rng = np.random.default_rng(seed)
    frames = []
    for year, values in sorted(layers.items()):
        v = values[np.isfinite(values)]
        if v.size:
            frames.append(pd.DataFrame({"rsei": rng.choice(v, min(sample, v.size), replace=False), "year": year}))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    if frames:
        sns.kdeplot(data=pd.concat(frames, ignore_index=True), x="rsei", hue="year", palette="viridis", common_norm=False, ax=ax,
                    clip=(0, 1))
        sns.move_legend(ax, "upper left", title="year", fontsize=7, title_fontsize=7)
    ax.set_xlabel("RSEI (0–1)")
    ax.set_ylabel("Density")
    ax.set_title("RSEI pixel density by year")
    return fig


def latitude_profile(values: np.ndarray, northing_m: np.ndarray, mine_northing_m: np.ndarray, bands: int = 20) -> plt.Figure:
    """Mean RSEI (± 1 standard deviation) in bands of northing, with the number of mines per band."""
    edges = np.linspace(northing_m.min(), northing_m.max(), bands + 1)
    rows = np.digitize(northing_m, edges[1:-1])
    means = [np.nanmean(values[rows == b]) for b in range(bands)]
    stds = [np.nanstd(values[rows == b]) for b in range(bands)]
    centres = (edges[:-1] + edges[1:]) / 2 / 1000
    counts = np.histogram(mine_northing_m, edges)[0]
    fig, ax = plt.subplots(figsize=(4.5, 6))
    ax.plot(means, centres, color=PALETTE[2])
    ax.fill_betweenx(centres, np.subtract(means, stds), np.add(means, stds), color=PALETTE[2], alpha=0.25)
    ax.set_xlabel("Mean RSEI ± 1 SD")
    ax.set_ylabel("Northing (km)")
    twin = ax.twiny()
    twin.barh(centres, counts, height=(edges[1] - edges[0]) / 1000 * 0.8, color=PALETTE[3], alpha=0.4)
    twin.set_xlabel("Mines (count)")
    ax.set_title("Latitudinal profile of RSEI")
    return fig


def mine_vs_region(region: pd.DataFrame) -> plt.Figure:
    """Mean RSEI inside mines vs the study area and the whole region by year (ecology/region.csv)."""
    scopes = {"mines": "inside the mines", "study_area": "study area", "region": "whole region"}
    frame = region[region["index"] == "rsei"]
    frame = frame.assign(scope=frame["scope"].map(lambda s: scopes.get(s, s)))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    sns.lineplot(data=frame, x="year", y="mean", hue="scope", style="scope", markers=True, palette="colorblind", ax=ax)
    ax.legend(title=None, fontsize=7)
    ax.set_ylabel("Mean RSEI (0–1)")
    ax.set_xlabel("Year")
    ax.set_title("Mines vs region")
    return fig


def rings_curve(rings: pd.DataFrame, group: str = "all") -> tuple[plt.Figure, dict]:
    """Multi-year mean RSEI by distance ring around mines, with a quadratic fit (statsmodels OLS).

    Returns the figure and the fit (``params``, ``r2``)."""
    frame = rings[(rings["index"] == "rsei") & (rings["mines"] == group)]
    mean = frame.groupby("ring_km")["mean"].mean().reset_index()
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    sns.lineplot(data=frame, x="ring_km", y="mean", hue="year", palette="viridis", alpha=0.5, legend="full",
                 ax=ax)
    ax.plot(mean["ring_km"], mean["mean"], "o", color="k", label="multi-year mean")
    fit = {}
    if len(mean) >= 3:
        import statsmodels.formula.api as smf  # here: only the rings curve fits a model

        model = smf.ols("mean ~ ring_km + I(ring_km ** 2)", data=mean).fit()
        xs = np.linspace(mean["ring_km"].min(), mean["ring_km"].max(), 50)
        ax.plot(xs, model.predict(pd.DataFrame({"ring_km": xs})), color=PALETTE[3],
                label=f"quadratic fit, R² = {model.rsquared:.2f}")
        fit = {"params": model.params.to_dict(), "r2": float(model.rsquared)}
    ax.set_xlabel("Distance ring (km; 0 = inside mines)")
    ax.set_ylabel("Mean RSEI (0–1)")
    ax.set_title(f"RSEI with distance from {group} mines")
    ax.legend(fontsize=7, title="year", title_fontsize=7, ncols=2)
    return fig, fit


def _lines_by_region(frame: pd.DataFrame, x: str, y: str, labels: tuple[str, str, str], **style) -> plt.Figure:
    """One line per region of ``y`` against ``x``; ``labels``: x label, y label, title."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    sns.lineplot(data=frame, x=x, y=y, hue="region", marker="o", ax=ax, **style)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(labels[2])
    ax.legend(fontsize=7, title=None)
    return fig


def rings_by_region(rings: pd.DataFrame) -> plt.Figure:
    """Multi-year mean RSEI by distance ring around all mines, one line per region (e.g. city), on one plot as the
    mining-cities study compares its cities (``rings`` of every region with a ``region`` column)."""
    frame = rings[(rings["index"] == "rsei") & (rings["mines"] == "all")]
    if frame.empty:
        return _no_data("RSEI with distance from mines")
    mean = frame.groupby(["region", "ring_km"])["mean"].mean().reset_index()
    return _lines_by_region(mean, "ring_km", "mean", ("Distance ring (km; 0 = inside mines)",
                                                      "Multi-year mean RSEI (0–1)",
                                                      "RSEI with distance from mines, by region"), markersize=3)


def pc1_share_lines(pca: pd.DataFrame) -> plt.Figure:
    """PC1 share of the RSEI PCA (%) per year, one line per region (``rsei_pca`` tables with a ``region`` column):
    how much of the four indicators' variance the index carries in each city and epoch."""
    return _lines_by_region(pca.drop_duplicates(["region", "year"]), "year", "pc1_share_pct",
                            ("Year (epoch)", "PC1 share (%)", "RSEI: variance carried by PC1, by region"))


def methods_bars(table: pd.DataFrame) -> plt.Figure:
    """The identification methods on the same test mines (mines/methods.csv): pixel F1, kappa and IoU, the
    identification rate and the mean area similarity, one group of bars per method (a refined network's as
    ``{network} + p_intsct``)."""
    metrics = {"pixel_f1": "pixel F1", "pixel_kappa": "kappa", "pixel_iou": "IoU",
               "identification_rate": "identification rate", "mean_area_similarity": "area similarity"}
    named = table.assign(method=[m if r in ("none", "network") or pd.isna(r) else f"{m} + {r}"
                                 for m, r in zip(table["method"], table.get("refinement", pd.Series(["none"] * len(table))))])
    frame = named.melt(id_vars="method", value_vars=list(metrics), var_name="metric", value_name="value")
    frame["metric"] = frame["metric"].map(metrics)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sns.barplot(data=frame, x="metric", y="value", hue="method", palette=PALETTE, ax=ax)
    ax.set_ylim(0, 1)
    ax.set_xlabel("")
    ax.set_ylabel("Score on the test mines (0–1)")
    ax.set_title("Mine identification methods on the same test mines")
    ax.legend(fontsize=7, title=None)
    return fig


def area_classes(table: pd.DataFrame) -> plt.Figure:
    """Mean RSEI of mines by size class and year (ecology/area_classes.csv)."""
    order = area_class_labels()
    frame = table[table["index"] == "rsei"]
    if frame.empty:
        return _no_data("RSEI by mine size")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    sns.barplot(data=frame, x="area_class", y="mean", hue="year", order=[o for o in order if o in set(frame["area_class"])],
                palette="viridis", ax=ax)
    ax.set_xlabel("Mine area class (km²)")
    ax.set_ylabel("Mean RSEI of mines (0–1)")
    ax.set_title("RSEI by mine size")
    return fig


def pearson_heatmap(pearson: pd.DataFrame) -> plt.Figure:
    """Pearson r between RSEI and each driver, regions x drivers named in words with units (stars: p < 0.05)."""
    pearson = pearson.assign(driver=pearson["driver"].map(driver_title))
    r = pearson.pivot(index="region", columns="driver", values="r")
    p = pearson.pivot(index="region", columns="driver", values="p")
    labels = r.map(lambda v: f"{v:.2f}") + p.map(lambda v: "*" if v < 0.05 else "")
    fig, ax = plt.subplots(figsize=(1 + 0.8 * r.shape[1], 1.5 + 0.5 * r.shape[0]))
    sns.heatmap(r, annot=labels, fmt="", cmap="vlag", vmin=-1, vmax=1, cbar_kws={"label": "Pearson r"}, ax=ax)
    ax.set_title("Correlation of RSEI with drivers (* p < 0.05)")
    ax.set_xlabel("Driver")
    ax.set_ylabel("Region")
    return fig


def observed_vs_predicted(frame: pd.DataFrame, metrics: dict) -> plt.Figure:
    """Random forest on the test pixels: observed vs predicted RSEI with the 1:1 line and R², RMSE, MAE."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(frame["observed"], frame["predicted"], s=3, alpha=0.3, color=PALETTE[0])
    ax.plot([0, 1], [0, 1], "k--", linewidth=0.8, label="1:1")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Observed RSEI")
    ax.set_ylabel("Predicted RSEI")
    ax.text(0.03, 0.97, f"R² = {metrics['r2']:.3f}\nRMSE = {metrics['rmse']:.3f}\nMAE = {metrics['mae']:.3f}",
            transform=ax.transAxes, va="top", fontsize=8)
    ax.set_title("Random forest, test pixels")
    return fig


def importance_bars(importance: pd.DataFrame) -> plt.Figure:
    """%IncMSE of each driver (in words with units), one panel per region."""
    importance = importance.assign(driver=importance["driver"].map(driver_title))
    grid = sns.catplot(data=importance, kind="bar", x="inc_mse_pct", y="driver", col="region", color=PALETTE[0],
                       height=3.5, aspect=1.2, sharey=False)
    grid.set_axis_labels("%IncMSE (mean / SE over trees)", "Driver")
    grid.figure.suptitle("Driver importance", y=1.02)
    return grid.figure


def ranking_bars(ranking: pd.DataFrame) -> plt.Figure:
    """Overall driver ranking: mean rank across regions (lower = more important), drivers in words with units."""
    fig, ax = plt.subplots(figsize=(5, 0.5 + 0.35 * len(ranking)))
    sns.barplot(data=ranking.assign(driver=ranking["driver"].map(driver_title)), x="mean_rank", y="driver",
                color=PALETTE[1], ax=ax)
    ax.set_xlabel("Mean rank across regions")
    ax.set_ylabel("Driver")
    ax.set_title("Overall driver ranking")
    return fig


def symmetric_limit(values: np.ndarray) -> float:
    """Half-width of a colour scale centred on 0 for ``values`` (any shape, NaN ignored): the 98th percentile of
    their magnitude, so a few extreme pixels do not wash the map out; 1 where there is no value or all are 0."""
    limit = np.nanpercentile(np.abs(values), 98) if np.isfinite(values).any() else 1.0
    return float(limit) if limit > 0 else 1.0


def trend_map(slope: np.ndarray, p: np.ndarray, bounds, crs, *, alpha: float, label: str,
              higher_is_better: bool) -> plt.Figure:
    """Sen's slope map (on ``bounds``, metres of ``crs``) with hatching where the Mann–Kendall test is significant
    (p < alpha); green = improving (a rising index when ``higher_is_better``, a falling one otherwise)."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    limit = symmetric_limit(slope)
    im = ax.imshow(slope, cmap="BrBG" if higher_is_better else "BrBG_r", vmin=-limit, vmax=limit,
                   extent=_extent(bounds))
    significant = np.where(np.isfinite(p), (p < alpha).astype(float), np.nan)
    xmin, xmax, ymin, ymax = _extent(bounds)
    xs = np.linspace(xmin, xmax, slope.shape[1])
    ys = np.linspace(ymax, ymin, slope.shape[0])
    ax.contourf(xs, ys, significant, levels=[0.5, 1.5], colors="none", hatches=["////"])
    fig.colorbar(im, ax=ax, shrink=0.8, label=f"Sen's slope ({label} per year)")
    ax.legend(handles=[Patch(facecolor="none", edgecolor="k", hatch="////", label=f"Mann–Kendall p < {alpha}")],
              loc="upper right", fontsize=7)
    map_axes(ax, crs, f"Trend of {label} (hatched: p < {alpha})")
    return fig


INSAR_COLOURS = {"positive": PALETTE[3], "negative": PALETTE[0], "decorrelated": PALETTE[7], "no_change": PALETTE[2]}


def insar_velocity_map(velocity: np.ndarray, bounds, mines, buffer_m: float, threshold: float, crs) -> plt.Figure:
    """Velocity (mm/yr, rows x cols on ``bounds``, metres of ``crs``) with the mines coloured by InSAR class
    (GeoDataFrame with ``insar_class``) and their buffers dashed; the colour scale spans ± 3 thresholds."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    limit = 3 * threshold
    im = ax.imshow(velocity, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=_extent(bounds))
    fig.colorbar(im, ax=ax, shrink=0.8, label="velocity (mm/yr)")
    km = _in_km(mines)
    km.geometry.buffer(buffer_m / 1000).boundary.plot(ax=ax, color="k", linewidth=0.4, linestyle="--")
    handles = [Line2D([], [], color="k", linewidth=0.4, linestyle="--", label=f"{buffer_m / 1000:g} km buffer")]
    for name, group in km.groupby("insar_class"):
        group.boundary.plot(ax=ax, color=INSAR_COLOURS.get(name, "k"), linewidth=1.2)
        handles.append(Line2D([], [], color=INSAR_COLOURS.get(name, "k"), linewidth=1.2, label=name))
    ax.legend(handles=handles, title="InSAR class", loc="upper right", fontsize=7, title_fontsize=7)
    map_axes(ax, crs, f"InSAR velocity, mines and their {buffer_m / 1000:g} km buffers")
    return fig


def insar_velocities_by_class(activity: pd.DataFrame, threshold: float) -> plt.Figure:
    """Median buffer velocity of each mine (mm/yr, from 5th to 95th percentile) by InSAR class."""
    if activity.empty:
        return _no_data("InSAR velocity of the mines")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    order = [c for c in INSAR_COLOURS if c in set(activity["insar_class"])]
    for i, name in enumerate(order):
        rows = activity[activity["insar_class"] == name]
        y = i + np.linspace(-0.25, 0.25, len(rows)) if len(rows) > 1 else np.full(1, float(i))
        ax.errorbar(rows["velocity_median"], y, xerr=[rows["velocity_median"] - rows["velocity_p05"],
                                                      rows["velocity_p95"] - rows["velocity_median"]],
                    fmt="o", color=INSAR_COLOURS[name], markersize=3, linewidth=0.6)
    for x in (-threshold, threshold):
        ax.axvline(x, color="k", linestyle=":", linewidth=0.8)
    ax.set_yticks(range(len(order)), order)
    ax.set_xlabel("velocity in the buffer (mm/yr): median, 5th–95th percentile")
    ax.set_title(f"{len(activity)} mines by InSAR class (dotted: ± {threshold:g} mm/yr)")
    return fig


def insar_cross(cross: pd.DataFrame) -> plt.Figure:
    """Mines per InSAR class (rows) and Mann–Kendall status of the BSP (columns), totals included."""
    if not cross.select_dtypes("number").to_numpy().any():
        return _no_data("Deformation against the optical trend")
    fig, ax = plt.subplots(figsize=(5, 3.2))
    sns.heatmap(cross.set_index("insar_class").rename(columns=STATUS_LABELS), annot=True, fmt="d", cmap="Blues",
                cbar=False, ax=ax)
    ax.set_xlabel("Mann–Kendall status of the BSP")
    ax.set_ylabel("InSAR class")
    ax.set_title("Deformation against the optical trend")
    return fig


def classifiers_roc(table: pd.DataFrame, roc: pd.DataFrame) -> plt.Figure:
    """ROC curves of the classifiers on the test objects, AUC in the legend (the Yili study's Fig. 8).

    table : mines/classifiers.csv (classifier, label, auc); roc : mines/classifiers_roc.csv (classifier, fpr, tpr).
    An empty table (no test objects of both classes) gives a figure that says so.
    """
    if table.empty:
        return _no_data("Classifiers on the test objects", "no test objects of both classes")
    fig, ax = plt.subplots(figsize=(4.8, 4.5))
    for i, row in enumerate(table.itertuples()):
        curve = roc[roc["classifier"] == row.classifier]
        ax.plot(curve["fpr"], curve["tpr"], color=PALETTE[i], label=f"{row.label} (AUC {row.auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", linewidth=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("Classifiers on the test objects")
    ax.legend(loc="lower right", fontsize=7)
    return fig


#: Titles of the mine statistics tables (the Yili study's Tables 5–8), by their ``by`` column.
STATISTICS_TITLES = {"area_class": "area class", "mine_type": "mine type", "subregion": "sub-region",
                     "elevation_band": "elevation", "slope_band": "slope", "river_band": "distance to the river"}


def mine_statistics(tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Mines and their area by each grouping (one panel per table of mines/statistics_{by}.csv that has mines;
    bars: number of mines, dots: total area km² on the right axis)."""
    shown = {by: t[t[by] != "all"] for by, t in tables.items() if len(t) and t["mines"].iloc[-1] > 0}
    if not shown:
        return _no_data("Mines by class")
    cols = min(3, len(shown))
    rows = -(-len(shown) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False, layout="constrained")
    for ax, (by, t) in zip(axes.ravel(), shown.items()):
        x = np.arange(len(t))
        ax.bar(x, t["mines"], color=PALETTE[0])
        ax.set_xticks(x, t[by], rotation=35, ha="right", fontsize=7)
        ax.set_ylabel("mines")
        twin = ax.twinx()
        twin.plot(x, t["total_area_km2"], "o", color=PALETTE[3])
        twin.set_ylabel("total area (km²)", color=PALETTE[3])
        twin.grid(False)
        ax.set_title(f"by {STATISTICS_TITLES.get(by, by)}")
    for ax in axes.ravel()[len(shown):]:
        ax.set_axis_off()
    return fig


def mine_density(density: np.ndarray, bounds, mines, bandwidth_km: float, crs) -> plt.Figure:
    """Kernel density of the mines (mines per km², rows x cols on ``bounds``, metres of ``crs``) with the mine
    outlines."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    im = ax.imshow(density, cmap="magma_r", extent=_extent(bounds))
    fig.colorbar(im, ax=ax, shrink=0.8, label="mines per km²")
    if len(mines):
        _in_km(mines).boundary.plot(ax=ax, color="k", linewidth=0.4)
        ax.legend(handles=[Line2D([], [], color="k", linewidth=0.4, label="mine outline")], loc="upper right",
                  fontsize=7)
    map_axes(ax, crs, f"Kernel density of {len(mines)} mines (Gaussian, h = {bandwidth_km:.2g} km)")
    return fig


def accuracy_by_type(table: pd.DataFrame) -> plt.Figure:
    """Identification rate and mean area similarity per mine type (the DeepLabV3 / OBIA study's Fig. 6)."""
    if table.empty:
        return _no_data("Accuracy by mine type", "no mine type")
    fig, ax = plt.subplots(figsize=(max(4.5, 0.9 * len(table) + 2), 3.5))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["identification_rate"], 0.4, color=PALETTE[0], label="identification rate")
    ax.bar(x + 0.2, table["mean_area_similarity"], 0.4, color=PALETTE[1], label="mean area similarity")
    ax.set_xticks(x, [f"{t}\n({n})" for t, n in zip(table["mine_type"], table["reference_mines"])], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Mines by type (reference mines in brackets)")
    return fig


def refined_mines(probability: np.ndarray, bounds, network, refined, reference, record: dict, crs) -> plt.Figure:
    """The network's mines beside the refined ones (the DeepLabV3 / OBIA study's Fig. 9): the mine probability
    (on ``bounds``, metres of ``crs``) with the network's polygons (left) and the refined polygons (right),
    reference mines dashed on both."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True, layout="constrained")
    dashed = Line2D([], [], color=PALETTE[0], linewidth=0.6, linestyle="--", label="reference mine")
    for ax, frame, colour, what in ((axes[0], network, PALETTE[3], "network"),
                                    (axes[1], refined, PALETTE[2], "refined")):
        ax.imshow(probability, cmap="Greys", vmin=0, vmax=1, extent=_extent(bounds))
        if len(reference):
            _in_km(reference).boundary.plot(ax=ax, color=PALETTE[0], linewidth=0.6, linestyle="--")
        if len(frame):
            _in_km(frame).boundary.plot(ax=ax, color=colour, linewidth=0.9)
        ax.legend(handles=[Line2D([], [], color=colour, linewidth=0.9, label=f"{what} mine"), dashed],
                  loc="upper right", fontsize=7)
        map_axes(ax, crs, f"{what}: {len(frame)} mines (grey: mine probability)")
    if record.get("refined"):
        fig.suptitle(f"p_intsct refinement, p = {record['p_pct']:.1f} % (reference mines dashed)")
    return fig


def insar_timeseries(series: pd.DataFrame) -> plt.Figure:
    """Cumulative displacement (mm) per date of chosen mines (the DeepLabV3 / OBIA / SBAS-InSAR study's Fig. 10):
    one line per mine, the mean over its buffer's coherent pixels."""
    if series.empty:
        return _no_data("InSAR time series")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for i, (mine, group) in enumerate(series.groupby("mine_id", sort=False)):
        label = f"{mine} ({group['insar_class'].iloc[0]})" if "insar_class" in group else mine
        ax.plot(pd.to_datetime(group["date"]), group["displacement_mm"], "o-", markersize=2.5,
                color=PALETTE[i % len(PALETTE)], label=label)
    ax.axhline(0, color="0.5", linewidth=0.6)
    ax.set_ylabel("cumulative LOS displacement (mm)")
    ax.set_title("Displacement of the chosen mines")
    ax.legend(fontsize=7, ncol=2)
    return fig
