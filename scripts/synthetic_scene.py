"""Generate the embedded synthetic study area of a region (source: synthetic).

Writes a folder with acquisitions, DEM, land cover, water history, rivers, drivers and ground truth, and an
``inputs.yaml`` manifest that the ingest rule reads like a local region (see minerestore.synthetic.scene).
"""

import os
import shutil
from pathlib import Path

from minerestore.scripting import configure, run, timed
from minerestore.sources.synthetic.scene import SyntheticParams, generate


def main(smk) -> None:
    log = configure(smk.log[0])
    out = Path(smk.output.scene)
    tmp = out.with_name(f".tmp-{out.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    s = smk.params.synthetic
    params = SyntheticParams(
        seed=s["seed"], size_km=s["size_km"], resolution_m=s["resolution_m"], crs=smk.params.crs,
        years=list(smk.params.years), n_mines=s["n_mines"], s2_per_year=s["s2_per_year"],
        landsat_per_year=s["landsat_per_year"], out_of_season=s["out_of_season"], cloud_max=s["cloud_max"],
        footprints_file=s["footprints_file"], sensor=s["sensor"], modis_per_year=s["modis_per_year"], city=s["city"],
        mine_radius_m=s["mine_radius_m"], driver_effects=s["driver_effects"], realism=s["realism"],
        season=(smk.params.season["start_month"], smk.params.season["end_month"]),
    )
    with timed(log, "synthetic study area"):
        generate(params, tmp, workers=smk.threads)
    os.replace(tmp, out)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
