"""Composite stage: growing-season composites per region, year and tile, joined per year into a virtual mosaic
(minerestore.composite.season; tiles: minerestore.raster.tiles). One job computes a batch of years of one tile
(composite.batch_px: every year of a small tile, one year of a large one) into composites/{years}/{tile}/{year}.tif.
"""


include: "functions/composite.smk"


rule composite:
    input:
        grid=rules.plan.output.grid,
        acquisitions=rules.ingest.output.acquisitions,
    output:
        composites=directory(rpath("{region}", "composites", "{years}", "{tile}")),
    log:
        log_path("{region}", "composite_{years}_{tile}"),
    benchmark:
        benchmark_path("{region}", "composite_{years}_{tile}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=30,
    params:
        years=lambda w: composite_batches(w.region)[w.years],
        sensor=setting("region.sensor"),
        lst_sensor=lambda w: lst_family(value("region", w.region)),
        season=setting("region.season"),
        block_rows=setting("composite.block_rows"),
        window_years=setting("composite.window_years"),
        statistic=setting("composite.statistic"),
        ndvi_percentile=setting("composite.ndvi_percentile"),
        scl_conservative=setting("composite.scl_conservative"),
        tile_px=TILE_PX,
    script:
        "../../scripts/composite.py"


rule composite_mosaic:
    input:
        grid=rules.plan.output.grid,
        composite=composite_tiles,
    output:
        composite=rpath("{region}", "composites", "{year}.vrt"),
    log:
        log_path("{region}", "composite_mosaic_{year}"),
    benchmark:
        benchmark_path("{region}", "composite_mosaic_{year}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        tile_px=TILE_PX,
        member=lambda w: f"{w.year}.tif",
    script:
        "../../scripts/mosaic.py"


COMPOSITES = each_year(rules.composite_mosaic.output.composite)
