"""Ecology stage: RSEI and REM per year, statistics per mine, rings, size classes, mines vs region
(minerestore.ecology)."""

# What RSEI, its pooled model and REM read of a year: the region inputs, the water mask and the LST settings.
ECOLOGY_PARAMS = {
    "tile_px": TILE_PX,
    "wet_coefficients": config["ecology"]["wet_coefficients"],
    "mndwi_threshold": threshold("mndwi_water"),
    "sensor": region_key("sensor"),
}


rule rsei_model:
    input:
        **REGION_INPUTS,
        water=rules.masks.output.water,
        composites=COMPOSITES,
    output:
        model=rpath("{region}", "ecology", "rsei_pooled_model.json"),
    log:
        log_path("{region}", "rsei_model"),
    benchmark:
        benchmark_path("{region}", "rsei_model")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=30,
    params:
        **ECOLOGY_PARAMS,
    script:
        "../../scripts/rsei_model.py"


rule rsei:
    input:
        unpack(rsei_model_input),
        **REGION_INPUTS,
        water=rules.masks.output.water,
        composite=rules.composite_mosaic.output.mosaic,
    output:
        raster=rpath("{region}", "ecology", "rsei", "{year}.tif"),
        pca=rpath("{region}", "ecology", "rsei", "{year}_pca.csv"),
    log:
        log_path("{region}", "rsei_{year}"),
    benchmark:
        benchmark_path("{region}", "rsei_{year}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=20,
    params:
        **ECOLOGY_PARAMS,
        rsei_mode=config["ecology"]["rsei_mode"],
    script:
        "../../scripts/rsei.py"


rule rem:
    input:
        **REGION_INPUTS,
        water=rules.masks.output.water,
        composite=rules.composite_mosaic.output.mosaic,
    output:
        raster=rpath("{region}", "ecology", "rem", "{year}.tif"),
        weights=rpath("{region}", "ecology", "rem", "{year}_weights.csv"),
    log:
        log_path("{region}", "rem_{year}"),
    benchmark:
        benchmark_path("{region}", "rem_{year}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=20,
    params:
        **ECOLOGY_PARAMS,
        rao_window=config["ecology"]["rao_window"],
        soil_index=config["ecology"]["soil_index"],
        fvc_percentiles=config["ecology"]["fvc_percentiles"],
    script:
        "../../scripts/rem.py"


rule ecology_table:
    input:
        tables=lambda w: each_year(
            {"rsei_pca": rules.rsei.output.pca, "rem_weights": rules.rem.output.weights}[w.table]
        )(w),
    output:
        table=rpath("{region}", "ecology", "{table}.csv"),
    log:
        log_path("{region}", "ecology_table_{table}"),
    benchmark:
        benchmark_path("{region}", "ecology_table_{table}")
    wildcard_constraints:
        table="rsei_pca|rem_weights",
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    script:
        "../../scripts/gather_tables.py"


rule ecology_stats:
    input:
        grid=rules.plan.output.grid,
        study_area=rules.study_area.output.study_area,
        mines=rules.mines.output.mines,
        status=rules.mann_kendall.output.table,
        rsei=each_year(rules.rsei.output.raster),
        rem=each_year(rules.rem.output.raster),
    output:
        mines=rpath("{region}", "ecology", "mines.csv"),
        region=rpath("{region}", "ecology", "region.csv"),
        rings=rpath("{region}", "ecology", "rings.csv"),
        area_classes=rpath("{region}", "ecology", "area_classes.csv"),
    log:
        log_path("{region}", "ecology_stats"),
    benchmark:
        benchmark_path("{region}", "ecology_stats")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        years=region_years,
        ring_width_km=config["ecology"]["ring_width_km"],
        ring_max_km=config["ecology"]["ring_max_km"],
    script:
        "../../scripts/ecology_stats.py"
