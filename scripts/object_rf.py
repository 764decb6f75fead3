"""Object-based random forest: segment the study area (or the candidate patches), label objects from the reference mines, tune and
fit the forest, report CV/OOB and permutation importance, predict and merge mine objects
(minerestore.identify.obia.object_rf)."""

from shapely.geometry import box

from minerestore.identify import obia
from minerestore.identify.reference import load_reference
from minerestore.io import write_table, write_vector
from minerestore.raster.vector import read_vector
from minerestore.raster.write import raster_writer
from minerestore.scripting import configure, run, timed
from minerestore.sources.contract import read_region, reference_mines_path


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    patches = read_vector(smk.input.patches, grid.crs).reset_index(drop=True)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, box(*grid.bounds), smk.params.id_field)
    zones = read_vector(smk.input.study_area, grid.crs)
    with timed(log, f"object random forest ({smk.params.identify['segmentation']['domain']})"):
        res = obia.object_rf(reference, grid, patches=patches, zones=zones, tile_px=smk.params.tile_px,
                             composites=list(smk.input.composites), dem_path=sources.get("dem"),
                             options=smk.params.identify, seed=smk.params.seed, threads=smk.threads)
    write_table(smk.output.features, res["features"].rename_axis("object").reset_index())
    write_table(smk.output.cv, res["cv"])
    write_table(smk.output.importance, res["importance"])
    write_table(smk.output.objects, res["roles"].rename_axis("object").reset_index())
    write_table(smk.output.split, res["split"])
    with raster_writer(smk.output.labels, grid.profile(1, "int32", 0), ["object"]) as dst:
        for window, labels in obia.object_label_tiles(res["objects"], grid, smk.params.tile_px):
            dst.write(labels[None], window=window)
    write_vector(smk.output.mines, res["mines"])


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
