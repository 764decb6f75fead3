"""Mask-period composite of one tile: the NDVI percentile and the snow / clear counts of every acquisition dated in
the windows of the vegetation or snow period, all months (minerestore.composite.season.write_period_composite;
docs/methods.md, masks). The yearly composites cover only the growing season; the masks need the whole period."""

from datetime import date

from minerestore.composite.season import period_acquisitions, read_ingested, write_period_composite
from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.scripting import configure, timed
from minerestore.sources.common import in_season


def main(smk) -> None:
    log = configure(smk.log[0])
    period, p = smk.wildcards.period, smk.params
    region_grid = Grid.read(smk.input.grid)
    grid = tile_grid(region_grid, tile_windows(region_grid, p.tile_px)[smk.wildcards.tile])
    table = read_ingested(smk.input.acquisitions)
    windows = [period_acquisitions(table, date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10]),
                                   {p.sensor, "any"}) for start, end in p.dates]  # YAML gives dates or strings
    key = "masks.vegetation_dates" if period == "vegetation" else "masks.snow_years"
    if not any(windows):
        raise ValueError(f"{smk.input.acquisitions}: no {p.sensor} acquisition in the {period} mask period "
                         f"{p.dates[0][0]} to {p.dates[-1][1]}; set {key} to a period the acquisitions cover")
    chosen = [a for w in windows for a in w]
    months = sorted({a.date.month for a in chosen})
    log.info("%s period, %d window(s) %s: %d acquisitions in months %s", period, len(windows),
             [tuple(d) for d in p.dates], len(chosen), months)
    for (start, end), w in zip(p.dates, windows):
        if not w:
            log.warning("%s period: no acquisition from %s to %s; that window is left out", period, start, end)
    if all(in_season(m, p.season["start_month"], p.season["end_month"]) for m in months):
        log.warning("%s period: the acquisitions hold growing-season months only (%s); the mask covers no other "
                    "month", period, months)
    tags = {"period": period, "windows": ";".join(f"{a}/{b}" for a, b in p.dates), "n_acquisitions": len(chosen),
            "acquisitions": ";".join(a.acquisition_id for a in chosen)}
    with timed(log, f"{period} period composite, tile {smk.wildcards.tile}"):
        write_period_composite(smk.output.composite, grid, windows, tags, p.block_rows, p.ndvi_percentile,
                               p.scl_conservative)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
