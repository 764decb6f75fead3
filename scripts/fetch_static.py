"""Fetch a remote region's static layers (DEM, land cover, water occurrence) onto one tile of its grid
(minerestore.sources.stac / minerestore.sources.earthengine)."""

import yaml

from minerestore.io import write_text
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_of
from minerestore.scripting import configure, run, timed
from minerestore.sources import earthengine, stac


def main(smk) -> None:
    log = configure(smk.log[0])
    region = smk.params.region
    grid = tile_of(Grid.read(smk.input.grid), smk.params.tile_px, smk.wildcards.tile)
    source = stac if region["source"] == "stac" else earthengine
    with timed(log, f"static layers of tile {smk.wildcards.tile}"):
        record = source.fetch_static_record(region[region["source"]], region, grid,
                                            stac.cache_dir(smk.params.cache, grid))
    write_text(smk.output.record, yaml.safe_dump(record, sort_keys=False))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
