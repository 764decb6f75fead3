"""Join the tiles of each layer into a virtual mosaic (VRT) with the tiles' band names and tags
(minerestore.raster.mosaic): every named output is the mosaic of the named input of the same name. With
params.member, each input is a tile's folder (named by the tile id) and the mosaic joins the file of that name in
each (the composites of a batch of years)."""

from pathlib import Path

from minerestore.raster.grid import Grid
from minerestore.raster.mosaic import mosaic_tiles
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    grid = Grid.read(smk.input.grid)
    member = smk.params.get("member")
    for name, mosaic in smk.output.items():
        tiles = {Path(p).stem: Path(p, member) if member else p for p in getattr(smk.input, name)}
        mosaic_tiles(mosaic, grid, tiles, smk.params.tile_px)
        log.info("%s: %d tiles -> %s", name, len(tiles), mosaic)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
