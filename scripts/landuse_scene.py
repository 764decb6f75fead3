"""The synthetic GF-2-like scene of an open-pit mining area and its land-use truth (regions.<name>.landuse.synthetic;
minerestore.sources.synthetic.gf2): the image and labels of the land-use stage's offline reproduction."""

from minerestore.landuse.classes import class_table
from minerestore.scripting import configure, run
from minerestore.sources.synthetic.gf2 import write_gf2_scene


def main(smk) -> None:
    log = configure(smk.log[0])
    scene = smk.params.scene
    codes = {c.abbreviation: c.code for c in class_table(smk.params.classes)}
    shares = write_gf2_scene(smk.output.image, smk.output.labels, size_px=scene["size_px"],
                             resolution_m=scene["resolution_m"], seed=scene["seed"], crs=scene["crs"], codes=codes)
    log.info("GF-2-like scene of %d x %d px at %g m; class shares %s", scene["size_px"], scene["size_px"],
             scene["resolution_m"], ", ".join(f"{k} {100 * v:.1f} %" for k, v in shares.items()))


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
