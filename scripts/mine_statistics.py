"""Mines by area class, type, sub-region, elevation, slope and distance to the river, and their kernel density (the
object-based study's Tables 5-8 and Fig. 5; minerestore.identify.statistics)."""

import pandas as pd

from minerestore.identify import statistics
from minerestore.identify.reference import mine_types
from minerestore.io import write_table
from minerestore.raster.vector import read_mines, read_vector
from minerestore.raster.write import write_raster
from minerestore.scripting import configure, run
from minerestore.sources.contract import read_region, reference_mines_path


def typed_layer(sources: dict, crs: str):
    """The layer that gives mine types: the mine-rights file, else the reference mines (None without either)."""
    path = sources.get("mine_rights")
    if path is None:
        try:
            path = reference_mines_path(sources)
        except KeyError:
            return None, None
    return read_vector(path, crs), path


def main(smk) -> None:
    log = configure(smk.log[0])
    grid, sources = read_region(smk.input.grid, smk.input.sources)
    mines, options = read_mines(smk.input.mines), smk.params.statistics
    field = smk.params.type_field
    typed, path = typed_layer(sources, grid.crs) if field else (None, None)
    terrain = statistics.terrain(mines, grid, sources["dem"], smk.params.tile_px) if "dem" in sources else None
    rivers = statistics.river_distance_km(mines, read_vector(sources["rivers"], grid.crs, "lines")) \
        if "rivers" in sources else None
    attributes = statistics.mine_attributes(mines, terrain_table=terrain, river_km=rivers,
                                            types=mine_types(mines, typed, field, path), options=options)
    why = {"mine_type": "regions.<name>.reference_type_field is not set or not in the file",
           "elevation_band": "the region has no DEM", "slope_band": "the region has no DEM",
           "river_band": "the region has no rivers file"}
    for by in statistics.GROUPINGS:
        if by in attributes:
            table = statistics.by_class(attributes, by)
            log.info("mines by %s:\n%s", by, table.to_string(index=False))
        else:
            table = pd.DataFrame(columns=[by, "mines", "mines_pct", "total_area_km2", "mean_area_km2", "area_pct"])
            log.info("no table of mines by %s: %s", by, why[by])
        write_table(getattr(smk.output, by), table)
    density, coarse, bandwidth = statistics.kernel_density(mines, grid, cell_m=options["kde_cell_m"],
                                                           bandwidth_km=options["kde_bandwidth_km"])
    log.info("kernel density: bandwidth %.3f km, peak %.3f mines/km²", bandwidth, float(density.max()))
    write_raster(smk.output.density, density[None], coarse.profile(1), ["mines_per_km2"],
                 {"bandwidth_km": f"{bandwidth:.6g}", "kernel": "gaussian"})
    write_table(smk.output.attributes, attributes)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
