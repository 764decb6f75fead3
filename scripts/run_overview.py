"""The run overview page of the report: mines per region, the settings each ran with and the warnings of every job
log (minerestore.report.pages)."""

from minerestore.report.pages import write_run_overview
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    count = write_run_overview(smk.output[0], smk.params.results, smk.params.regions, smk.params.settings)
    log.info("run overview written: %d warning(s)", count)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
