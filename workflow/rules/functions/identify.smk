"""Input functions and helpers of the identify rules (workflow/rules/identify.smk), which include this file."""


def mine_products(region):
    """Names of the other mine products a region is compared with."""
    products = list(value("region", region).get("mine_products", {}))
    if value("region.source", region) == "synthetic":
        products.append("simulated_global")
    return products


def has_accuracy(region):
    """Accuracy needs a reference other than the mines themselves."""
    reference = value("region.source", region) == "synthetic" or "reference_mines" in value("region", region)
    return reference and METHODS[value("identify.method")].comparable


def has_rivers(region):
    """The region has river centre lines (its own, or the synthetic scene's): mines are counted per river."""
    return "rivers" in value("region", region) or value("region.source", region) == "synthetic"


def method_output(method, wildcards):
    """(mine polygons, timing file) of an identification method: the output of the rule the registry names for
    it (minerestore.identify.methods), with a network's model card, else the rule's benchmark, as timing."""
    producer = METHODS[method].rule
    out = getattr(rules, producer).output
    if method in NETWORKS:
        return for_job(out.mines, wildcards, network=method), for_job(out.card, wildcards, network=method)
    return for_job(out.mines, wildcards), benchmark_path(wildcards.region, producer)


def network_files(wildcards):
    """The user's files a network reads (a trained model and its card, encoder weights), so replacing one reruns
    the segmentation."""
    dl = value("identify.dl")
    files = {
        "model": dl["model"],
        "card": dl["model"] and f"{dl['model']}.json",
        "weights": dl["encoder_weights"],
    }
    return {k: v for k, v in files.items() if v}


def identified_polygons(wildcards):
    """Polygons that the mines step finalises, from the configured identification method."""
    method = value("identify.method")
    return {"polygons": method_output(method, wildcards)[0]} if METHODS[method].rule else {}


def object_rf_outputs(wildcards):
    """Training outputs the accuracy rule uses for its test scope (object_rf only)."""
    if value("identify.method") != "object_rf":
        return {}
    out = rules.object_rf.output
    return {k: for_job(getattr(out, k), wildcards) for k in ("objects", "split", "labels")}
