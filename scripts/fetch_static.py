"""Fetch a remote region's static layers (DEM, land cover, water occurrence) onto its grid and record the grid
(minerestore.stac / minerestore.earthengine)."""

import yaml

from minerestore import earthengine, stac
from minerestore.io import write_text
from minerestore.remote import region_grid
from minerestore.runlog import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    region = smk.params.region
    grid = region_grid(region, smk.params.buffer_km, smk.params.workdir)
    log.info("region grid %d x %d px at %g m", grid.width, grid.height, grid.resolution)
    source = stac if region["source"] == "stac" else earthengine
    with timed(log, "static layers"):
        record = source.fetch_static_record(region[region["source"]], region, grid,
                                            stac.cache_dir(smk.params.cache, grid))
    write_text(smk.output.record, yaml.safe_dump({**record, "grid": grid.to_json()}, sort_keys=False))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
