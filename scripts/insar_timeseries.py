"""Cumulative displacement per date of chosen mines from a MintPy timeseries.h5 (the DeepLabV3 / OBIA / SBAS-InSAR
study's Fig. 10; minerestore.restoration.insar.displacement_series): the table and the figure."""

import pandas as pd

from minerestore.io import write_table
from minerestore.raster.vector import read_mines
from minerestore.report import plots
from minerestore.restoration import insar
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    _, sources = read_region(smk.input.grid, smk.input.sources)
    options = smk.params.insar
    activity = pd.read_csv(smk.input.activity, dtype={"mine_id": str})
    chosen = insar.chosen_mines(activity, options["timeseries_mines"], options["timeseries_count"])
    mines = read_mines(smk.input.mines).set_index("mine_id").loc[chosen].reset_index()
    series = insar.displacement_series(mines, sources["insar"]["timeseries"], units=options["units"])
    series = series.merge(activity[["mine_id", "insar_class"]], on="mine_id", how="left")
    log.info("displacement of %d mines at %d dates; last date:\n%s", series["mine_id"].nunique(),
             series["date"].nunique(), series.groupby("mine_id").tail(1).to_string(index=False))
    write_table(smk.output.table, series)
    plots.save(plots.insar_timeseries(series), smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
