"""Targets: every final output of a region, and of all regions (rule all, in the Snakefile), from the rules' own
outputs, so no path is spelled twice."""


def region_targets(region):
    """Every final output of a region: its land-use outputs where it has a landuse block, and, unless that is all
    it asks for (landuse.only), those of the time-series stages."""
    r = rules
    if region not in SERIES_REGIONS:
        return landuse_targets(region)
    out = landuse_targets(region) if has_landuse(region) else []
    out += expand(r.composite_mosaic.output.composite, region=region, year=years(region))
    out += expand(r.agreement.output.agreement, region=region, product=mine_products(region))
    out += expand(r.accuracy.output.accuracy, region=region) if has_accuracy(region) else []
    out += expand(r.mines_by_river.output.table, region=region) if has_rivers(region) else []
    out += expand(r.compare_methods.output.table, region=region) if COMPARED else []
    if has_insar(region):
        out += [expand(p, region=region)[0] for p in [*r.insar_activity.output, *r.plot_insar.output]]
    if has_insar_timeseries(region):
        out += [expand(p, region=region)[0] for p in r.insar_timeseries.output]
    out += identify_targets(region)
    out += expand(list(r.trend_mosaic.output), region=region)
    out += expand(r.ecology_table.output.table, region=region, table=YEARLY_TABLES)
    for rule_outputs in (
        [r.mines.output.mines, r.masks.output.areas],
        [r.bare_surface.output.bsp, *r.mann_kendall.output, *r.restoration_rate.output],
        r.ecology_stats.output,
        [*r.driver_stack.output, *r.drivers_model.output],
        r.tables.output,
        r.mine_summary.output,
    ):
        out += [expand(pattern, region=region)[0] for pattern in rule_outputs]
    return out + region_figure_files(region)


def all_targets():
    out = [f for r in REGIONS for f in region_targets(r)]
    return out + ([rules.ranking.output.ranking] + overview_files() if SERIES_REGIONS else [])
