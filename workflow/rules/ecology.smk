"""Ecology stage: RSEI and REM per year, statistics per mine, rings, size classes, mines vs region
(methods.md §1, §2, §7.2)."""


rule rsei_model:
    input:
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
        water=rpath("{region}", "masks", "water.tif"),
        composites=composites,
    output:
        model=rpath("{region}", "ecology", "rsei_pooled_model.json"),
    params:
        tile_px=config["tiles"]["size_px"],
        options=config["ecology"],
        mndwi_threshold=lambda w: region_thresholds(w.region)["mndwi_water"],
        sensor=lambda w: region_cfg(w.region)["sensor"],
    log:
        log_path("{region}", "rsei_model"),
    benchmark:
        benchmark_path("{region}", "rsei_model")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=30,
    script:
        "../../scripts/rsei_model.py"


rule rsei:
    input:
        unpack(rsei_model_input),
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
        water=rpath("{region}", "masks", "water.tif"),
        composite=composite_path("{region}", "{year}"),
    output:
        raster=rpath("{region}", "ecology", "rsei", "{year}.tif"),
        pca=rpath("{region}", "ecology", "rsei", "{year}_pca.csv"),
    params:
        tile_px=config["tiles"]["size_px"],
        options=config["ecology"],
        mndwi_threshold=lambda w: region_thresholds(w.region)["mndwi_water"],
        sensor=lambda w: region_cfg(w.region)["sensor"],
    log:
        log_path("{region}", "rsei_{year}"),
    benchmark:
        benchmark_path("{region}", "rsei_{year}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=20,
    script:
        "../../scripts/rsei.py"


rule rem:
    input:
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
        water=rpath("{region}", "masks", "water.tif"),
        composite=composite_path("{region}", "{year}"),
    output:
        raster=rpath("{region}", "ecology", "rem", "{year}.tif"),
        weights=rpath("{region}", "ecology", "rem", "{year}_weights.csv"),
    params:
        tile_px=config["tiles"]["size_px"],
        options=config["ecology"],
        mndwi_threshold=lambda w: region_thresholds(w.region)["mndwi_water"],
        sensor=lambda w: region_cfg(w.region)["sensor"],
    log:
        log_path("{region}", "rem_{year}"),
    benchmark:
        benchmark_path("{region}", "rem_{year}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=20,
    script:
        "../../scripts/rem.py"


rule ecology_table:
    input:
        tables=yearly_tables,
    output:
        table=rpath("{region}", "ecology", "{table}.csv"),
    wildcard_constraints:
        table="rsei_pca|rem_weights",
    log:
        log_path("{region}", "ecology_table_{table}"),
    benchmark:
        benchmark_path("{region}", "ecology_table_{table}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    script:
        "../../scripts/gather_tables.py"


rule ecology_stats:
    input:
        grid=inputs("{region}", "grid.json"),
        study_area=rpath("{region}", "study_area.gpkg"),
        mines=rpath("{region}", "mines", "mines.gpkg"),
        status=rpath("{region}", "restoration", "mann_kendall.csv"),
        rsei=lambda w: [rpath(w.region, "ecology", "rsei", f"{y}.tif") for y in years(w.region)],
        rem=lambda w: [rpath(w.region, "ecology", "rem", f"{y}.tif") for y in years(w.region)],
    output:
        mines=rpath("{region}", "ecology", "mines.csv"),
        region=rpath("{region}", "ecology", "region.csv"),
        rings=rpath("{region}", "ecology", "rings.csv"),
        area_classes=rpath("{region}", "ecology", "area_classes.csv"),
    params:
        tile_px=config["tiles"]["size_px"],
        years=lambda w: years(w.region),
        options=config["ecology"],
    log:
        log_path("{region}", "ecology_stats"),
    benchmark:
        benchmark_path("{region}", "ecology_stats")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    script:
        "../../scripts/ecology_stats.py"
