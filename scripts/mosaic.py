"""Join the tiles of a yearly raster into a virtual mosaic (VRT) with the tiles' band names and tags
(minerestore.raster.mosaic)."""

from pathlib import Path

from minerestore.raster.grid import Grid
from minerestore.raster.mosaic import mosaic_tiles
from minerestore.scripting import configure


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    tiles = {Path(p).stem: p for p in smk.input.tiles}
    mosaic_tiles(smk.output.mosaic, grid, tiles, smk.params.tile_px)
    log.info("%d tiles -> %s", len(tiles), smk.output.mosaic)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
