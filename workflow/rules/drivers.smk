"""Drivers stage: aligned driver stack, correlation, random forest with R-style importance, ranking across
regions (minerestore.drivers)."""


include: "functions/drivers.smk"


rule driver_stack:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
        rsei=driver_rsei,
    output:
        stack=rpath("{region}", "drivers", "stack.tif"),
        samples=rpath("{region}", "drivers", "samples.parquet"),
    log:
        log_path("{region}", "driver_stack"),
    benchmark:
        benchmark_path("{region}", "driver_stack")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        grid_m=setting("drivers.grid_m"),
        window_km=setting("drivers.window_km"),
        min_valid_fraction=setting("drivers.min_valid_fraction"),
        min_coverage=setting("drivers.min_coverage"),
        year=lambda w: drivers_year(w.region),
    script:
        "../../scripts/driver_stack.py"


rule drivers_model:
    input:
        samples=rules.driver_stack.output.samples,
        stack=rules.driver_stack.output.stack,
    output:
        pearson=rpath("{region}", "drivers", "pearson.csv"),
        metrics=rpath("{region}", "drivers", "rf_metrics.csv"),
        test_predictions=rpath("{region}", "drivers", "rf_test_predictions.csv"),
        importance=rpath("{region}", "drivers", "importance.csv"),
        partial_dependence=rpath("{region}", "drivers", "partial_dependence.csv"),
        predicted=rpath("{region}", "drivers", "rf_predicted.tif"),
        residual=rpath("{region}", "drivers", "rf_residual.tif"),
    log:
        log_path("{region}", "drivers_model"),
    benchmark:
        benchmark_path("{region}", "drivers_model")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    threads: HALF_THE_CORES
    resources:
        mem_mb=lambda wildcards, attempt: 6000 * attempt,
        runtime=60,
    params:
        options=setting(
            "drivers.min_samples",
            "drivers.correlation",
            "drivers.n_estimators",
            "drivers.mtry",
            "drivers.nodesize",
            "drivers.train_fraction",
            "drivers.split_block_km",
            "drivers.partial_dependence_points",
        ),
        seed=setting("seed"),
    script:
        "../../scripts/drivers_model.py"


rule ranking:
    input:
        importance=expand(rules.drivers_model.output.importance, region=SERIES_REGIONS),
    output:
        ranking=str(Path(RESULTS, "ranking.csv")),
    log:
        str(Path(RESULTS, "logs", "ranking.log")),
    benchmark:
        str(Path(RESULTS, "benchmarks", "ranking.tsv"))
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    script:
        "../../scripts/ranking.py"
