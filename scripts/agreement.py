"""Agreement of our mine polygons with another mine product (minerestore.accuracy.agreement)."""

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import yaml

from minerestore.accuracy import agreement
from minerestore.io import write_table
from minerestore.layers import read_mines, read_vector
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    sources = yaml.safe_load(Path(smk.input.sources).read_text())
    name = smk.wildcards.product
    mines = read_mines(smk.input.mines)
    zones = gpd.read_file(smk.input.study_area)
    other = read_vector(sources["mine_products"][name], mines.crs)
    other = other[other.geometry.intersects(shapely.union_all(zones.geometry.to_numpy()))]
    result = agreement(mines, other)
    log.info("agreement with %s: %s", name, result)
    write_table(smk.output.agreement, pd.DataFrame([{"product": name, **result}]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
