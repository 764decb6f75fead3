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
