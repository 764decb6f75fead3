"""Fetch a remote region's acquisitions of one calendar year onto one tile of its grid: the growing season (when a
composite reads the year) and the dates of the mask periods in the year, with the bands those need
(minerestore.sources.stac / minerestore.sources.earthengine)."""

import yaml

from minerestore.io import write_text
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_of
from minerestore.scripting import configure, run, timed
from minerestore.sources import earthengine, stac


def main(smk) -> None:
    log = configure(smk.log[0])
    region, year = smk.params.region, int(smk.wildcards.year)
    grid = tile_of(Grid.read(smk.input.grid), smk.params.tile_px, smk.wildcards.tile)
    source = stac if region["source"] == "stac" else earthengine
    with timed(log, f"acquisitions {year}, tile {smk.wildcards.tile}"):
        record = source.fetch_year_record(region[region["source"]], region, grid, year,
                                          stac.cache_dir(smk.params.cache, grid), periods=smk.params.periods,
                                          season_year=smk.params.season_year)
    purposes = [row["purpose"] for row in record["rows"]]
    log.info("%d acquisitions: %s", len(purposes), {p: purposes.count(p) for p in dict.fromkeys(purposes)})
    write_text(smk.output.record, yaml.safe_dump(record, sort_keys=False))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
