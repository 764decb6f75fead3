"""Ingest a region's inputs: check every acquisition and input file, build the region grid, and write the inputs
contract (grid.json, acquisitions.csv, sources.yaml) that every later stage reads (minerestore.ingest)."""

from pathlib import Path

import yaml

from minerestore.grid import Grid
from minerestore.ingest import ingest
from minerestore.io import write_table, write_text
from minerestore.runlog import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region = smk.params.region
    if "scene" in smk.input.keys() or "manifest" in smk.input.keys():
        manifest = Path(smk.input.scene) / "inputs.yaml" if "scene" in smk.input.keys() else Path(smk.input.manifest)
        base = manifest.parent
        spec = yaml.safe_load(manifest.read_text())
    else:
        base = Path(smk.params.workdir)
        spec = region
    season = (region["season"]["start_month"], region["season"]["end_month"])
    years = (region["years"]["first"], region["years"]["last"])
    with timed(log, "ingest"):
        grid, table, sources = ingest(spec, base, region["crs"], region["resolution"], season, years)
    planned = Grid.from_json(smk.params.planned)
    if grid != planned:
        raise ValueError(f"the region grid built from the inputs ({grid}) differs from the grid planned from the "
                         f"config ({planned}); set regions.{smk.wildcards.region}.bounds")
    write_table(smk.output.acquisitions, table)
    write_text(smk.output.sources, yaml.safe_dump(sources, sort_keys=False))
    write_text(smk.output.grid, grid.to_json())


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
