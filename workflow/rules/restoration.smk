"""Restoration stage: BSP per mine and year, Mann–Kendall status, restoration rates, pixel-wise trend maps
(methods.md §3.1, §4, §7.1)."""


rule bare_surface:
    input:
        grid=inputs("{region}", "grid.json"),
        mines=rpath("{region}", "mines", "mines.gpkg"),
        water=rpath("{region}", "masks", "water.tif"),
        composites=composites,
    output:
        bsp=rpath("{region}", "restoration", "bsp.csv"),
    params:
        tile_px=config["tiles"]["size_px"],
        years=lambda w: years(w.region),
        threshold=lambda w: region_thresholds(w.region)["bsp_ndvi"],
    log:
        log_path("{region}", "bare_surface"),
    benchmark:
        benchmark_path("{region}", "bare_surface")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    script:
        "../../scripts/bare_surface.py"


rule mann_kendall:
    input:
        bsp=rpath("{region}", "restoration", "bsp.csv"),
        mines=rpath("{region}", "mines", "mines.gpkg"),
    output:
        table=rpath("{region}", "restoration", "mann_kendall.csv"),
        counts=rpath("{region}", "restoration", "status_counts.csv"),
    params:
        years=lambda w: years(w.region),
        alpha=lambda w: region_thresholds(w.region)["mk_alpha"],
        options=config["restoration"],
    log:
        log_path("{region}", "mann_kendall"),
    benchmark:
        benchmark_path("{region}", "mann_kendall")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    script:
        "../../scripts/mann_kendall.py"


rule restoration_rate:
    input:
        grid=inputs("{region}", "grid.json"),
        bsp=rpath("{region}", "restoration", "bsp.csv"),
        mines=rpath("{region}", "mines", "mines.gpkg"),
    output:
        subregions=rpath("{region}", "restoration", "restoration_rate.csv"),
        mines=rpath("{region}", "restoration", "restoration_rate_mines.csv"),
    params:
        years=lambda w: years(w.region),
        base_year=config["restoration"]["base_year"],
        convention=config["restoration"]["rr_convention"],
    log:
        log_path("{region}", "restoration_rate"),
    benchmark:
        benchmark_path("{region}", "restoration_rate")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    script:
        "../../scripts/restoration_rate.py"


rule trend_map:
    input:
        grid=inputs("{region}", "grid.json"),
        study_area=rpath("{region}", "study_area.gpkg"),
        water=rpath("{region}", "masks", "water.tif"),
        layers=trend_layers,
    output:
        trend=rpath("{region}", "restoration", "trend_{index}", "{tile}.tif"),
    params:
        tile_px=config["tiles"]["size_px"],
        years=lambda w: years(w.region),
        alpha=lambda w: region_thresholds(w.region)["mk_alpha"],
        threshold=lambda w: region_thresholds(w.region)["bsp_ndvi"],
    log:
        log_path("{region}", "trend_map_{index}_{tile}"),
    benchmark:
        benchmark_path("{region}", "trend_map_{index}_{tile}")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 6000 * attempt,
        runtime=30,
    script:
        "../../scripts/trend_map.py"


rule trend_mosaic:
    input:
        grid=inputs("{region}", "grid.json"),
        tiles=lambda w: [rpath(w.region, "restoration", f"trend_{w.index}", f"{t}.tif") for t in region_tiles(w.region)],
    output:
        mosaic=rpath("{region}", "restoration", "trend_{index}.vrt"),
    params:
        tile_px=config["tiles"]["size_px"],
    log:
        log_path("{region}", "trend_mosaic_{index}"),
    benchmark:
        benchmark_path("{region}", "trend_mosaic_{index}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    script:
        "../../scripts/mosaic.py"
