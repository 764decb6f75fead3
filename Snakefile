"""minerestore: open-pit mines along rivers, their restoration, ecological quality and its drivers.

Sets up config and validation, then includes one rules file per stage (workflow/rules/*.smk).
"""

from snakemake.utils import min_version

min_version("8.10")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    region="|".join(REGIONS),
    year=r"\d{4}",
    years=r"\d{4}(-\d{4})?",
    tile=r"r\d+c\d+",
    product=r"[A-Za-z0-9_-]+",
    index=wildcard_pattern(value("restoration.trend_indices")),
    network=wildcard_pattern(NETWORKS),


localrules:
    plan,
    synthetic_scene,
    ingest,
    fetch_static,
    fetch_year,
    remote_inputs,
    composite_mosaic,
    trend_mosaic,
    ecology_table,
    ranking,
    run_overview,
    tables,
    mine_summary,
    plot_maps,
    plot_region,
    plot_mine_series,
    plot_by_river,
    plot_insar,
    plot_webmap,
    plot_mines,
    plot_refined,
    plot_landuse,
    plot_overview,


include: "workflow/rules/fetch.smk"
include: "workflow/rules/composite.smk"
include: "workflow/rules/mask.smk"
include: "workflow/rules/identify.smk"
include: "workflow/rules/landuse.smk"
include: "workflow/rules/restoration.smk"
include: "workflow/rules/ecology.smk"
include: "workflow/rules/drivers.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/targets.smk"


rule all:
    default_target: True
    input:
        all_targets(),
        rules.run_overview.output,


onstart:
    stop_on_config_error(lambda: check_executor(workflow.executor_plugin.name))
    if workflow.executor_plugin.name == "slurm":
        stop_on_config_error(
            lambda: check_memory_fits(
                [
                    (j.rule.name, j.resources.get("mem_mb"))
                    for j in workflow.dag.needrun_jobs()
                    if not j.is_local
                ],
                largest_node_mb(),
            )
        )
    record_writer(RESULTS, workflow.basedir, Path.cwd(), config, code_version(workflow.basedir))


onerror:
    for path, aside in set_aside(RESULTS, REGIONS, RUN_STARTED):
        relative = os.path.relpath(path)
        makers = [r.name for r in workflow.rules if r.is_producer(path) or r.is_producer(relative)]
        makers = makers or ["the rule that wrote it"]
        print(
            f"{relative} could not be read (damaged or truncated) and was moved to {aside}: rerun snakemake; "
            f"rule {makers[0]} makes it again, and the jobs that depend on it rerun",
            file=sys.stderr,
        )


onsuccess:
    summary, count = write_run_summary(RESULTS, REGIONS)
    for line in mine_lines(mine_counts(RESULTS, REGIONS)):
        print(line, file=sys.stderr)
    print(f"{count} warning(s) of the workflow's checks; see {summary}", file=sys.stderr)


# Target: every figure and table (and only what they need). `snakemake figures` rebuilds them.
rule figures:
    default_target: False
    input:
        [region_figure_files(r) for r in SERIES_REGIONS],
        [landuse_figure_files(r) for r in REGIONS if has_landuse(r)],
        [expand(table, region=r)[0] for r in SERIES_REGIONS for table in rules.tables.output],
        overview_files() if SERIES_REGIONS else [],
