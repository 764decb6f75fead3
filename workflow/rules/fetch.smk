"""Fetch stage: the synthetic study area, and ingestion of any source into the inputs contract."""


rule synthetic_scene:
    output:
        scene=directory(rpath("{region}", "synthetic")),
    params:
        synthetic=lambda w: region_cfg(w.region)["synthetic"],
        crs=lambda w: region_cfg(w.region)["crs"],
        years=lambda w: years(w.region),
        season=lambda w: region_cfg(w.region)["season"],
        code=SYNTHETIC_CODE,
    log:
        log_path("{region}", "synthetic_scene"),
    benchmark:
        benchmark_path("{region}", "synthetic_scene")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    script:
        "../../scripts/synthetic_scene.py"


rule ingest:
    input:
        unpack(region_source_files),
    output:
        grid=inputs("{region}", "grid.json"),
        acquisitions=inputs("{region}", "acquisitions.csv"),
        sources=inputs("{region}", "sources.yaml"),
    params:
        region=lambda w: region_cfg(w.region),
        planned=lambda w: region_grid(w.region).to_json(),
        workdir=str(Path.cwd()),
    log:
        log_path("{region}", "ingest"),
    benchmark:
        benchmark_path("{region}", "ingest")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=20,
    script:
        "../../scripts/ingest.py"


rule fetch_static:
    output:
        record=rpath("{region}", "fetch", "static", "{tile}.yaml"),
    params:
        region=lambda w: region_cfg(w.region),
        grid=lambda w: tile_grid_json(w.region, w.tile),
        cache=lambda w: fetch_cache(w.region),
    log:
        log_path("{region}", "fetch_static_{tile}"),
    benchmark:
        benchmark_path("{region}", "fetch_static_{tile}")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=120,
    script:
        "../../scripts/fetch_static.py"


rule fetch_year:
    output:
        record=rpath("{region}", "fetch", "{year}", "{tile}.yaml"),
    params:
        region=lambda w: region_cfg(w.region),
        grid=lambda w: tile_grid_json(w.region, w.tile),
        cache=lambda w: fetch_cache(w.region),
    log:
        log_path("{region}", "fetch_{year}_{tile}"),
    benchmark:
        benchmark_path("{region}", "fetch_{year}_{tile}")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=240,
    script:
        "../../scripts/fetch_year.py"


rule remote_inputs:
    input:
        static=lambda w: [rpath(w.region, "fetch", "static", f"{t}.yaml") for t in region_tiles(w.region)],
        years=lambda w: [rpath(w.region, "fetch", str(y), f"{t}.yaml") for y in years(w.region)
                         for t in region_tiles(w.region)],
    output:
        manifest=rpath("{region}", "fetch", "inputs.yaml"),
        acquisitions=rpath("{region}", "fetch", "acquisitions.csv"),
        provenance=rpath("{region}", "fetch", "manifest.csv"),
    params:
        region=lambda w: region_cfg(w.region),
        grid=lambda w: region_grid(w.region).to_json(),
        tile_px=config["tiles"]["size_px"],
        workdir=str(Path.cwd()),
    log:
        log_path("{region}", "remote_inputs"),
    benchmark:
        benchmark_path("{region}", "remote_inputs")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=10,
    script:
        "../../scripts/remote_inputs.py"
