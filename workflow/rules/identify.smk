"""Identify stage: mine polygons by object-based random forest, candidate rules or a digitised reference;
accuracy against the reference and agreement with other mine products (minerestore.identify)."""


include: "functions/identify.smk"


# Methods scored side by side on the same test mines (identify.compare; minerestore.identify.methods).
COMPARED = value("identify.compare")


rule object_rf:
    input:
        **REGION_INPUTS,
        patches=rules.candidates.output.vector,
        composites=COMPOSITES,
    output:
        mines=rpath("{region}", "mines", "object_rf", "mines.gpkg"),
        objects=rpath("{region}", "mines", "object_rf", "objects.csv"),
        labels=rpath("{region}", "mines", "object_rf", "objects.tif"),
        split=rpath("{region}", "mines", "object_rf", "split.csv"),
        importance=rpath("{region}", "mines", "rf_importance.csv"),
        cv=rpath("{region}", "mines", "rf_cv.csv"),
    log:
        log_path("{region}", "object_rf"),
    benchmark:
        benchmark_path("{region}", "object_rf")
    # first when cores free up: the mines and every stage after them wait for it
    priority: 10
    conda:
        "../../envs/analysis.yaml"
    threads: HALF_THE_CORES
    resources:
        mem_mb=lambda wildcards, attempt: 6000 * attempt,
        runtime=60,
    params:
        tile_px=TILE_PX,
        identify=setting(
            "identify.segmentation",
            "identify.overlap",
            "identify.train_fraction",
            "identify.min_mine_area_m2",
            "identify.rf",
            "identify.glcm_layers",
        ),
        seed=setting("seed"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/object_rf.py"


rule segment:
    input:
        unpack(network_files),
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        composites=COMPOSITES,
    output:
        mines=rpath("{region}", "mines", "{network}", "mines.gpkg"),
        network_mines=rpath("{region}", "mines", "{network}", "network_mines.gpkg"),
        refine=rpath("{region}", "mines", "{network}", "refine.json"),
        probability=rpath("{region}", "mines", "{network}", "probability.tif"),
        history=rpath("{region}", "mines", "{network}", "history.csv"),
        split=rpath("{region}", "mines", "{network}", "split.csv"),
        model=rpath("{region}", "mines", "model_{network}.pt"),
        card=rpath("{region}", "mines", "model_{network}.pt.json"),
    log:
        log_path("{region}", "segment_{network}"),
    benchmark:
        benchmark_path("{region}", "segment_{network}")
    conda:
        "../../envs/dl.yaml"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=120,
    params:
        tile_px=TILE_PX,
        dl=setting("identify.dl"),
        identify=setting("identify.train_fraction", "identify.min_mine_area_m2", "identify.segmentation"),
        seed=setting("seed"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/segment.py"


rule compare_methods:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        patches=rules.candidates.output.vector,
        mines=lambda w: [method_output(m, w)[0] for m in COMPARED],
        timing=lambda w: [method_output(m, w)[1] for m in COMPARED],
    output:
        table=rpath("{region}", "mines", "methods.csv"),
        figure=rpath("{region}", "figures", "methods.png"),
        svg=rpath("{region}", "figures", "methods.svg"),
    log:
        log_path("{region}", "compare_methods"),
    benchmark:
        benchmark_path("{region}", "compare_methods")
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        methods=COMPARED,
        tile_px=TILE_PX,
        overlap=setting("identify.overlap"),
        train_fraction=setting("identify.train_fraction"),
        seed=setting("seed"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/compare_methods.py"


rule candidate_mines:
    input:
        **REGION_INPUTS,
        patches=rules.candidates.output.vector,
        composites=COMPOSITES,
    output:
        mines=rpath("{region}", "mines", "candidate_mines.gpkg"),
    log:
        log_path("{region}", "candidate_mines"),
    benchmark:
        benchmark_path("{region}", "candidate_mines")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=30,
    params:
        tile_px=TILE_PX,
        rules=setting("identify.candidate_rules"),
        min_area_m2=setting("identify.min_mine_area_m2"),
    script:
        "../../scripts/candidate_mines.py"


rule mines:
    input:
        unpack(identified_polygons),
        sources=rules.ingest.output.sources,
        study_area=rules.study_area.output.study_area,
    output:
        mines=rpath("{region}", "mines", "mines.gpkg"),
    log:
        log_path("{region}", "mines"),
    benchmark:
        benchmark_path("{region}", "mines")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        method=setting("identify.method"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/mines.py"


rule accuracy:
    input:
        unpack(object_rf_outputs),
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        mines=rules.mines.output.mines,
        candidates=rules.candidates.output.vector,
    output:
        accuracy=rpath("{region}", "mines", "accuracy.csv"),
    log:
        log_path("{region}", "accuracy"),
    benchmark:
        benchmark_path("{region}", "accuracy")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        tile_px=TILE_PX,
        overlap=setting("identify.overlap"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/accuracy.py"


rule agreement:
    input:
        sources=rules.ingest.output.sources,
        study_area=rules.study_area.output.study_area,
        mines=rules.mines.output.mines,
    output:
        agreement=rpath("{region}", "mines", "agreement_{product}.csv"),
    log:
        log_path("{region}", "agreement_{product}"),
    benchmark:
        benchmark_path("{region}", "agreement_{product}")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    script:
        "../../scripts/agreement.py"
