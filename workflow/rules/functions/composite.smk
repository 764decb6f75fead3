"""Input functions and helpers of the composite rules (workflow/rules/composite.smk), which include this file."""

@functools.cache
def composite_batches(region):
    """The region's analysis years by composite batch id: the years one composite job computes for a tile
    (composite.batch_px, minerestore.seasons.year_batches)."""
    grid = region_grid(region)
    tile_pixels = min(TILE_PX, grid.height) * min(TILE_PX, grid.width)
    return year_batches(years(region), tile_pixels, value("composite.batch_px"))


def year_batch(region, year):
    """The id of the composite batch that computes ``year`` of ``region``."""
    return next(batch for batch, run in composite_batches(region).items() if year in run)


def composite_tiles(wildcards):
    """Input function: every tile's composite folder of the batch that computes the job's year."""
    return expand(
        rules.composite.output.composites,
        region=wildcards.region,
        years=year_batch(wildcards.region, int(wildcards.year)),
        tile=region_tiles(wildcards.region),
    )
