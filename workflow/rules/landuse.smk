"""Landuse stage: the land-use classes of an open-pit mining area mapped from one image by the segmentation
networks of the registry, trained and scored on the same patches (the U-Net+ study; minerestore.landuse). Runs
for the regions with a landuse block."""


include: "functions/landuse.smk"


# The networks compared (landuse.networks; names of minerestore.identify.networks).
LANDUSE_NETWORKS = value("landuse.networks")
# A change to the GF-2-like generator's code changes this parameter, so Snakemake regenerates the scene.
GF2_CODE = hashlib.sha1(
    (Path(workflow.basedir) / "src/minerestore/sources/synthetic/gf2.py").read_bytes()
).hexdigest()[:12]
LANDUSE_FIGURES = ["landuse_maps", "landuse_scores", "landuse_classes"]


rule landuse_scene:
    output:
        image=rpath("{region}", "landuse", "scene", "image.tif"),
        labels=rpath("{region}", "landuse", "scene", "labels.tif"),
    log:
        log_path("{region}", "landuse_scene"),
    benchmark:
        benchmark_path("{region}", "landuse_scene")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        scene=setting("region.landuse.synthetic"),
        classes=setting("landuse.classes"),
        code=GF2_CODE,
    script:
        "../../scripts/landuse_scene.py"


rule landuse_samples:
    input:
        image=landuse_image,
        labels=landuse_labels,
    output:
        labels=rpath("{region}", "landuse", "labels.tif"),
        patches=rpath("{region}", "landuse", "patches.csv"),
        classes=rpath("{region}", "landuse", "classes.csv"),
        normalisation=rpath("{region}", "landuse", "normalisation.csv"),
    log:
        log_path("{region}", "landuse_samples"),
    benchmark:
        benchmark_path("{region}", "landuse_samples")
    conda:
        "../../envs/raster.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=30,
    params:
        region=landuse_sample_keys,
        classes=setting("landuse.classes"),
        patch_px=setting("landuse.patch_px"),
        train_fraction=setting("landuse.train_fraction"),
        seed=setting("seed"),
        tile_px=TILE_PX,
    script:
        "../../scripts/landuse_samples.py"


rule landuse_network:
    input:
        unpack(landuse_model),
        image=landuse_image,
        labels=rules.landuse_samples.output.labels,
        patches=rules.landuse_samples.output.patches,
        normalisation=rules.landuse_samples.output.normalisation,
    output:
        prediction=rpath("{region}", "landuse", "{network}", "prediction.tif"),
        model=rpath("{region}", "landuse", "{network}", "model.pt"),
        card=rpath("{region}", "landuse", "{network}", "model.pt.json"),
        history=rpath("{region}", "landuse", "{network}", "history.csv"),
        confusion=rpath("{region}", "landuse", "{network}", "confusion.csv"),
    log:
        log_path("{region}", "landuse_{network}"),
    benchmark:
        benchmark_path("{region}", "landuse_{network}")
    conda:
        "../../envs/dl.yaml"
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 8000 * attempt,
        runtime=240,
    params:
        options=setting(
            "landuse.classes",
            "landuse.patch_px",
            "landuse.epochs",
            "landuse.batch_size",
            "landuse.learning_rate",
            "landuse.loss",
            "landuse.encoder",
            "landuse.width",
            "landuse.overlap_px",
            "landuse.device",
        ),
        seed=setting("seed"),
        tile_px=TILE_PX,
    script:
        "../../scripts/landuse_network.py"


rule landuse_scores:
    input:
        confusion=expand(rules.landuse_network.output.confusion, network=LANDUSE_NETWORKS, allow_missing=True),
    output:
        metrics=rpath("{region}", "landuse", "metrics.csv"),
        top_two=rpath("{region}", "landuse", "top_two.csv"),
    log:
        log_path("{region}", "landuse_scores"),
    benchmark:
        benchmark_path("{region}", "landuse_scores")
    conda:
        "../../envs/analysis.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=5,
    params:
        networks=LANDUSE_NETWORKS,
    script:
        "../../scripts/landuse_scores.py"


rule plot_landuse:
    input:
        labels=rules.landuse_samples.output.labels,
        patches=rules.landuse_samples.output.patches,
        predictions=expand(
            rules.landuse_network.output.prediction, network=LANDUSE_NETWORKS, allow_missing=True
        ),
        metrics=rules.landuse_scores.output.metrics,
    output:
        **{
            n.removeprefix("landuse_"): report(
                rpath("{region}", "figures", f"{n}.png"),
                caption=f"../report/{n}.rst",
                category="{region}",
                subcategory="land use",
            )
            for n in LANDUSE_FIGURES
        },
        svgs=[rpath("{region}", "figures", f"{n}.svg") for n in LANDUSE_FIGURES],
    log:
        log_path("{region}", "plot_landuse"),
    benchmark:
        benchmark_path("{region}", "plot_landuse")
    priority: 5
    conda:
        "../../envs/plots.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 2000 * attempt,
        runtime=10,
    params:
        networks=LANDUSE_NETWORKS,
        labels={n: NETWORKS[n].label for n in LANDUSE_NETWORKS},
        classes=setting("landuse.classes"),
        patch_px=setting("landuse.patch_px"),
    script:
        "../../scripts/landuse_figures.py"
