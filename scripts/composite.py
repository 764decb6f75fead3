"""Growing-season composites of one tile of a region for a batch of epoch years (composite.batch_px), one GeoTIFF
per year in the job's folder: per-pixel median (or mean) reflectance and LST of the clear observations of the
epoch's window of years, NDVI median (or mean) and percentile, n_obs and n_snow (minerestore.composite,
methods.md §2). Only the tile's window of each acquisition is read."""

from pathlib import Path

from minerestore.composite.season import read_ingested, reflectance_tag, season_acquisitions, write_composite
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.scripting import configure, run, timed
from minerestore.seasons import epoch_years, season_dates, season_year


def write_year(path, grid: Grid, table, year: int, opts, log) -> None:
    """The composite of epoch ``year`` on the tile ``grid``, written to ``path``."""
    sensor, lst_sensor = opts.sensor, opts.lst_sensor
    window = epoch_years(year, opts.window_years)
    season = (opts.season["start_month"], opts.season["end_month"])
    primary = season_acquisitions(table, window, {sensor, "any"}, season)
    lst_only = season_acquisitions(table, window, {lst_sensor}, season) if lst_sensor not in ("none", sensor) else []
    used = sorted({season_year(a.date, *season) for a in primary})
    if not primary:
        log.warning("no %s acquisition in the growing seasons of %s: composite written with n_obs = 0", sensor,
                    window)
    elif used != window:
        log.warning("epoch %d: the window %d–%d has acquisitions only in %s; the composite uses those years", year,
                    window[0], window[-1], used)
    log.info("epoch %d (years %s): %d %s acquisitions, %d LST-only (%s)", year, window, len(primary), sensor,
             len(lst_only), lst_sensor)
    toa = sorted(a.date for a in primary if a.profile.level == "L1C")
    if toa:
        log.warning("epoch %d: %d of %d acquisitions are Sentinel-2 Level-1C, top-of-atmosphere reflectance (%s to "
                    "%s); the composite's reflectance tag says so", year, len(toa), len(primary), toa[0], toa[-1])
    dates = ";".join("/".join(d.isoformat() for d in season_dates(y, season)) for y in window)
    log.info("epoch %d: growing seasons %s", year, dates)
    tags = {"sensor": sensor, "lst_sensor": lst_sensor, "year": year, "n_acquisitions": len(primary),
            "sensors": ",".join(sorted({a.sensor for a in primary})), "reflectance": reflectance_tag(primary),
            "season_months": f"{season[0]}-{season[1]}", "season_dates": dates, "statistic": opts.statistic,
            "window_years": ",".join(map(str, window)), "years_used": ",".join(map(str, used)),
            "acquisitions": ";".join(a.acquisition_id for a in primary + lst_only)}
    n_obs = write_composite(path, grid, primary, lst_only, tags, block_rows=opts.block_rows,
                            percentile=opts.ndvi_percentile, conservative_scl=opts.scl_conservative,
                            statistic=opts.statistic)
    if n_obs == 0:
        log.warning("%d: no clear observation anywhere; composite written with n_obs = 0 and NaN values", year)


def main(smk) -> None:
    log = configure(smk.log[0])
    opts, tile = smk.params, smk.wildcards.tile
    region_grid = Grid.read(smk.input.grid)
    grid = tile_grid(region_grid, tile_windows(region_grid, opts.tile_px)[tile])
    table = read_ingested(smk.input.acquisitions)
    out = Path(smk.output.composites)
    out.mkdir(parents=True, exist_ok=True)
    for year in opts.years:
        with timed(log, f"composite {year}, tile {tile}"):
            write_year(out / f"{year}.tif", grid, table, year, opts, log)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
