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


def method_split(wildcards):
    """The training split of the configured method (object_rf or a network), so accuracy by mine type is also
    given on the mines it did not train on."""
    method = value("identify.method")
    if method == "object_rf":
        return {"method_split": for_job(rules.object_rf.output.split, wildcards)}
    if method in NETWORKS:
        return {"method_split": for_job(rules.segment.output.split, wildcards, network=method)}
    return {}


def has_types(region):
    """A mine type field is asked for (regions.<name>.reference_type_field)."""
    return value("region.reference_type_field", region) is not None


def mines_figure_names(region):
    """The figures of the mines of a region (drawn by plot_mines) - their statistics and density, and their accuracy by
    type when the region asks for types and has an accuracy."""
    return MINES_FIGURES if has_types(region) and has_accuracy(region) else MINES_FIGURES[:2]


def mines_figure_inputs(wildcards):
    """The tables one figure of the mines is drawn from."""
    if wildcards.mines_figure == "accuracy_by_type":
        return {"by_type": for_job(rules.accuracy.output.by_type, wildcards)}
    if wildcards.mines_figure == "mine_density":
        out = rules.mine_statistics.output
        return {
            "density": for_job(out.density, wildcards),
            "mines": for_job(rules.mines.output.mines, wildcards),
        }
    return {by: for_job(getattr(rules.mine_statistics.output, by), wildcards) for by in STATISTICS}


def object_rf_runs():
    """The object forest runs (it is the method or compared), so its classifier comparison and sensitivity do."""
    return value("identify.method") == "object_rf" or "object_rf" in value("identify.compare")


def refined_networks():
    """The networks run with the p_intsct refinement (the method or compared)."""
    if not value("identify.dl")["refine"]:
        return []
    return [m for m in dict.fromkeys([value("identify.method"), *value("identify.compare")]) if m in NETWORKS]


def identify_targets(region):
    """The identify outputs of a region beyond its mines: mine statistics and their figures, the object forest's
    classifier comparison and sensitivity, the refined networks' figures."""
    r = rules
    out = [expand(p, region=region)[0] for p in r.mine_statistics.output]
    out += [
        rpath(region, "figures", f"{n}.{ext}") for n in mines_figure_names(region) for ext in ("png", "svg")
    ]
    if object_rf_runs():
        out += [expand(p, region=region)[0] for p in r.classifiers.output]
        out += (
            expand(r.sensitivity.output.table, region=region)
            if value("identify.sensitivity")["scales"]
            else []
        )
    for network in refined_networks():
        out += [expand(p, region=region, network=network)[0] for p in r.plot_refined.output]
    return out


def compared_network_mines(wildcards):
    """The networks' own mines (before any refinement) of the compared networks."""
    out = rules.segment.output.network_mines
    return [for_job(out, wildcards, network=m) for m in COMPARED if m in NETWORKS]
