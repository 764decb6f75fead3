"""Ingest a region's inputs: check every acquisition and input file and write the inputs contract
(acquisitions.csv, sources.yaml) that every later stage reads with the planned grid.json
(minerestore.sources.local.ingest)."""

from pathlib import Path

import yaml

from minerestore.io import write_table, write_text
from minerestore.raster.grid import Grid
from minerestore.scripting import configure, run, timed
from minerestore.sources.local import ingest


def main(smk) -> None:
    log = configure(smk.log[0])
    if "scene" in smk.input.keys() or "manifest" in smk.input.keys():
        manifest = Path(smk.input.scene) / "inputs.yaml" if "scene" in smk.input.keys() else Path(smk.input.manifest)
        base, spec = manifest.parent, yaml.safe_load(manifest.read_text())
    else:
        base, spec = Path(smk.params.workdir), smk.params.spec
    with timed(log, "ingest"):
        table, sources = ingest(spec, base, Grid.read(smk.input.grid), smk.params.season, smk.params.years)
    write_table(smk.output.acquisitions, table)
    write_text(smk.output.sources, yaml.safe_dump(sources, sort_keys=False))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
