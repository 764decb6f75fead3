"""Study area of a region: river buffer (or AOI) clipped to the region, with sub-regions
(minerestore.mask.studyarea.study_area)."""

from minerestore.io import write_vector
from minerestore.mask import studyarea
from minerestore.raster.read import sample_float
from minerestore.raster.vector import read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    kinds = {"rivers": "lines", "aoi": "polygons", "subregions": "polygons"}
    where = {"aoi": sources.get("aoi_select")}
    layers = {k: read_vector(sources[k], grid.crs, kind, where.get(k)) if k in sources else None
              for k, kind in kinds.items()}

    def elevation(xs, ys):  # the main stem's two ends, sampled only when the sub-regions come from it
        return sample_float(sources["dem"], grid, xs, ys)

    try:
        zones = studyarea.study_area(grid, layers["rivers"], layers["aoi"], layers["subregions"],
                                     elevation if "dem" in sources else None,
                                     buffer_km=smk.params.buffer_km, subregion_field=smk.params.subregion_field,
                                     aoi_name=sources.get("aoi", "aoi"),
                                     subregions_name=sources.get("subregions", "subregions"))
    except ValueError as err:
        raise ValueError(f"region {smk.wildcards.region!r}: {err}") from err
    log.info("study area %.2f km² in %d sub-regions", zones["area_km2"].sum(), len(zones))
    write_vector(smk.output.study_area, zones)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
