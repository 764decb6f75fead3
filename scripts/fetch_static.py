"""Fetch a remote region's static layers (DEM, land cover, water occurrence) onto one tile of its grid
(minerestore.stac / minerestore.earthengine)."""

import yaml

from minerestore import earthengine, stac
from minerestore.grid import Grid
from minerestore.io import write_text
from minerestore.runlog import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region = smk.params.region
    grid = Grid.from_json(smk.params.grid)
    source = stac if region["source"] == "stac" else earthengine
    with timed(log, f"static layers of tile {smk.wildcards.tile}"):
        record = source.fetch_static_record(region[region["source"]], region, grid,
                                            stac.cache_dir(smk.params.cache, grid))
    write_text(smk.output.record, yaml.safe_dump(record, sort_keys=False))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
