"""The interactive map of a region (minerestore.report.webmap): figures/map.html, one HTML file that opens offline,
with the mines by restoration status from the mine summary over the study area, and the last year's RSEI and the
trend maps as overlays read decimated to at most WEB_PX a side."""

import geopandas as gpd

from minerestore.raster.grid import Grid
from minerestore.raster.read import read_preview
from minerestore.raster.vector import read_mines
from minerestore.report.webmap import WEB_PX, rsei_overlay, trend_overlay, web_map, write_map
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    region, year = smk.wildcards.region, smk.params.years[-1]
    overlays = [rsei_overlay(read_preview(smk.input.rsei, "rsei", WEB_PX), year)]
    overlays += [trend_overlay(read_preview(path, "slope", WEB_PX), name)
                 for name, path in zip(smk.params.trends, smk.input.trends)]
    summary = read_mines(smk.input.summary)
    study_area = gpd.read_file(smk.input.study_area)
    layout = web_map(study_area, summary, overlays, grid.bounds, region=region, crs=grid.crs)
    write_map(smk.output.map, layout, f"minerestore: {region}")
    log.info("map of %d mines and %d overlays written to %s", len(summary), len(overlays), smk.output.map)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
