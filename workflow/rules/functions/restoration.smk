"""Input functions and helpers of the restoration rules (workflow/rules/restoration.smk), which include this file."""


def trend_inputs(wildcards):
    """Yearly rasters a tile's trend maps read, as named inputs: ``composites`` (for ndvi, bare and the spectral
    indices), ``rsei`` and ``rem`` (the yearly ecology rasters), those the configured indices need."""
    patterns = {
        "composites": rules.composite_mosaic.output.composite,
        "rsei": rules.ecology_year.output.rsei,
        "rem": rules.ecology_year.output.rem,
    }
    return {name: each_year(patterns[name])(wildcards) for name in inputs_bands(TREND_INDICES)}


def has_insar(region):
    """The region has InSAR products (its own, or the synthetic scene's)."""
    return "insar" in value("region", region) or value("region.source", region) == "synthetic"


def has_insar_timeseries(region):
    """The region has an InSAR displacement time series (its own insar.timeseries, or the synthetic scene's)."""
    given = "timeseries" in value("region", region).get("insar", {})
    return given or value("region.source", region) == "synthetic"
