"""OOB error of the object forest per segmentation scale and sample scheme (the object-based study's Tables 9-10;
minerestore.identify.obia.sensitivity), with the grid search's best parameters."""

import pandas as pd
from shapely.geometry import box

from minerestore.identify import obia
from minerestore.identify.reference import load_reference
from minerestore.io import write_table
from minerestore.raster.vector import read_vector
from minerestore.scripting import configure, run, timed
from minerestore.sources.contract import read_region, reference_mines_path


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    path = reference_mines_path(sources)
    reference = load_reference(read_vector(path, grid.crs), path, grid.crs, box(*grid.bounds), smk.params.id_field)
    options = smk.params.identify
    parameters = obia.best_parameters(pd.read_csv(smk.input.cv), list(options["rf"]["param_grid"]))
    with timed(log, f"sensitivity to the scale {options['sensitivity']['scales']}, forest {parameters}"):
        table = obia.sensitivity(reference, grid, patches=read_vector(smk.input.patches, grid.crs).reset_index(drop=True),
                                 zones=read_vector(smk.input.study_area, grid.crs), tile_px=smk.params.tile_px,
                                 composites=list(smk.input.composites), dem_path=sources.get("dem"), options=options,
                                 parameters=parameters, seed=smk.params.seed, threads=smk.threads)
    log.info("OOB error by scale and scheme:\n%s", table.to_string(index=False))
    write_table(smk.output.table, table)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
