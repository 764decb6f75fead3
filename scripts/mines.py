"""Final mine polygons of a region from the chosen method (object_rf, candidates or reference), clipped to the
study area (minerestore.identify.mines.finalise)."""

import geopandas as gpd
import shapely

from minerestore.identify import mines as final
from minerestore.identify.reference import load_reference
from minerestore.io import write_vector
from minerestore.raster.vector import read_vector
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_sources, reference_mines_path


def main(smk) -> None:
    log = configure(smk.log[0])
    zones = gpd.read_file(smk.input.study_area)
    method = smk.params.method
    if method == "reference":
        path = reference_mines_path(read_sources(smk.input.sources))
        area = shapely.union_all(zones.geometry.to_numpy())
        polygons = load_reference(read_vector(path, zones.crs), path, zones.crs, area, smk.params.id_field)
    else:
        polygons = gpd.read_file(smk.input.polygons)
    mines = final.finalise(polygons, zones, method)
    if mines.empty:
        log.warning("no mine identified in the study area: empty mines.gpkg written")
    log.info("%d mines, %.3f km² (%s)", len(mines), mines["area_km2"].sum(), method)
    write_vector(smk.output.mines, mines)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
