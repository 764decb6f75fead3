"""Input functions and helpers of the report rules (workflow/rules/report.smk), which include this file."""


def region_figure_files(region):
    names = MAP_FIGURES + REGION_FIGURES + [MINE_SERIES_FIGURE] + [f"trend_{i}" for i in TREND_INDICES]
    names += ["mines_by_river"] if has_rivers(region) else []
    return [rpath(region, "figures", f"{n}.{ext}") for n in names for ext in ("png", "svg")]


def overview_files():
    return [str(Path(RESULTS, "figures", f"{n}.{ext}")) for n in OVERVIEW_FIGURES for ext in ("png", "svg")]


def accuracy_table_input(wildcards):
    if has_accuracy(wildcards.region):
        return {"accuracy": for_job(rules.accuracy.output.accuracy, wildcards)}
    return {}
