"""Restoration stage: BSP per mine and year, Mann–Kendall status, restoration rates, pixel-wise trend maps
(minerestore.restoration)."""


include: "functions/restoration.smk"


# The configured trend indices (minerestore.restoration.trend_indices): one trend map per index and tile, joined
# into one mosaic per index.
TREND_INDICES = value("restoration.trend_indices")
TREND_TILE = rpath("{region}", "restoration", "trend_{index}", "{tile}.tif")
TREND_TILES, TREND_MOSAICS = tile_mosaics(
    TREND_TILE, rpath("{region}", "restoration", "trend_{index}.vrt"), "index", TREND_INDICES
)


rule bare_surface:
    input:
        grid=rules.plan.output.grid,
        mines=rules.mines.output.mines,
        water=rules.masks.output.water,
        composites=COMPOSITES,
    output:
        bsp=rpath("{region}", "restoration", "bsp.csv"),
    log:
        log_path("{region}", "bare_surface"),
    benchmark:
        benchmark_path("{region}", "bare_surface")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        years=region_years,
        threshold=setting("thresholds.bsp_ndvi"),
        exclude_water=setting("restoration.bsp_exclude_water"),
    script:
        "../../scripts/bare_surface.py"


rule mann_kendall:
    input:
        bsp=rules.bare_surface.output.bsp,
        mines=rules.mines.output.mines,
    output:
        table=rpath("{region}", "restoration", "mann_kendall.csv"),
        counts=rpath("{region}", "restoration", "status_counts.csv"),
    log:
        log_path("{region}", "mann_kendall"),
    benchmark:
        benchmark_path("{region}", "mann_kendall")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    params:
        years=region_years,
        alpha=setting("thresholds.mk_alpha"),
        min_years=setting("restoration.min_years"),
        exact_p_max_n=setting("restoration.exact_p_max_n"),
    script:
        "../../scripts/mann_kendall.py"


rule restoration_rate:
    input:
        bsp=rules.bare_surface.output.bsp,
        mines=rules.mines.output.mines,
    output:
        subregions=rpath("{region}", "restoration", "restoration_rate.csv"),
        mines=rpath("{region}", "restoration", "restoration_rate_mines.csv"),
    log:
        log_path("{region}", "restoration_rate"),
    benchmark:
        benchmark_path("{region}", "restoration_rate")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    params:
        years=region_years,
        base_year=setting("restoration.base_year"),
        convention=setting("restoration.rr_convention"),
    script:
        "../../scripts/restoration_rate.py"


rule insar_activity:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
        mann_kendall=rules.mann_kendall.output.table,
    output:
        mines=rpath("{region}", "restoration", "insar_activity.csv"),
        counts=rpath("{region}", "restoration", "insar_counts.csv"),
        cross=rpath("{region}", "restoration", "insar_cross.csv"),
    log:
        log_path("{region}", "insar_activity"),
    benchmark:
        benchmark_path("{region}", "insar_activity")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        insar=setting("insar"),
        tile_px=TILE_PX,
    script:
        "../../scripts/insar_activity.py"


rule insar_timeseries:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
        activity=rules.insar_activity.output.mines,
    output:
        table=rpath("{region}", "restoration", "insar_timeseries.csv"),
        figure=rpath("{region}", "figures", "insar_timeseries.png"),
        svg=rpath("{region}", "figures", "insar_timeseries.svg"),
    log:
        log_path("{region}", "insar_timeseries"),
    benchmark:
        benchmark_path("{region}", "insar_timeseries")
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        insar=setting("insar"),
    script:
        "../../scripts/insar_timeseries.py"


rule trend_map:
    input:
        unpack(trend_inputs),
        grid=rules.plan.output.grid,
        water=rules.masks.output.water,
    output:
        expand(TREND_TILE, index=TREND_INDICES, allow_missing=True),
    log:
        log_path("{region}", "trend_map_{tile}"),
    benchmark:
        benchmark_path("{region}", "trend_map_{tile}")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 6000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        indices=TREND_INDICES,
        years=region_years,
        alpha=setting("thresholds.mk_alpha"),
        bsp_ndvi=setting("thresholds.bsp_ndvi"),
    script:
        "../../scripts/trend_map.py"


rule trend_mosaic:
    input:
        **TREND_TILES,
        grid=rules.plan.output.grid,
    output:
        **TREND_MOSAICS,
    log:
        log_path("{region}", "trend_mosaic"),
    benchmark:
        benchmark_path("{region}", "trend_mosaic")
    # feeds a figure: before the figure jobs, which end their paths (design.md, where the time goes)
    priority: 8
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        tile_px=TILE_PX,
    script:
        "../../scripts/mosaic.py"
