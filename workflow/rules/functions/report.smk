"""Input functions and helpers of the report rules (workflow/rules/report.smk), which include this file."""


def region_figure_files(region):
    """The figures of a region: PNG and SVG of each, and the interactive map (HTML)."""
    names = MAP_FIGURES + REGION_FIGURES + [MINE_SERIES_FIGURE] + [f"trend_{i}" for i in TREND_INDICES]
    names += ["mines_by_river"] if has_rivers(region) else []
    out = [rpath(region, "figures", f"{n}.{ext}") for n in names for ext in ("png", "svg")]
    return out + expand(rules.plot_webmap.output.map, region=region)


def overview_files():
    return [str(Path(RESULTS, "figures", f"{n}.{ext}")) for n in OVERVIEW_FIGURES for ext in ("png", "svg")]


def accuracy_table_input(wildcards):
    if has_accuracy(wildcards.region):
        return {"accuracy": for_job(rules.accuracy.output.accuracy, wildcards)}
    return {}


def run_settings():
    """Region -> the settings its numbers depend on most (sensor, years, pixels, method, thresholds), for the run
    overview."""
    out = {}
    for region in SERIES_REGIONS:
        analysis = years(region)
        consecutive = analysis == list(range(analysis[0], analysis[-1] + 1))
        out[region] = {
            "source": value("region.source", region),
            "sensor": value("region.sensor", region),
            "years": f"{analysis[0]}–{analysis[-1]}" if consecutive else ", ".join(map(str, analysis)),
            "resolution (m)": value("region.resolution", region),
            "analysis grid (m)": value("drivers.grid_m", region),
            "identify.method": value("identify.method"),
            **{f"thresholds.{k}": v for k, v in value("thresholds", region).items()},
        }
    return out


def mine_summary_inputs(wildcards):
    """The per-mine tables of the mine summary a region has: each mine's nearest river (regions with rivers), its
    InSAR class (regions with InSAR products) and its match in the reference (regions with an accuracy)."""
    tables = {
        "rivers": (has_rivers, rules.mines_by_river.output.mines),
        "insar": (has_insar, rules.insar_activity.output.mines),
        "matches": (has_accuracy, rules.accuracy.output.mines),
    }
    return {name: for_job(out, wildcards) for name, (has, out) in tables.items() if has(wildcards.region)}


def last_year(pattern):
    """Input function: ``pattern`` (a rule's output, with {region} and {year}) of the region's last analysis year."""
    return lambda w: for_job(pattern, w, year=years(w.region)[-1])


# The report groups a region's figures by stage (its subcategories, in this order).
FIGURE_STAGES = {
    "0 interactive map": ["map"],
    "1 study area and masks": ["study_area_masks"],
    "2 mines": ["mines_by_river"],
    "3 restoration": [
        "mines_status",
        "mine_series",
        "bsp_boxplots",
        "restoration_rate_boxplots",
        "trend_bare",
        "trend_ndvi",
        "insar_velocity",
        "insar_classes",
        "insar_cross",
    ],
    "4 ecological quality": [
        "mine_rem_series",
        "rsei_maps",
        "rsei_density",
        "latitude_profile",
        "rem_boxplots",
        "veg_imper",
        "mine_vs_region",
        "rings_curve",
        "area_classes",
        "trend_rsei",
        "trend_rem",
    ],
    "5 drivers": ["rf_observed_predicted"],
}


def stage_of(figure):
    """The report subcategory (stage) of a region's figure."""
    return next((stage for stage, names in FIGURE_STAGES.items() if figure in names), "other figures")
