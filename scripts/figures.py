"""Charts of one region's tables and the map of its mines by Mann–Kendall status (minerestore.report.plots): mines
by status, BSP, restoration rates, REM, I_veg/I_imper, mines vs region, rings, size classes, random forest fit. PNG
(300 dpi) and SVG under figures/ (the other maps: scripts/map_figures.py)."""

from pathlib import Path

import geopandas as gpd
import pandas as pd

from minerestore.raster.vector import read_mines, read_vector
from minerestore.report import plots
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    out = Path(smk.output[0]).parent
    status = pd.read_csv(smk.input.mann_kendall, dtype={"mine_id": str})[["mine_id", "status"]]
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    rivers = read_vector(sources["rivers"], grid.crs) if "rivers" in sources else None
    mines = read_mines(smk.input.mines).merge(status, on="mine_id", how="left")
    plots.save(plots.mines_status_map(gpd.read_file(smk.input.study_area), mines, grid.crs, rivers), out / "mines_status")
    bsp = pd.read_csv(smk.input.bsp, dtype={"mine_id": str}).merge(status, on="mine_id", how="left")
    plots.save(plots.bsp_boxplots(bsp, whiskers=smk.params.whiskers), out / "bsp_boxplots")
    plots.save(plots.restoration_rate_boxplots(pd.read_csv(smk.input.rates_mines)), out / "restoration_rate_boxplots")
    stats = pd.read_csv(smk.input.ecology_mines, dtype={"mine_id": str}).merge(status, on="mine_id", how="left")
    plots.save(plots.rem_boxplots(stats, whiskers=smk.params.whiskers), out / "rem_boxplots")
    plots.save(plots.veg_imper_lines(stats), out / "veg_imper")
    plots.save(plots.mine_vs_region(pd.read_csv(smk.input.region)), out / "mine_vs_region")
    fig, fit = plots.rings_curve(pd.read_csv(smk.input.rings))
    log.info("ring fit: %s", fit)
    plots.save(fig, out / "rings_curve")
    plots.save(plots.area_classes(pd.read_csv(smk.input.area_classes)), out / "area_classes")
    metrics = pd.read_csv(smk.input.rf_metrics).iloc[0].to_dict()
    plots.save(plots.observed_vs_predicted(pd.read_csv(smk.input.rf_test), metrics), out / "rf_observed_predicted")
    log.info("figures written to %s", out)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
