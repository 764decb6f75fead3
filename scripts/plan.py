"""Write the region grid planned from the config (minerestore.sources.plan.planned_grid), once, as
``inputs/grid.json``: ingest and every later stage read it."""

from minerestore.io import write_text
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    write_text(smk.output.grid, smk.params.grid)
    log.info("region grid: %s", smk.params.grid)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
