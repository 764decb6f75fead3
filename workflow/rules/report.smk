"""Report stage: figures and tables of every region and across regions, registered for `snakemake --report`."""


include: "functions/report.smk"


INSAR_FIGURES = ["insar_velocity", "insar_classes", "insar_cross"]
# The maps (rule plot_maps) need no statistics table, so they are drawn while ecology_stats and drivers_model run;
# the charts of the tables and the map of the mines by Mann-Kendall status (rule plot_region) come after them.
MAP_FIGURES = [
    "study_area_masks",
    "mine_rem_series",
    "rsei_maps",
    "rsei_density",
    "latitude_profile",
]
REGION_FIGURES = [
    "mines_status",
    "bsp_boxplots",
    "restoration_rate_boxplots",
    "rem_boxplots",
    "veg_imper",
    "mine_vs_region",
    "rings_curve",
    "area_classes",
    "rf_observed_predicted",
]
# BSP, NDVI and REM by year of the mines of report.mine_series (rule plot_mine_series)
MINE_SERIES_FIGURE = "mine_series"
OVERVIEW_FIGURES = ["pearson_heatmap", "importance", "ranking", "rings_by_region", "pc1_share"]
REGION_TABLES = ["mann_kendall", "status_counts", "rsei_loadings", "accuracy", "importance"]
# The trend maps the interactive map overlays (restoration.trend_indices may leave one out).
WEBMAP_TRENDS = [i for i in ("bare", "ndvi") if i in TREND_INDICES]


rule plot_maps:
    input:
        grid=rules.plan.output.grid,
        areas=rules.masks.output.areas,
        masks=[rules.masks.output[m] for m in ("water", "vegetation", "snow", "builtup")],
        mines=rules.mines.output.mines,
        trends=[getattr(rules.trend_mosaic.output, i) for i in TREND_INDICES],
        rsei=each_year(rules.ecology_year.output.rsei),
        rem=each_year(rules.ecology_year.output.rem),
    output:
        [
            report(
                rpath("{region}", "figures", f"{n}.png"),
                caption=f"../report/{n}.rst",
                category="{region}",
                subcategory=stage_of(n),
            )
            for n in MAP_FIGURES
        ],
        [
            report(
                rpath("{region}", "figures", f"trend_{i}.png"),
                caption=f"../report/{trend_index(i).caption}.rst",
                category="{region}",
                subcategory=stage_of(f"trend_{i}"),
            )
            for i in TREND_INDICES
        ],
        [rpath("{region}", "figures", f"{n}.svg") for n in MAP_FIGURES],
        [rpath("{region}", "figures", f"trend_{i}.svg") for i in TREND_INDICES],
    log:
        log_path("{region}", "plot_maps"),
    benchmark:
        benchmark_path("{region}", "plot_maps")
    # the longest figure jobs first, then the shorter ones and the leaf tables
    priority: 6
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=20,
    params:
        years=region_years,
        trend_indices=TREND_INDICES,
        alpha=setting("thresholds.mk_alpha"),
        mine_id=setting("report.mine_id"),
    script:
        "../../scripts/map_figures.py"


rule plot_region:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        mines=rules.mines.output.mines,
        mann_kendall=rules.mann_kendall.output.table,
        bsp=rules.bare_surface.output.bsp,
        rates_mines=rules.restoration_rate.output.mines,
        ecology_mines=rules.ecology_stats.output.mines,
        region=rules.ecology_stats.output.region,
        rings=rules.ecology_stats.output.rings,
        area_classes=rules.ecology_stats.output.area_classes,
        rf_metrics=rules.drivers_model.output.metrics,
        rf_test=rules.drivers_model.output.test_predictions,
    output:
        [
            report(
                rpath("{region}", "figures", f"{n}.png"),
                caption=f"../report/{n}.rst",
                category="{region}",
                subcategory=stage_of(n),
            )
            for n in REGION_FIGURES
        ],
        [rpath("{region}", "figures", f"{n}.svg") for n in REGION_FIGURES],
    log:
        log_path("{region}", "plot_region"),
    benchmark:
        benchmark_path("{region}", "plot_region")
    # the longest figure jobs first, then the shorter ones and the leaf tables
    priority: 6
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        whiskers=setting("report.whisker_percentiles"),
    script:
        "../../scripts/figures.py"


rule plot_mine_series:
    input:
        grid=rules.plan.output.grid,
        mines=rules.mines.output.mines,
        mann_kendall=rules.mann_kendall.output.table,
        bsp=rules.bare_surface.output.bsp,
        ecology_mines=rules.ecology_stats.output.mines,
        composites=COMPOSITES,
    output:
        figure=report(
            rpath("{region}", "figures", f"{MINE_SERIES_FIGURE}.png"),
            caption=f"../report/{MINE_SERIES_FIGURE}.rst",
            category="{region}",
            subcategory=stage_of(MINE_SERIES_FIGURE),
        ),
        svg=rpath("{region}", "figures", f"{MINE_SERIES_FIGURE}.svg"),
    log:
        log_path("{region}", "plot_mine_series"),
    benchmark:
        benchmark_path("{region}", "plot_mine_series")
    # a short figure job: after the longest ones, before the leaf tables
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        years=region_years,
        tile_px=TILE_PX,
        mine_series=setting("report.mine_series"),
    script:
        "../../scripts/mine_series_figure.py"


