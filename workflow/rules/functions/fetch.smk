"""Input functions and helpers of the fetch rules (workflow/rules/fetch.smk), which include this file."""


def fetch_region(wildcards):
    """The region config a fetch job depends on (not the analysis-only keys)."""
    return {k: v for k, v in value("region", wildcards.region).items() if k not in ANALYSIS_KEYS}


def fetch_cache(wildcards):
    """Folder of the files a remote region fetches (kept across reruns; files are keyed by grid and items)."""
    return value("region.stac.cache", wildcards.region) or rpath(wildcards.region, "fetch", "cache")


def season(wildcards):
    s = value("region.season", wildcards.region)
    return (s["start_month"], s["end_month"])


def fetch_years(region):
    """Calendar years a remote region fetches: its data years (growing seasons) and every year a mask period's
    windows reach (the Yangtze study's vegetation window starts in 2015)."""
    years = set(data_years(region))
    for windows in mask_periods(region).values():
        for start, end in windows:
            years |= set(range(int(str(start)[:4]), int(str(end)[:4]) + 1))
    return sorted(years)


def fetch_periods(wildcards):
    """The mask periods (minerestore.seasons.period_dates) a remote region fetches the dates of."""
    return mask_periods(wildcards.region)


def season_year(wildcards):
    """Whether a composite reads the growing season of the fetch job's year."""
    return int(wildcards.year) in data_years(wildcards.region)


def year_span(wildcards):
    """First and last calendar year of the acquisitions a region reads (its analysis years' windows)."""
    span = data_years(wildcards.region)
    return (span[0], span[-1])


def region_source_files(wildcards):
    """Ingest inputs: the generated scene (synthetic), the fetched inputs manifest (stac, earthengine), or every
    local file the region reads (minerestore.sources.local.local_files), so editing one reruns what depends on it.
    """
    source = value("region.source", wildcards.region)
    if source == "synthetic":
        return {"scene": for_job(rules.synthetic_scene.output.scene, wildcards)}
    if source in ("stac", "earthengine"):
        return {"manifest": for_job(rules.remote_inputs.output.manifest, wildcards)}
    return {"local": list(region_local_files(wildcards.region))}


def synthetic_footprints(wildcards):
    """The real mine outline file a synthetic scene reads (synthetic.footprints_file, ``auto`` resolved as the
    generator resolves it), so that editing it regenerates the scene; none for generated outlines."""
    from minerestore.sources.synthetic.realism import resolve_footprints  # only for synthetic regions

    path = resolve_footprints(value("region.synthetic", wildcards.region)["footprints_file"])
    return [path] if path else []
