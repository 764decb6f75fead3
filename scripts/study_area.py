"""Study area of a region: river buffer (or AOI) clipped to the region, with sub-regions (minerestore.studyarea)."""


import geopandas as gpd
import shapely
from shapely.geometry import box

from minerestore import studyarea
from minerestore.io import write_vector
from minerestore.layers import read_float, read_region, read_vector
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    region_box = box(*grid.bounds)
    rivers = read_vector(sources["rivers"], grid.crs) if "rivers" in sources else None
    if "aoi" in sources:
        area = shapely.union_all(read_vector(sources["aoi"], grid.crs).geometry.to_numpy()).intersection(region_box)
        if area.is_empty:
            raise ValueError(f"{sources['aoi']}: the AOI does not overlap the region grid")
    else:
        area = studyarea.river_buffer(rivers, smk.params.buffer_km * 1000.0, grid)
    if "subregions" in sources:
        zones = studyarea.from_polygons(area, read_vector(sources["subregions"], grid.crs), smk.params.subregion_field,
                                        grid.crs)
    elif rivers is not None and smk.params.subregion_field in rivers:
        zones = studyarea.from_river_attribute(area, rivers, smk.params.subregion_field, grid)
    elif rivers is not None and not rivers.empty:
        dem = read_float(sources["dem"], grid) if "dem" in sources else None
        stem = studyarea.main_stem(rivers, dem, grid)
        zones = studyarea.split_by_flow_distance(area, stem, grid)
    else:
        log.warning("no rivers and no sub-region file: one sub-region 'all'")
        zones = gpd.GeoDataFrame({"subregion": ["all"]}, geometry=[area], crs=grid.crs)
    zones = studyarea.finish(zones)
    log.info("study area %.2f km² in %d sub-regions", zones["area_km2"].sum(), len(zones))
    write_vector(smk.output.study_area, zones)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
