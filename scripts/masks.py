"""Masks of water, vegetation, snow and built-up land over the study area, and their areas (minerestore.masks).

Each mask uses its own period: the water history months of ``water_years`` (or the MNDWI of the yearly
composites when no history is given), the yearly NDVI percentile of ``vegetation_years``, the snow counts of
``snow_years``, the land-cover classes of ``builtup_classes``. The region is processed tile by tile
(tiles.size_px) with a margin as wide as the water buffer, so memory is bounded by the tile.
"""


import contextlib

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling

from minerestore import masks
from minerestore.grid import Grid
from minerestore.io import raster_writer, write_table
from minerestore.layers import burn, read_composites, read_region
from minerestore.raster import read_on_grid
from minerestore.runlog import configure
from minerestore.tiles import halo_windows, tile_grid

MASKS = ("water", "vegetation", "snow", "builtup")


def period(paths: list[str], years: list[int], span, key: str) -> list[str]:
    if span is None:
        return paths
    chosen = [p for p, y in zip(paths, years) if span[0] <= y <= span[1]]
    if not chosen:
        raise ValueError(f"config key masks.{key}: {span} holds none of the analysis years {years[0]}–{years[-1]}")
    return chosen


def water_history(path: str, grid: Grid, span, window) -> np.ndarray:
    with rasterio.open(path) as src:
        names = list(src.descriptions)
    bands = [i + 1 for i, n in enumerate(names) if n is None or span[0] <= int(str(n)[:4]) <= span[1]]
    if not bands:
        raise ValueError(f"{path}: no month of {span[0]}–{span[1]} (bands {names[:3]}…); set masks.water_years")
    return read_on_grid(path, grid, bands, window, resampling=Resampling.nearest, fill=0)


def tile_masks(grid: Grid, window, sources: dict, paths: list[str], years: list[int], t: dict, m: dict) -> dict:
    """The four masks on one (padded) window of the region grid."""
    wgrid = tile_grid(grid, window)
    if "water_history" in sources:
        water = masks.water_from_history(water_history(sources["water_history"], grid, m["water_years"], window),
                                         t["water_ratio"], t["water_buffer_m"], grid.resolution)
    elif "water_occurrence" in sources:
        occurrence = read_on_grid(sources["water_occurrence"], grid, 1, window, Resampling.nearest, fill=255)
        water = masks.water_from_occurrence(occurrence, t["water_ratio"], t["water_buffer_m"], grid.resolution)
    else:
        c = read_composites(paths, ["green", "swir1"], window)
        water = masks.water_from_mndwi(c["green"], c["swir1"], t["mndwi_water"], t["water_ratio"],
                                       t["water_buffer_m"], grid.resolution)
    veg = read_composites(period(paths, years, m["vegetation_years"], "vegetation_years"), ["ndvi_p90"], window)
    counts = read_composites(period(paths, years, m["snow_years"], "snow_years"), ["n_snow", "n_obs"], window)
    if "landcover" in sources:
        builtup = masks.builtup(read_on_grid(sources["landcover"], grid, 1, window, Resampling.nearest),
                                m["builtup_classes"])
    else:
        builtup = np.zeros(wgrid.shape, bool)
    return {"water": water, "vegetation": masks.vegetation(veg["ndvi_p90"], t["vegetation_p90_ndvi"]),
            "snow": masks.snow(counts["n_snow"], counts["n_obs"], t["snow_ratio"]), "builtup": builtup}


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    t, m = smk.params.thresholds, smk.params.masks
    paths, years = list(smk.input.composites), list(smk.params.years)
    if "water_history" not in sources and "water_occurrence" not in sources:
        log.warning("no water history: water from MNDWI > %s of the yearly composites", t["mndwi_water"])
    if "landcover" not in sources:
        log.warning("no land-cover raster: built-up mask left empty")
    study_area = gpd.read_file(smk.input.study_area).geometry
    halo = int(np.ceil(t["water_buffer_m"] / grid.resolution)) + 1  # the water buffer reaches across tile edges
    counts = dict.fromkeys([*MASKS, "remaining", "inside"], 0)
    tags = {"years": f"{years[0]}-{years[-1]}"}
    with contextlib.ExitStack() as stack:
        writers = {name: stack.enter_context(raster_writer(smk.output[name], grid.profile(1, "uint8", 255), [name], tags))
                   for name in MASKS}
        for window, padded, inner in halo_windows(grid, smk.params.tile_px, halo):
            layers = {k: v[inner] for k, v in tile_masks(grid, padded, sources, paths, years, t, m).items()}
            inside = burn(study_area, tile_grid(grid, window)).astype(bool)
            for name, mask in layers.items():
                writers[name].write(np.where(inside, mask, 255).astype(np.uint8)[None], window=window)
                counts[name] += int((mask & inside).sum())
            counts["remaining"] += int((inside & ~np.any(list(layers.values()), axis=0)).sum())
            counts["inside"] += int(inside.sum())
    px_km2 = grid.resolution**2 / 1e6
    table = pd.DataFrame([{"class": k, "area_km2": counts[k] * px_km2} for k in (*MASKS, "remaining")])
    table["share_pct"] = 100 * table["area_km2"] / (counts["inside"] * px_km2)
    write_table(smk.output.areas, table)
    log.info("mask shares of the study area (%%): %s", table.set_index("class")["share_pct"].round(2).to_dict())


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
