"""Join the tiles of a yearly raster into a virtual mosaic (VRT) with the tiles' band names and tags
(minerestore.tiles)."""

from pathlib import Path

import rasterio

from minerestore.grid import Grid
from minerestore.runlog import configure
from minerestore.tiles import write_vrt


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.from_json(Path(smk.input.grid).read_text())
    tiles = {Path(p).stem: p for p in smk.input.tiles}
    with rasterio.open(next(iter(tiles.values()))) as src:
        names, dtype, nodata, tags = list(src.descriptions), src.dtypes[0], src.nodata, src.tags()
    write_vrt(smk.output.mosaic, grid, tiles, smk.params.tile_px, names, dtype, nodata, tags)
    log.info("%d tiles -> %s", len(tiles), smk.output.mosaic)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
