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
        record=rpath("{region}", "fetch", "static.yaml"),
    params:
        region=lambda w: region_cfg(w.region),
        buffer_km=lambda w: region_thresholds(w.region)["buffer_km"],
        cache=lambda w: fetch_cache(w.region),
        workdir=str(Path.cwd()),
    log:
        log_path("{region}", "fetch_static"),
    benchmark:
        benchmark_path("{region}", "fetch_static")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=120,
    script:
        "../../scripts/fetch_static.py"


rule fetch_year:
    input:
        static=rpath("{region}", "fetch", "static.yaml"),
    output:
        record=rpath("{region}", "fetch", "{year}.yaml"),
    params:
        region=lambda w: region_cfg(w.region),
        cache=lambda w: fetch_cache(w.region),
    log:
        log_path("{region}", "fetch_{year}"),
    benchmark:
        benchmark_path("{region}", "fetch_{year}")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=240,
    script:
        "../../scripts/fetch_year.py"


rule remote_inputs:
    input:
        static=rpath("{region}", "fetch", "static.yaml"),
        years=lambda w: [rpath(w.region, "fetch", f"{y}.yaml") for y in years(w.region)],
    output:
        manifest=rpath("{region}", "fetch", "inputs.yaml"),
        acquisitions=rpath("{region}", "fetch", "acquisitions.csv"),
        provenance=rpath("{region}", "fetch", "manifest.csv"),
    params:
        region=lambda w: region_cfg(w.region),
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
