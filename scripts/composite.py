"""Growing-season composite of one tile of a region and year: per-pixel median reflectance and LST of the clear
observations, NDVI median and percentile, n_obs and n_snow (minerestore.composite, methods.md §3.2). Only the
tile's window of each acquisition is read."""


import pandas as pd

from minerestore.composite.season import season_acquisitions, write_composite
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.scripting import configure, timed


def main(smk) -> None:
    log = configure(smk.log[0])
    year = int(smk.wildcards.year)
    region_grid = Grid.read(smk.input.grid)
    grid = tile_grid(region_grid, tile_windows(region_grid, smk.params.tile_px)[smk.wildcards.tile])
    table = pd.read_csv(smk.input.acquisitions)
    sensor, lst_sensor = smk.params.sensor, smk.params.lst_sensor
    primary = season_acquisitions(table, year, {sensor, "any"})
    lst_only = season_acquisitions(table, year, {lst_sensor}) if lst_sensor not in ("none", sensor) else []
    if not primary:
        log.warning("no %s acquisition in the %d growing season: composite written with n_obs = 0", sensor, year)
    log.info("%d %s acquisitions, %d LST-only (%s) for %d", len(primary), sensor, len(lst_only), lst_sensor, year)
    opts = smk.params
    season = smk.params.season
    tags = {"sensor": sensor, "lst_sensor": lst_sensor, "year": year, "n_acquisitions": len(primary),
            "sensors": ",".join(sorted({a.sensor for a in primary})),
            "season_months": f"{season['start_month']}-{season['end_month']}",
            "acquisitions": ";".join(a.acquisition_id for a in primary + lst_only)}
    with timed(log, f"composite {year}, tile {smk.wildcards.tile}"):
        n_obs = write_composite(smk.output.composite, grid, primary, lst_only, tags, opts.block_rows,
                                opts.ndvi_percentile, opts.scl_conservative)
    if n_obs == 0:
        log.warning("%d: no clear observation anywhere; composite written with n_obs = 0 and NaN values", year)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
