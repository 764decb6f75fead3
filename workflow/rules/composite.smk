"""Composite stage: growing-season composites per region, year and tile, joined per year into a virtual mosaic
(methods.md §3.2; tiles: minerestore.tiles)."""


rule composite:
    input:
        grid=inputs("{region}", "grid.json"),
        acquisitions=inputs("{region}", "acquisitions.csv"),
    output:
        composite=rpath("{region}", "composites", "{year}", "{tile}.tif"),
    params:
        sensor=lambda w: region_cfg(w.region)["sensor"],
        lst_sensor=lambda w: lst_family(region_cfg(w.region)),
        season=lambda w: region_cfg(w.region)["season"],
        options=config["composite"],
        tile_px=config["tiles"]["size_px"],
    log:
        log_path("{region}", "composite_{year}_{tile}"),
    benchmark:
        benchmark_path("{region}", "composite_{year}_{tile}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=30,
    script:
        "../../scripts/composite.py"


rule composite_mosaic:
    input:
        grid=inputs("{region}", "grid.json"),
        tiles=lambda w: [rpath(w.region, "composites", w.year, f"{t}.tif") for t in region_tiles(w.region)],
    output:
        mosaic=composite_path("{region}", "{year}"),
    params:
        tile_px=config["tiles"]["size_px"],
    log:
        log_path("{region}", "composite_mosaic_{year}"),
    benchmark:
        benchmark_path("{region}", "composite_mosaic_{year}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    script:
        "../../scripts/mosaic.py"
