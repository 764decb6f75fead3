"""Fetch stage: the planned region grid, the synthetic study area, remote retrieval (STAC, Earth Engine), and
ingestion of any source into the inputs contract (minerestore.sources)."""


include: "functions/fetch.smk"


#: Keys of a region's config that only later stages read: fetching does not depend on them.
ANALYSIS_KEYS = (
    "thresholds",
    "analysis_grid_m",
    "subregion_field",
    "river_field",
    "reference_id_field",
    "mine_products",
    "obstruction",
    "synthetic",
)


rule plan:
    output:
        grid=rpath("{region}", "inputs", "grid.json"),
    log:
        log_path("{region}", "plan"),
    benchmark:
        benchmark_path("{region}", "plan")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        grid=lambda w: region_grid(w.region).to_json(),
    script:
        "../../scripts/plan.py"


rule synthetic_scene:
    input:
        footprints=synthetic_footprints,
    output:
        scene=directory(rpath("{region}", "synthetic")),
    log:
        log_path("{region}", "synthetic_scene"),
    benchmark:
        benchmark_path("{region}", "synthetic_scene")
    conda:
        "../../envs/raster.yaml"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        synthetic=setting("region.synthetic"),
        crs=setting("region.crs"),
        years=lambda w: data_years(w.region),
        season=setting("region.season"),
        code=SYNTHETIC_CODE,
    script:
        "../../scripts/synthetic_scene.py"


rule fetch_static:
    input:
        grid=rules.plan.output.grid,
    output:
        record=rpath("{region}", "fetch", "static", "{tile}.yaml"),
    log:
        log_path("{region}", "fetch_static_{tile}"),
    benchmark:
        benchmark_path("{region}", "fetch_static_{tile}")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=120,
    params:
        region=fetch_region,
        tile_px=TILE_PX,
        cache=fetch_cache,
    script:
        "../../scripts/fetch_static.py"


rule fetch_year:
    input:
        grid=rules.plan.output.grid,
    output:
        record=rpath("{region}", "fetch", "{year}", "{tile}.yaml"),
    log:
        log_path("{region}", "fetch_{year}_{tile}"),
    benchmark:
        benchmark_path("{region}", "fetch_{year}_{tile}")
    conda:
        "../../envs/fetch.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=240,
    params:
        region=fetch_region,
        tile_px=TILE_PX,
        cache=fetch_cache,
        periods=fetch_periods,
        season_year=season_year,
    script:
        "../../scripts/fetch_year.py"


rule remote_inputs:
    input:
        grid=rules.plan.output.grid,
        static=each_tile(rules.fetch_static.output.record),
        years=lambda w: expand(
            rules.fetch_year.output.record,
            region=w.region,
            year=fetch_years(w.region),
            tile=region_tiles(w.region),
        ),
    output:
        manifest=rpath("{region}", "fetch", "inputs.yaml"),
        acquisitions=rpath("{region}", "fetch", "acquisitions.csv"),
        provenance=rpath("{region}", "fetch", "manifest.csv"),
    log:
        log_path("{region}", "remote_inputs"),
    benchmark:
        benchmark_path("{region}", "remote_inputs")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=10,
    params:
        region=fetch_region,
        tile_px=TILE_PX,
        workdir=str(Path.cwd()),
    script:
        "../../scripts/remote_inputs.py"


rule ingest:
    input:
        unpack(region_source_files),
        grid=rules.plan.output.grid,
    output:
        acquisitions=rpath("{region}", "inputs", "acquisitions.csv"),
        sources=rpath("{region}", "inputs", "sources.yaml"),
    log:
        log_path("{region}", "ingest"),
    benchmark:
        benchmark_path("{region}", "ingest")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=20,
    params:
        spec=lambda w: ingest_spec(w.region),
        season=season,
        years=year_span,
        workdir=str(Path.cwd()),
    script:
        "../../scripts/ingest.py"


# The inputs every later stage reads: the planned grid and the ingested sources of the region.
REGION_INPUTS = {"grid": rules.plan.output.grid, "sources": rules.ingest.output.sources}
