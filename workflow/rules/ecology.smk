"""Ecology stage: RSEI and REM per year, statistics per mine, rings, size classes, mines vs region
(minerestore.ecology)."""


include: "functions/ecology.smk"


YEARLY_TABLES = ("rsei_pca", "rem_weights")


# What RSEI, its pooled model and REM read of a year: the region inputs, the water mask and the LST settings.
ECOLOGY_PARAMS = {
    "tile_px": TILE_PX,
    "whole_region_px": value("tiles.whole_region_px"),
    "wet_coefficients": setting("ecology.wet_coefficients"),
    "mndwi_threshold": setting("thresholds.mndwi_water"),
    "sensor": setting("region.sensor"),
}

# REM's reconstruction choices (minerestore.ecology.rem.RemOptions), the land-cover classes of I_imper and the
# slope of zero flatness of I_soil.
REM_OPTIONS = setting(
    "ecology.rao_window",
    "ecology.soil_index",
    "ecology.fvc_percentiles",
    "ecology.imper_mode",
    "ecology.imper_bci_threshold",
    "ecology.imper_classes",
    "ecology.flatness_slope_deg",
)

# What they read: the region inputs and the water mask, which also holds the analysis domain (255 outside the
# study area).
ECOLOGY_INPUTS = {
    **REGION_INPUTS,
    "water": rules.masks.output.water,
}


rule pooled_model:
    input:
        **ECOLOGY_INPUTS,
        composites=COMPOSITES,
    output:
        model=rpath("{region}", "ecology", "{index}_pooled_model.json"),
    log:
        log_path("{region}", "{index}_pooled_model"),
    benchmark:
        benchmark_path("{region}", "{index}_pooled_model")
    wildcard_constraints:
        index="rsei|rem",
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=60,
    params:
        **ECOLOGY_PARAMS,
        rem=REM_OPTIONS,
    script:
        "../../scripts/pooled_model.py"


rule ecology_year:
    input:
        unpack(pooled_models),
        **ECOLOGY_INPUTS,
        composite=rules.composite_mosaic.output.composite,
    output:
        rsei=rpath("{region}", "ecology", "rsei", "{year}.tif"),
        rsei_pca=rpath("{region}", "ecology", "rsei", "{year}_pca.csv"),
        rem=rpath("{region}", "ecology", "rem", "{year}.tif"),
        rem_weights=rpath("{region}", "ecology", "rem", "{year}_weights.csv"),
    log:
        log_path("{region}", "ecology_year_{year}"),
    benchmark:
        benchmark_path("{region}", "ecology_year_{year}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        **ECOLOGY_PARAMS,
        rsei_mode=setting("ecology.rsei_mode"),
        grade_width=setting("ecology.grade_width"),
        rem=REM_OPTIONS,
        rem_mode=setting("ecology.rem_mode"),
    script:
        "../../scripts/ecology_year.py"


rule ecology_table:
    input:
        tables=lambda w: each_year(
            {
                "rsei_pca": rules.ecology_year.output.rsei_pca,
                "rem_weights": rules.ecology_year.output.rem_weights,
            }[w.table]
        )(w),
    output:
        table=rpath("{region}", "ecology", "{table}.csv"),
    log:
        log_path("{region}", "ecology_table_{table}"),
    benchmark:
        benchmark_path("{region}", "ecology_table_{table}")
    wildcard_constraints:
        table="rsei_pca|rem_weights",
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
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
        rsei=each_year(rules.ecology_year.output.rsei),
        rem=each_year(rules.ecology_year.output.rem),
    output:
        mines=rpath("{region}", "ecology", "mines.csv"),
        region=rpath("{region}", "ecology", "region.csv"),
        rings=rpath("{region}", "ecology", "rings.csv"),
        area_classes=rpath("{region}", "ecology", "area_classes.csv"),
    log:
        log_path("{region}", "ecology_stats"),
    benchmark:
        benchmark_path("{region}", "ecology_stats")
    # the longest feeder of a figure (plot_region): first among the feeders
    priority: 9
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        years=region_years,
        ring_width_km=setting("ecology.ring_width_km"),
        ring_max_km=setting("ecology.ring_max_km"),
        min_mine_area_m2=setting("identify.min_mine_area_m2"),
    script:
        "../../scripts/ecology_stats.py"
