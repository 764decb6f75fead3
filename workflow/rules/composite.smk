"""Composite stage: growing-season composites per region and year (methods.md §3.2)."""


rule composite:
    input:
        grid=inputs("{region}", "grid.json"),
        acquisitions=inputs("{region}", "acquisitions.csv"),
    output:
        composite=composite_path("{region}", "{year}"),
    params:
        sensor=lambda w: region_cfg(w.region)["sensor"],
        lst_sensor=lambda w: lst_family(region_cfg(w.region)),
        season=lambda w: region_cfg(w.region)["season"],
        options=config["composite"],
    log:
        log_path("{region}", "composite_{year}"),
    benchmark:
        benchmark_path("{region}", "composite_{year}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 3000 * attempt,
        runtime=30,
    script:
        "../../scripts/composite.py"
