"""Input functions and helpers of the landuse rules (workflow/rules/landuse.smk), which include this file."""


def landuse_image(wildcards):
    """The image a region's land use is mapped from: the synthetic GF-2-like scene, the configured file, or the
    region's composite of landuse.year (the last analysis year when null)."""
    lu = value("region.landuse", wildcards.region)
    if "synthetic" in lu:
        return for_job(rules.landuse_scene.output.image, wildcards)
    if lu["image"]:
        return lu["image"]
    year = lu["year"] if lu["year"] is not None else years(wildcards.region)[-1]
    return for_job(rules.composite_mosaic.output.composite, wildcards, year=year)


def landuse_labels(wildcards):
    """The labels of a region's land use: the synthetic scene's truth or the configured file."""
    lu = value("region.landuse", wildcards.region)
    if "synthetic" in lu:
        return for_job(rules.landuse_scene.output.labels, wildcards)
    return lu["labels"]


def landuse_model(wildcards):
    """A trained model (and its card) given for the job's network, applied instead of training it."""
    path = value("region.landuse", wildcards.region)["models"].get(wildcards.network)
    return {"model": path, "card": f"{path}.json"} if path else {}


def landuse_sample_keys(wildcards):
    """What the samples read of the region's landuse block (not the models: a new model reruns only its network):
    the bands, the label field and whether the image is the region's composite (bands picked by name) or a file
    (bands named in file order)."""
    lu = value("region.landuse", wildcards.region)
    composite = not lu["image"] and "synthetic" not in lu
    return {"bands": lu["bands"], "class_field": lu["class_field"], "composite": composite}


def landuse_figure_files(region):
    return [p for f in rules.plot_landuse.output for p in expand(f, region=region)]


def landuse_targets(region):
    """Every final output of a region's landuse stage."""
    r = rules
    out = [expand(p, region=region)[0] for p in r.landuse_scores.output]
    for pattern in r.landuse_network.output:
        out += expand(pattern, region=region, network=LANDUSE_NETWORKS)
    return out + landuse_figure_files(region)
