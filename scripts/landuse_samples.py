"""The samples of the land-use networks (minerestore.landuse.samples): the labels on the image's own grid, the
patches with their random training / validation split, the labelled pixels of each class and the normalisation of
the image bands over the training patches."""

import pandas as pd
from rasterio.windows import Window

from minerestore.io import write_table
from minerestore.landuse import samples
from minerestore.landuse.classes import class_table
from minerestore.scripting import configure, run


def main(smk) -> None:
    log = configure(smk.log[0])
    table = class_table(smk.params.classes)
    image, region = smk.input.image, smk.params.region
    composite = region["composite"]
    names = region["bands"] or (["blue", "green", "red", "nir"] if composite else None)
    indexes, bands = samples.band_indexes(image, names, in_file_order=not composite)
    grid = samples.image_grid(image)
    log.info("image %s: %d x %d px of %g, bands %s", image, grid.width, grid.height, grid.resolution, bands)
    samples.patch_windows(grid, smk.params.patch_px)  # an image smaller than a patch stops here, before any work
    samples.no_data_share(image, indexes)
    samples.check_overlap(smk.input.labels, image, grid)
    source = samples.LabelSource(smk.input.labels, grid, table, region["class_field"])
    samples.write_labels(source, grid, smk.params.tile_px, smk.output.labels)
    patches = samples.patch_table(smk.output.labels, image, indexes, grid, table, patch=smk.params.patch_px,
                                  train_fraction=smk.params.train_fraction, seed=smk.params.seed)
    train = patches[patches["role"] == "train"]
    windows = [Window(c, r, smk.params.patch_px, smk.params.patch_px) for r, c in zip(train["row"], train["col"])]
    mean, std = samples.normalisation(image, indexes, windows)
    write_table(smk.output.patches, patches)
    write_table(smk.output.classes, samples.class_pixels(patches, table))
    write_table(smk.output.normalisation, pd.DataFrame({"band": bands, "index": indexes, "mean": mean, "std": std}))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
