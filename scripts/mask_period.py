"""Mask-period composites of one tile: for the vegetation and the snow period, the NDVI percentile and the snow /
clear counts of every acquisition dated in the period's windows, all months
(minerestore.composite.season.write_period_composite; docs/methods.md, masks). The yearly composites cover only the
growing season; the masks need the whole period. One job writes both periods: they share the acquisitions table,
the tile and the imports, which were most of each job on small regions."""

from datetime import date

from minerestore.composite.season import period_acquisitions, read_ingested, write_period_composite
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.scripting import configure, timed
from minerestore.sources.common import in_season

PERIOD_KEYS = {"vegetation": "masks.vegetation_dates", "snow": "masks.snow_years"}


def write_period(smk, period: str, grid, table, log) -> None:
    """The composite of one mask period on the tile's grid; ValueError naming the config key when no acquisition
    falls in the period."""
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
    with timed(log, f"{period} period composite, tile {smk.wildcards.tile}"):
        write_period_composite(getattr(smk.output, period), grid, windows, tags, p.block_rows, p.ndvi_percentile,
                               p.scl_conservative)


def main(smk) -> None:
    log = configure(smk.log[0])
    region_grid = Grid.read(smk.input.grid)
    grid = tile_grid(region_grid, tile_windows(region_grid, smk.params.tile_px)[smk.wildcards.tile])
    table = read_ingested(smk.input.acquisitions)
    for period in PERIOD_KEYS:
        write_period(smk, period, grid, table, log)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
