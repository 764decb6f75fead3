"""Masks of water, vegetation, snow and built-up land over the study area, and their areas (minerestore.masks).

Each mask uses its own period: the water history months of ``water_years`` (or the MNDWI of the yearly
composites when no history is given), the yearly NDVI percentile of ``vegetation_years``, the snow counts of
``snow_years``, the land-cover classes of ``builtup_classes``.
"""


import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling

from minerestore import masks
from minerestore.grid import Grid
from minerestore.io import write_raster, write_table
from minerestore.layers import burn, read_composites, read_region
from minerestore.raster import read_on_grid
from minerestore.runlog import configure

MASKS = ("water", "vegetation", "snow", "builtup")


def period(paths: list[str], years: list[int], span, key: str) -> list[str]:
    if span is None:
        return paths
    chosen = [p for p, y in zip(paths, years) if span[0] <= y <= span[1]]
    if not chosen:
        raise ValueError(f"config key masks.{key}: {span} holds none of the analysis years {years[0]}–{years[-1]}")
    return chosen


def water_history(path: str, grid: Grid, span) -> np.ndarray:
    with rasterio.open(path) as src:
        names = list(src.descriptions)
    bands = [i + 1 for i, n in enumerate(names) if n is None or span[0] <= int(str(n)[:4]) <= span[1]]
    if not bands:
        raise ValueError(f"{path}: no month of {span[0]}–{span[1]} (bands {names[:3]}…); set masks.water_years")
    return read_on_grid(path, grid, bands, resampling=Resampling.nearest, fill=0)


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    t, m = smk.params.thresholds, smk.params.masks
    paths, years = list(smk.input.composites), list(smk.params.years)
    inside = burn(gpd.read_file(smk.input.study_area).geometry, grid).astype(bool)
    if "water_history" in sources:
        water = masks.water_from_history(water_history(sources["water_history"], grid, m["water_years"]),
                                         t["water_ratio"], t["water_buffer_m"], grid.resolution)
    elif "water_occurrence" in sources:
        occurrence = read_on_grid(sources["water_occurrence"], grid, resampling=Resampling.nearest, fill=255)
        water = masks.water_from_occurrence(occurrence, t["water_ratio"], t["water_buffer_m"], grid.resolution)
    else:
        log.warning("no water history: water from MNDWI > %s of the yearly composites", t["mndwi_water"])
        c = read_composites(paths, ["green", "swir1"])
        water = masks.water_from_mndwi(c["green"], c["swir1"], t["mndwi_water"], t["water_ratio"],
                                       t["water_buffer_m"], grid.resolution)
    veg = read_composites(period(paths, years, m["vegetation_years"], "vegetation_years"), ["ndvi_p90"])
    vegetation = masks.vegetation(veg["ndvi_p90"], t["vegetation_p90_ndvi"])
    counts = read_composites(period(paths, years, m["snow_years"], "snow_years"), ["n_snow", "n_obs"])
    snow = masks.snow(counts["n_snow"], counts["n_obs"], t["snow_ratio"])
    if "landcover" in sources:
        builtup = masks.builtup(read_on_grid(sources["landcover"], grid, resampling=Resampling.nearest),
                                m["builtup_classes"])
    else:
        log.warning("no land-cover raster: built-up mask left empty")
        builtup = np.zeros(grid.shape, bool)
    layers = dict(zip(MASKS, (water, vegetation, snow, builtup)))
    remaining = inside & ~np.any(list(layers.values()), axis=0)
    px_km2 = grid.resolution**2 / 1e6
    total = inside.sum() * px_km2
    rows = [{"class": k, "area_km2": (v & inside).sum() * px_km2} for k, v in {**layers, "remaining": remaining}.items()]
    table = pd.DataFrame(rows)
    table["share_pct"] = 100 * table["area_km2"] / total
    for name, mask in layers.items():
        out = np.where(inside, mask.astype(np.uint8), 255).astype(np.uint8)
        write_raster(smk.output[name], out[None], grid.profile(1, "uint8", 255), [name], {"years": f"{years[0]}-{years[-1]}"})
    write_table(smk.output.areas, table)
    log.info("mask shares of the study area (%%): %s", table.set_index("class")["share_pct"].round(2).to_dict())


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
