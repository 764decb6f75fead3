"""Mask-period composites of one tile: for the vegetation and the snow period, the NDVI percentile and the snow /
clear counts of every acquisition dated in the period's windows, all months
(minerestore.composite.season.write_period_composites; methods.md §4.3). The yearly composites cover only the
growing season; the masks need the whole period. One job writes both periods: they share the acquisitions table,
the tile, the imports and the reads of the scenes both periods hold."""

from datetime import date

from minerestore.composite.season import period_acquisitions, read_ingested, write_period_composites
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.scripting import configure, run, timed
from minerestore.seasons import in_season

PERIOD_KEYS = {"vegetation": "masks.vegetation_dates", "snow": "masks.snow_years"}


def period_windows(smk, period: str, table, log) -> tuple[list, dict]:
    """The acquisitions of each date window of one mask period and the period's tags; ValueError naming the config
    key when no acquisition falls in the period."""
    p, dates = smk.params, smk.params.dates[period]
    windows = [period_acquisitions(table, date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10]),
                                   {p.sensor, "any"}) for start, end in dates]  # YAML gives dates or strings
    if not any(windows):
        raise ValueError(f"{smk.input.acquisitions}: no {p.sensor} acquisition in the {period} mask period "
                         f"{dates[0][0]} to {dates[-1][1]}; set {PERIOD_KEYS[period]} to a period the acquisitions "
                         "cover")
    chosen = [a for w in windows for a in w]
    months = sorted({a.date.month for a in chosen})
    log.info("%s period, %d window(s) %s: %d acquisitions in months %s", period, len(windows),
             [tuple(d) for d in dates], len(chosen), months)
    for (start, end), w in zip(dates, windows):
        if not w:
            log.warning("%s period: no acquisition from %s to %s; that window is left out", period, start, end)
    if all(in_season(m, p.season["start_month"], p.season["end_month"]) for m in months):
        log.warning("%s period: the acquisitions hold growing-season months only (%s); the mask covers no other "
                    "month", period, months)
    tags = {"period": period, "windows": ";".join(f"{a}/{b}" for a, b in dates), "n_acquisitions": len(chosen),
            "acquisitions": ";".join(a.acquisition_id for a in chosen)}
    return windows, tags


def main(smk) -> None:
    log = configure(smk.log[0])
    region_grid = Grid.read(smk.input.grid)
    grid = tile_grid(region_grid, tile_windows(region_grid, smk.params.tile_px)[smk.wildcards.tile])
    table = read_ingested(smk.input.acquisitions)
    windows, tags = {}, {}
    for period in PERIOD_KEYS:
        windows[period], tags[period] = period_windows(smk, period, table, log)
    p = smk.params
    with timed(log, f"mask-period composites, tile {smk.wildcards.tile}"):
        write_period_composites({period: getattr(smk.output, period) for period in PERIOD_KEYS}, grid, windows, tags,
                                block_rows=p.block_rows, percentile=p.ndvi_percentile,
                                conservative_scl=p.scl_conservative)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
