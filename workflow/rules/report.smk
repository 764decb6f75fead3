"""Report stage: figures and tables of every region and across regions, registered for `snakemake --report`."""

rule plot_region:
    input:
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
        study_area=rpath("{region}", "study_area.gpkg"),
        areas=rpath("{region}", "masks", "areas.csv"),
        mines=rpath("{region}", "mines", "mines.gpkg"),
        mann_kendall=rpath("{region}", "restoration", "mann_kendall.csv"),
        bsp=rpath("{region}", "restoration", "bsp.csv"),
        rates_mines=rpath("{region}", "restoration", "restoration_rate_mines.csv"),
        trends=lambda w: [rpath(w.region, "restoration", f"trend_{i}.vrt") for i in config["restoration"]["trend_indices"]],
        ecology_mines=rpath("{region}", "ecology", "mines.csv"),
        region=rpath("{region}", "ecology", "region.csv"),
        rings=rpath("{region}", "ecology", "rings.csv"),
        area_classes=rpath("{region}", "ecology", "area_classes.csv"),
        rsei=lambda w: [rpath(w.region, "ecology", "rsei", f"{y}.tif") for y in years(w.region)],
        rem=lambda w: [rpath(w.region, "ecology", "rem", f"{y}.tif") for y in years(w.region)],
        rf_metrics=rpath("{region}", "drivers", "rf_metrics.csv"),
        rf_test=rpath("{region}", "drivers", "rf_test_predictions.csv"),
    output:
        [
            report(rpath("{region}", "figures", f"{n}.png"), caption=f"../report/{n}.rst", category="{region}",
                   subcategory="figures")
            for n in REGION_FIGURES
        ],
        [
            report(rpath("{region}", "figures", f"trend_{i}.png"), caption=f"../report/trend_{i}.rst",
                   category="{region}", subcategory="figures")
            for i in config["restoration"]["trend_indices"]
        ],
        [rpath("{region}", "figures", f"{n}.svg") for n in REGION_FIGURES],
        [rpath("{region}", "figures", f"trend_{i}.svg") for i in config["restoration"]["trend_indices"]],
    params:
        years=lambda w: years(w.region),
        trend_indices=config["restoration"]["trend_indices"],
        alpha=lambda w: region_thresholds(w.region)["mk_alpha"],
        mine_id=config["report"]["mine_id"],
    log:
        log_path("{region}", "plot_region"),
    benchmark:
        benchmark_path("{region}", "plot_region")
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=20,
    script:
        "../../scripts/figures.py"


rule tables:
    input:
        unpack(accuracy_table_input),
        mann_kendall=rpath("{region}", "restoration", "mann_kendall.csv"),
        status_counts=rpath("{region}", "restoration", "status_counts.csv"),
        rsei_pca=rpath("{region}", "ecology", "rsei_pca.csv"),
        importance=rpath("{region}", "drivers", "importance.csv"),
    output:
        **{
            t: report(rpath("{region}", "tables", f"{t}.csv"), caption=f"../report/table_{t}.rst",
                      category="{region}", subcategory="tables")
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


rule plot_overview:
    input:
        pearson=[rpath(r, "drivers", "pearson.csv") for r in REGIONS],
        importance=[rpath(r, "drivers", "importance.csv") for r in REGIONS],
        ranking=str(Path(RESULTS, "ranking.csv")),
    output:
        [
            report(str(Path(RESULTS, "figures", f"{n}.png")), caption=f"../report/{n}.rst", category="all regions")
            for n in OVERVIEW_FIGURES
        ],
        [str(Path(RESULTS, "figures", f"{n}.svg")) for n in OVERVIEW_FIGURES],
    log:
        str(Path(RESULTS, "logs", "plot_overview.log")),
    benchmark:
        str(Path(RESULTS, "benchmarks", "plot_overview.tsv"))
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=5,
    script:
        "../../scripts/overview_figures.py"
