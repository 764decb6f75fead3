"""BSP, mean NDVI and mean REM by year of chosen mines (config report.mine_series: the listed mines and the largest
of each restoration status), each with its Sen's slope line and the mine's Mann–Kendall status
(minerestore.report.mine_series, minerestore.report.plots.mine_indicator_series). PNG (300 dpi) and SVG."""

import pandas as pd

from minerestore.raster.grid import Grid
from minerestore.raster.vector import read_mines
from minerestore.report import mine_series, plots
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    options = smk.params.mine_series
    mines = read_mines(smk.input.mines)
    status = pd.read_csv(smk.input.mann_kendall, dtype={"mine_id": str})
    chosen = mine_series.chosen_mines(mines, status, options["mines"], options["largest_per_status"],
                                      smk.wildcards.region)
    log.info("series of %d mines: %s", len(chosen), ", ".join(chosen) or "none (no mines identified)")
    picked = mines.set_index("mine_id").loc[chosen].reset_index()
    ndvi = mine_series.ndvi_means(picked, Grid.read(smk.input.grid), list(smk.input.composites),
                                  list(smk.params.years), tile_px=smk.params.tile_px)
    series = mine_series.indicator_table(chosen, pd.read_csv(smk.input.bsp, dtype={"mine_id": str}),
                                         pd.read_csv(smk.input.ecology_mines, dtype={"mine_id": str}), ndvi)
    rows = status.set_index("mine_id").loc[chosen, ["status", "p_used"]].reset_index()
    empty = "no mines identified" if mines.empty else "no mines chosen (report.mine_series)"
    figure = plots.mine_indicator_series(series, mine_series.trend_lines(series), rows, empty=empty)
    plots.save(figure, smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
