"""Mask stage: study area and sub-regions, masks of irrelevant land, candidate patches (minerestore.mask)."""


rule study_area:
    input:
        **REGION_INPUTS,
    output:
        study_area=rpath("{region}", "study_area.gpkg"),
    log:
        log_path("{region}", "study_area"),
    benchmark:
        benchmark_path("{region}", "study_area")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        buffer_km=setting("thresholds.buffer_km"),
        subregion_field=setting("region.subregion_field"),
    script:
        "../../scripts/study_area.py"


# The mask-period composite of one period and tile, written by the mask_period job of the tile, and their mosaics.
MASK_PERIOD_TILE = rpath("{region}", "masks", "period", "{period}", "{tile}.tif")
MASK_PERIOD_TILES, MASK_PERIOD_MOSAICS = tile_mosaics(
    MASK_PERIOD_TILE, rpath("{region}", "masks", "period", "{period}.vrt"), "period", ("vegetation", "snow")
)


rule mask_period:
    input:
        grid=rules.plan.output.grid,
        acquisitions=rules.ingest.output.acquisitions,
    output:
        vegetation=expand(MASK_PERIOD_TILE, period="vegetation", allow_missing=True)[0],
        snow=expand(MASK_PERIOD_TILE, period="snow", allow_missing=True)[0],
    log:
        log_path("{region}", "mask_period_{tile}"),
    benchmark:
        benchmark_path("{region}", "mask_period_{tile}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=60,
    params:
        sensor=setting("region.sensor"),
        season=setting("region.season"),
        dates=lambda w: mask_periods(w.region),
        block_rows=setting("composite.block_rows"),
        ndvi_percentile=setting("composite.ndvi_percentile"),
        scl_conservative=setting("composite.scl_conservative"),
        tile_px=TILE_PX,
    script:
        "../../scripts/mask_period.py"


rule mask_period_mosaic:
    input:
        **MASK_PERIOD_TILES,
        grid=rules.plan.output.grid,
    output:
        **MASK_PERIOD_MOSAICS,
    log:
        log_path("{region}", "mask_period_mosaic"),
    benchmark:
        benchmark_path("{region}", "mask_period_mosaic")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        tile_px=TILE_PX,
    script:
        "../../scripts/mosaic.py"


rule masks:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        composites=COMPOSITES,
        vegetation_period=rules.mask_period_mosaic.output.vegetation,
        snow_period=rules.mask_period_mosaic.output.snow,
    output:
        water=rpath("{region}", "masks", "water.tif"),
        vegetation=rpath("{region}", "masks", "vegetation.tif"),
        snow=rpath("{region}", "masks", "snow.tif"),
        builtup=rpath("{region}", "masks", "builtup.tif"),
        areas=rpath("{region}", "masks", "areas.csv"),
    log:
        log_path("{region}", "masks"),
    benchmark:
        benchmark_path("{region}", "masks")
    # on the way to object_rf, which the mines and every stage after them wait for
    priority: 10
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        thresholds=setting(
            "thresholds.water_ratio",
            "thresholds.water_buffer_m",
            "thresholds.mndwi_water",
            "thresholds.vegetation_p90_ndvi",
            "thresholds.snow_ratio",
        ),
        masks=setting("masks.water_years", "masks.builtup_classes"),
        periods=lambda w: mask_periods(w.region),
        years=region_years,
        tile_px=TILE_PX,
    script:
        "../../scripts/masks.py"


rule candidates:
    input:
        grid=rules.plan.output.grid,
        study_area=rules.study_area.output.study_area,
        masks=[rules.masks.output[m] for m in ("water", "vegetation", "snow", "builtup")],
    output:
        raster=rpath("{region}", "masks", "candidates.tif"),
        vector=rpath("{region}", "mines", "candidates.gpkg"),
    log:
        log_path("{region}", "candidates"),
    benchmark:
        benchmark_path("{region}", "candidates")
    # on the way to object_rf, which the mines and every stage after them wait for
    priority: 10
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        tile_px=TILE_PX,
        structuring_element=setting("masks.structuring_element"),
        opening_radius_px=setting("masks.opening_radius_px"),
        min_patch_m2=setting("thresholds.min_patch_m2"),
    script:
        "../../scripts/candidates.py"
