"""Agreement of our mine polygons with another mine product (minerestore.identify.accuracy.agreement)."""

import geopandas as gpd
import pandas as pd
import shapely

from minerestore.identify.accuracy import agreement
from minerestore.io import write_table
from minerestore.raster.vector import read_mines, read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_sources


def main(smk) -> None:
    log = configure(smk.log[0])
    sources = read_sources(smk.input.sources)
    name = smk.wildcards.product
    mines = read_mines(smk.input.mines)
    zones = gpd.read_file(smk.input.study_area)
    other = read_vector(sources["mine_products"][name], mines.crs)
    other = other[other.geometry.intersects(shapely.union_all(zones.geometry.to_numpy()))]
    if other.empty:  # an agreement of 0 % would read as disagreement: there is nothing to agree with
        log.warning("mine product %s (%s) has no polygon in the study area (another region, or another CRS?): its "
                    "agreement is not computed (NaN)", name, sources["mine_products"][name])
        result = {k: float("nan") for k in agreement(mines.iloc[:0], mines.iloc[:0])}
    else:
        result = agreement(mines, other)
    log.info("agreement with %s: %s", name, result)
    write_table(smk.output.agreement, pd.DataFrame([{"product": name, **result}]))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
