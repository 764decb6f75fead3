"""Identify stage: mine polygons by object-based random forest, candidate rules or a digitised reference;
accuracy against the reference and agreement with other mine products (minerestore.identify)."""


include: "functions/identify.smk"


# Methods scored side by side on the same test mines (identify.compare; minerestore.identify.methods).
COMPARED = value("identify.compare")
# The tables of mines by class (minerestore.identify.statistics), by their grouping, and the figures of the mines.
STATISTICS = list(MINE_GROUPINGS)
MINES_FIGURES = ["mine_statistics", "mine_density", "accuracy_by_type"]


rule object_rf:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        patches=rules.candidates.output.vector,
        composites=COMPOSITES,
    output:
        mines=rpath("{region}", "mines", "object_rf", "mines.gpkg"),
        objects=rpath("{region}", "mines", "object_rf", "objects.csv"),
        features=rpath("{region}", "mines", "object_rf", "features.csv"),
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
            "identify.features",
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


rule classifiers:
    input:
        features=rules.object_rf.output.features,
        objects=rules.object_rf.output.objects,
    output:
        table=rpath("{region}", "mines", "classifiers.csv"),
        roc=rpath("{region}", "mines", "classifiers_roc.csv"),
        figure=rpath("{region}", "figures", "classifiers_roc.png"),
        svg=rpath("{region}", "figures", "classifiers_roc.svg"),
    log:
        log_path("{region}", "classifiers"),
    benchmark:
        benchmark_path("{region}", "classifiers")
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        seed=setting("seed"),
    script:
        "../../scripts/classifiers.py"


rule sensitivity:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        patches=rules.candidates.output.vector,
        composites=COMPOSITES,
        cv=rules.object_rf.output.cv,
    output:
        table=rpath("{region}", "mines", "sensitivity.csv"),
    log:
        log_path("{region}", "sensitivity"),
    benchmark:
        benchmark_path("{region}", "sensitivity")
    conda:
        "../../envs/analysis.yaml"
    threads: HALF_THE_CORES
    resources:
        mem_mb=lambda wildcards, attempt: 6000 * attempt,
        runtime=120,
    params:
        tile_px=TILE_PX,
        identify=setting(
            "identify.segmentation",
            "identify.overlap",
            "identify.train_fraction",
            "identify.rf",
            "identify.features",
            "identify.sensitivity",
        ),
        seed=setting("seed"),
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/sensitivity.py"


rule compare_methods:
    input:
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        patches=rules.candidates.output.vector,
        mines=lambda w: [method_output(m, w)[0] for m in COMPARED],
        timing=lambda w: [method_output(m, w)[1] for m in COMPARED],
        network_mines=compared_network_mines,
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
        networks=[m for m in COMPARED if m in NETWORKS],
        refine=setting("identify.dl.refine"),
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


rule mines_by_river:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
    output:
        table=rpath("{region}", "mines", "by_river.csv"),
        mines=rpath("{region}", "mines", "by_river_mines.csv"),
    log:
        log_path("{region}", "mines_by_river"),
    benchmark:
        benchmark_path("{region}", "mines_by_river")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=10,
    params:
        river_field=setting("region.river_field"),
    script:
        "../../scripts/mines_by_river.py"


rule accuracy:
    input:
        unpack(object_rf_outputs),
        unpack(method_split),
        **REGION_INPUTS,
        study_area=rules.study_area.output.study_area,
        mines=rules.mines.output.mines,
        candidates=rules.candidates.output.vector,
    output:
        accuracy=rpath("{region}", "mines", "accuracy.csv"),
        by_type=rpath("{region}", "mines", "accuracy_by_type.csv"),
        mines=rpath("{region}", "mines", "accuracy_mines.csv"),
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
        type_field=setting("region.reference_type_field"),
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


rule mine_statistics:
    input:
        **REGION_INPUTS,
        mines=rules.mines.output.mines,
    output:
        **{by: rpath("{region}", "mines", f"statistics_{by}.csv") for by in STATISTICS},
        attributes=rpath("{region}", "mines", "mine_attributes.csv"),
        density=rpath("{region}", "mines", "kernel_density.tif"),
    log:
        log_path("{region}", "mine_statistics"),
    benchmark:
        benchmark_path("{region}", "mine_statistics")
    priority: 8
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=20,
    params:
        tile_px=TILE_PX,
        statistics=setting("identify.statistics"),
        type_field=setting("region.reference_type_field"),
    script:
        "../../scripts/mine_statistics.py"


rule plot_mines:
    input:
        unpack(mines_figure_inputs),
    output:
        figure=rpath("{region}", "figures", "{mines_figure}.png"),
        svg=rpath("{region}", "figures", "{mines_figure}.svg"),
    log:
        log_path("{region}", "plot_{mines_figure}"),
    benchmark:
        benchmark_path("{region}", "plot_{mines_figure}")
    wildcard_constraints:
        mines_figure="|".join(MINES_FIGURES),
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    script:
        "../../scripts/identify_figures.py"


rule plot_refined:
    input:
        **REGION_INPUTS,
        probability=rules.segment.output.probability,
        network_mines=rules.segment.output.network_mines,
        mines=rules.segment.output.mines,
        refine=rules.segment.output.refine,
    output:
        figure=rpath("{region}", "figures", "refined_{network}.png"),
        svg=rpath("{region}", "figures", "refined_{network}.svg"),
    log:
        log_path("{region}", "plot_refined_{network}"),
    benchmark:
        benchmark_path("{region}", "plot_refined_{network}")
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        id_field=setting("region.reference_id_field"),
    script:
        "../../scripts/refined_figure.py"
