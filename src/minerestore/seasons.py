"""Growing seasons, epochs and mask periods: which dates and calendar years feed a composite or a mask
(methods.md §2, §4.3). Plain date arithmetic, shared by planning (the Snakefile), ingest and the
composite and mask stages."""

from __future__ import annotations

from datetime import date


def in_season(month: int, start_month: int, end_month: int) -> bool:
    """True if ``month`` lies in the season ``start_month``..``end_month`` (inclusive; wraps over the new year
    when start > end, e.g. 11..2 for a southern-hemisphere summer)."""
    if start_month <= end_month:
        return start_month <= month <= end_month
    return month >= start_month or month <= end_month


def season_year(day: date, start_month: int, end_month: int) -> int | None:
    """The analysis year whose growing season holds ``day``, or None when ``day`` is in no growing season.

    A season within one calendar year (start <= end, e.g. June–September) belongs to that year. A season that
    crosses the new year (start > end, e.g. November–February, a southern-hemisphere summer) belongs to the year it
    ends in: the season of 2019 runs from November 2018 to February 2019, so each analysis year pools one whole
    season (docs/methods.md, composites)."""
    if not in_season(day.month, start_month, end_month):
        return None
    return day.year + 1 if start_month > end_month and day.month >= start_month else day.year


def season_dates(year: int, season: tuple[int, int]) -> tuple[date, date]:
    """First and last day of the growing season of analysis year ``year`` (:func:`season_year`): for a season that
    crosses the new year, from the start month of the year before to the end month of ``year``."""
    start_month, end_month = season
    first = year - 1 if start_month > end_month else year
    last = date(year + (end_month == 12), end_month % 12 + 1, 1)
    return date(first, start_month, 1), date.fromordinal(last.toordinal() - 1)


def epoch_years(year: int, window_years: int) -> list[int]:
    """Calendar years whose growing seasons feed the composite of epoch ``year``: ``window_years`` years (config
    ``composite.window_years``) centred on it (an even window reaches one year further forward): 1 -> [year];
    3 -> [year - 1, year, year + 1] (the mining-cities study's 2022 epoch averages 2021–2023);
    2 -> [year, year + 1].

    Raises
    ------
    ValueError
        For a window shorter than one year.
    """
    if window_years < 1:
        raise ValueError(f"composite.window_years = {window_years}: expected 1 or more")
    first = year - (window_years - 1) // 2
    return list(range(first, first + window_years))


def year_batches(years: list[int], tile_pixels: int, batch_px: int) -> dict[str, list[int]]:
    """The analysis years one composite job computes for one tile, by batch id: runs of consecutive ``years`` (in
    the given order) of ``batch_px // tile_pixels`` years each, at least one. A job's fixed cost (interpreter,
    imports, reading the acquisitions table) is about 0.4 s: the years of a small tile share one job, and a tile
    of ``batch_px`` pixels or more gets one job per year (the per-year parallelism of large regions).

    The batch id is the year (``"2016"``) or the first and last years joined by ``-`` (``"2016-2022"``); it names
    the job's output folder, ``composites/{id}/{tile}/``.

    Raises
    ------
    ValueError
        For no years, a tile without pixels or a negative ``batch_px``.
    """
    if not years or tile_pixels < 1 or batch_px < 0:
        raise ValueError(f"year_batches: years={years}, tile_pixels={tile_pixels}, batch_px={batch_px}: expected "
                         "at least one year, one pixel and batch_px >= 0")
    per_job = max(1, batch_px // tile_pixels)
    runs = [list(years[i:i + per_job]) for i in range(0, len(years), per_job)]
    return {str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}": run for run in runs}


def period_dates(options: dict, years: list[int]) -> dict[str, list[tuple[str, str]]]:
    """The date windows (ISO dates, inclusive, all months) of the vegetation and snow masks (methods.md §4.3).

    Vegetation: ``masks.vegetation_dates`` as one window (the Yangtze study used 2015-06-23 to 2016-06-23), else
    every analysis year as its own calendar-year window (a pixel is vegetated when it was in every one, so land
    mined at any time of the analysis period stays a candidate). Snow: one window over every month of
    ``masks.snow_years`` (the study: 2016–2022), else of all analysis years.
    """
    if options.get("vegetation_dates"):
        veg = [tuple(str(d) for d in options["vegetation_dates"])]
    else:
        veg = [(f"{y}-01-01", f"{y}-12-31") for y in years]
    first, last = options.get("snow_years") or (years[0], years[-1])
    return {"vegetation": veg, "snow": [(f"{first}-01-01", f"{last}-12-31")]}
