"""Mask stage: study area and sub-regions, masks of irrelevant land, candidate patches (methods.md §3.3, §7.1)."""


rule study_area:
    input:
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
    output:
        study_area=rpath("{region}", "study_area.gpkg"),
    params:
        buffer_km=lambda w: region_thresholds(w.region)["buffer_km"],
        subregion_field=lambda w: region_cfg(w.region)["subregion_field"],
    log:
        log_path("{region}", "study_area"),
    benchmark:
        benchmark_path("{region}", "study_area")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    script:
        "../../scripts/study_area.py"


rule masks:
    input:
        grid=inputs("{region}", "grid.json"),
        sources=inputs("{region}", "sources.yaml"),
        study_area=rpath("{region}", "study_area.gpkg"),
        composites=composites,
    output:
        water=rpath("{region}", "masks", "water.tif"),
        vegetation=rpath("{region}", "masks", "vegetation.tif"),
        snow=rpath("{region}", "masks", "snow.tif"),
        builtup=rpath("{region}", "masks", "builtup.tif"),
        areas=rpath("{region}", "masks", "areas.csv"),
    params:
        thresholds=lambda w: region_thresholds(w.region),
        masks=config["masks"],
        years=lambda w: years(w.region),
        tile_px=config["tiles"]["size_px"],
    log:
        log_path("{region}", "masks"),
    benchmark:
        benchmark_path("{region}", "masks")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    script:
        "../../scripts/masks.py"


rule candidates:
    input:
        grid=inputs("{region}", "grid.json"),
        study_area=rpath("{region}", "study_area.gpkg"),
        masks=[rpath("{region}", "masks", f"{m}.tif") for m in ("water", "vegetation", "snow", "builtup")],
    output:
        raster=rpath("{region}", "masks", "candidates.tif"),
        vector=rpath("{region}", "mines", "candidates.gpkg"),
    params:
        tile_px=config["tiles"]["size_px"],
        masks=config["masks"],
        min_patch_m2=lambda w: region_thresholds(w.region)["min_patch_m2"],
    log:
        log_path("{region}", "candidates"),
    benchmark:
        benchmark_path("{region}", "candidates")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    script:
        "../../scripts/candidates.py"
