"""Final mine polygons of a region from the chosen method (object_rf, candidates or reference): clipped to the
study area, with mine_id, area_km2, subregion and source (design.md §3)."""

from pathlib import Path

import geopandas as gpd
import shapely
import yaml

from minerestore import studyarea
from minerestore.ingest import reference_mines_path
from minerestore.io import write_vector
from minerestore.layers import read_vector
from minerestore.reference import load_reference
from minerestore.runlog import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    zones = gpd.read_file(smk.input.study_area)
    crs = zones.crs
    area = shapely.union_all(zones.geometry.to_numpy())
    method = smk.params.method
    if method == "reference":
        sources = yaml.safe_load(Path(smk.input.sources).read_text())
        path = reference_mines_path(sources)
        mines = load_reference(read_vector(path, crs), path, crs, area, smk.params.id_field)[["mine_id", "geometry"]]
    else:
        mines = gpd.read_file(smk.input.polygons).to_crs(crs)
        mines["geometry"] = mines.geometry.intersection(area)
        mines = mines[~mines.geometry.is_empty].reset_index(drop=True)
        mines.insert(0, "mine_id", [f"M{i + 1:04d}" for i in range(len(mines))])
    mines["area_km2"] = mines.geometry.area / 1e6
    mines["subregion"] = studyarea.assign_subregion(mines, zones)
    mines["source"] = method
    if mines.empty:
        log.warning("no mine identified in the study area: empty mines.gpkg written")
    log.info("%d mines, %.3f km² (%s)", len(mines), mines["area_km2"].sum(), method)
    write_vector(smk.output.mines, gpd.GeoDataFrame(mines[["mine_id", "area_km2", "subregion", "source", "geometry"]],
                                                    crs=crs))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