rule plot_by_river:
    input:
        table=rules.mines_by_river.output.table,
    output:
        report(
            rpath("{region}", "figures", "mines_by_river.png"),
            caption="../report/mines_by_river.rst",
            category="{region}",
            subcategory=stage_of("mines_by_river"),
        ),
        rpath("{region}", "figures", "mines_by_river.svg"),
    log:
        log_path("{region}", "plot_by_river"),
    benchmark:
        benchmark_path("{region}", "plot_by_river")
    # the longest figure jobs first, then the shorter ones and the leaf tables
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    script:
        "../../scripts/river_figure.py"


rule plot_insar:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
        activity=rules.insar_activity.output.mines,
        cross=rules.insar_activity.output.cross,
    output:
        [
            report(
                rpath("{region}", "figures", f"{n}.png"),
                caption=f"../report/{n}.rst",
                category="{region}",
                subcategory=stage_of(n),
            )
            for n in INSAR_FIGURES
        ],
        [rpath("{region}", "figures", f"{n}.svg") for n in INSAR_FIGURES],
    log:
        log_path("{region}", "plot_insar"),
    benchmark:
        benchmark_path("{region}", "plot_insar")
    # a short figure job: after the longest ones, before the leaf tables
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        insar=setting("insar"),
    script:
        "../../scripts/insar_figures.py"


rule tables:
    input:
        unpack(accuracy_table_input),
        mann_kendall=rules.mann_kendall.output.table,
        status_counts=rules.mann_kendall.output.counts,
        rsei_pca=lambda w: for_job(rules.ecology_table.output.table, w, table="rsei_pca"),
        importance=rules.drivers_model.output.importance,
    output:
        **{t: rpath("{region}", "tables", f"{t}.csv") for t in REGION_TABLES},
        # the report shows an HTML file in place (a CSV only as a download)
        **{
            f"{t}_html": report(
                rpath("{region}", "tables", f"{t}.html"),
                caption=f"../report/table_{t}.rst",
                category="{region}",
                subcategory="tables",
            )
            for t in REGION_TABLES
        },
    log:
        log_path("{region}", "tables"),
    benchmark:
        benchmark_path("{region}", "tables")
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=5,
    script:
        "../../scripts/tables.py"


rule mine_summary:
    input:
        unpack(mine_summary_inputs),
        mines=rules.mines.output.mines,
        mann_kendall=rules.mann_kendall.output.table,
        bsp=rules.bare_surface.output.bsp,
        rates=rules.restoration_rate.output.mines,
        ecology=rules.ecology_stats.output.mines,
    output:
        vector=rpath("{region}", "mines", "summary.gpkg"),
        table=rpath("{region}", "mines", "summary.csv"),
    log:
        log_path("{region}", "mine_summary"),
    benchmark:
        benchmark_path("{region}", "mine_summary")
    # it feeds the web map
    priority: 8
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=5,
    params:
        years=region_years,
    script:
        "../../scripts/mine_summary.py"


rule plot_webmap:
    input:
        grid=rules.plan.output.grid,
        study_area=rules.study_area.output.study_area,
        summary=rules.mine_summary.output.vector,
        rsei=last_year(rules.ecology_year.output.rsei),
        trends=[getattr(rules.trend_mosaic.output, i) for i in WEBMAP_TRENDS],
    output:
        map=report(
            rpath("{region}", "figures", "map.html"),
            caption="../report/map.rst",
            category="{region}",
            subcategory=stage_of("map"),
        ),
    log:
        log_path("{region}", "plot_webmap"),
    benchmark:
        benchmark_path("{region}", "plot_webmap")
    # a short figure job: after the longest ones, before the leaf tables
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        years=region_years,
        trends=WEBMAP_TRENDS,
    script:
        "../../scripts/webmap.py"


rule plot_overview:
    input:
        pearson=expand(rules.drivers_model.output.pearson, region=SERIES_REGIONS),
        importance=expand(rules.drivers_model.output.importance, region=SERIES_REGIONS),
        ranking=rules.ranking.output.ranking,
        rings=expand(rules.ecology_stats.output.rings, region=SERIES_REGIONS),
        rsei_pca=expand(rules.ecology_table.output.table, region=SERIES_REGIONS, table="rsei_pca"),
    output:
        [
            report(
                str(Path(RESULTS, "figures", f"{n}.png")),
                caption=f"../report/{n}.rst",
                category="all regions",
            )
            for n in OVERVIEW_FIGURES
        ],
        [str(Path(RESULTS, "figures", f"{n}.svg")) for n in OVERVIEW_FIGURES],
    log:
        str(Path(RESULTS, "logs", "plot_overview.log")),
    benchmark:
        str(Path(RESULTS, "benchmarks", "plot_overview.tsv"))
    # a short figure job: after the longest ones, before the leaf tables
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=5,
    params:
        regions=SERIES_REGIONS,
    script:
        "../../scripts/overview_figures.py"


# Last of a run: the mines per region, the settings each ran with and the warnings of every job log, as a page of
# the report (the terminal's and run_summary.txt's account, where the report's reader sees it).
rule run_overview:
    input:
        lambda wildcards: all_targets(),
    output:
        report(
            str(Path(RESULTS, "run_overview.html")),
            caption="../report/run_overview.rst",
            category="run overview",
        ),
    log:
        str(Path(RESULTS, "logs", "run_overview.log")),
    benchmark:
        str(Path(RESULTS, "benchmarks", "run_overview.tsv"))
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        results=lambda wildcards, output: str(Path(output[0]).parent),
        regions=REGIONS,
        settings=run_settings(),
    script:
        "../../scripts/run_overview.py"
