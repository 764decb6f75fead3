"""Masks of water, vegetation, snow and built-up land over the study area, and their areas
(minerestore.mask.land.region_masks: each mask over its own period, tile by tile with a margin as wide as the
water buffer)."""

import contextlib

import geopandas as gpd
import pandas as pd
import rasterio

from minerestore.io import write_table
from minerestore.mask import land
from minerestore.raster.write import raster_writer
from minerestore.scripting import configure, run
from minerestore.raster.read import sample_values
from minerestore.sources.contract import absent_classes, read_region


def reflectance(path) -> str:
    """The ``reflectance`` tag of a composite (surface, top-of-atmosphere or both)."""
    with rasterio.open(path) as src:
        return src.tags().get("reflectance", "")


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    t, years = smk.params.thresholds, list(smk.params.years)
    log.info("vegetation from the windows %s, snow from %s (every month)",
             ", ".join(f"{a} to {b}" for a, b in smk.params.periods["vegetation"]),
             ", ".join(f"{a} to {b}" for a, b in smk.params.periods["snow"]))
    if "water_history" not in sources and "water_occurrence" not in sources:
        log.warning("no water history: water from MNDWI > %s of the yearly composites", t["mndwi_water"])
        toa = [p for p in smk.input.composites if "top-of-atmosphere" in reflectance(p)]
        if toa:
            log.warning("%d composites are of top-of-atmosphere reflectance (Level-1 products: Sentinel-2 Level-1C, "
                        "Landsat Level-1), whose MNDWI runs "
                        "higher than that of surface reflectance (the path radiance brightens green more than "
                        "SWIR1): shaded vegetation passes MNDWI > %s as water (on the Virginia crop, 888 specks of 1-4 "
                        "pixels on its farmland, each then buffered by the water buffer). Give a water history or occurrence raster, or raise "
                        "thresholds.mndwi_water", len(toa), t["mndwi_water"])
    if "landcover" not in sources:
        log.warning("no land-cover raster: built-up mask left empty")
    else:
        absent, found = absent_classes(*sample_values(sources["landcover"], grid), smk.params.masks["builtup_classes"])
        if absent:
            log.warning("masks.builtup_classes %s: no pixel of %s holds %s (its codes: %s); the built-up mask misses "
                        "them - set the classes of that product's legend", smk.params.masks["builtup_classes"],
                        sources["landcover"], absent, found[:20])
    study_area = gpd.read_file(smk.input.study_area).geometry
    counts = []
    with contextlib.ExitStack() as stack:
        writers = {name: stack.enter_context(raster_writer(smk.output[name], grid.profile(1, "uint8", 255), [name],
                                                           {"years": f"{years[0]}-{years[-1]}"}))
                   for name in land.MASKS}
        periods = {"vegetation": smk.input.vegetation_period, "snow": smk.input.snow_period}
        for window, masks, inside in land.region_masks(grid, study_area, sources, list(smk.input.composites),
                                                       periods=periods, thresholds=t, options=smk.params.masks,
                                                       tile_px=smk.params.tile_px):
            for name, mask in masks.items():
                writers[name].write(mask[None], window=window)
            counts.append(land.area_table(masks, inside))
    table = land.area_shares(pd.concat(counts), grid.resolution)
    write_table(smk.output.areas, table)
    log.info("mask shares of the study area (%%): %s", table.set_index("class")["share_pct"].round(2).to_dict())


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
