"""One figure of the mines of a region (minerestore.report.plots): the mines by class or their kernel density (the
object-based study's Tables 5-8 and Fig. 5), or the accuracy by mine type (the DeepLabV3 / OBIA study's Fig. 6)."""

import pandas as pd
import rasterio

from minerestore.raster.vector import read_mines
from minerestore.report import plots
from minerestore.scripting import configure, run


def figure(smk):
    name = smk.wildcards.mines_figure
    if name == "mine_statistics":
        return plots.mine_statistics({by: pd.read_csv(path) for by, path in smk.input.items()})  # one per grouping
    if name == "mine_density":
        with rasterio.open(smk.input.density) as src:
            density, bounds, crs = src.read(1), tuple(src.bounds), src.crs
            bandwidth = float(src.tags()["bandwidth_km"])
        return plots.mine_density(density, bounds, read_mines(smk.input.mines), bandwidth, crs)
    table = pd.read_csv(smk.input.by_type)
    scope = "test" if (table["scope"] == "test").any() else "all"  # the mines the method did not train on
    return plots.accuracy_by_type(table[table["scope"] == scope])


def main(smk) -> None:
    configure(smk.log[0])
    plots.save(figure(smk), smk.output.figure.removesuffix(".png"))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
