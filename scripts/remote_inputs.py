"""Join a remote region's per-tile fetch records into virtual mosaics, inputs.yaml, acquisitions.csv and the
provenance manifest.csv, read by ingest like a synthetic scene (minerestore.sources.remote)."""

from pathlib import Path

import yaml

from minerestore.raster.grid import Grid
from minerestore.scripting import configure, run
from minerestore.sources.remote import inputs_manifest


def tile_of(path: str) -> str:
    return Path(path).stem


def main(smk) -> None:
    log = configure(smk.log[0])
    static = {tile_of(p): yaml.safe_load(Path(p).read_text()) for p in smk.input.static}
    fetched = [(tile_of(p), yaml.safe_load(Path(p).read_text())) for p in smk.input.years]
    counts = inputs_manifest(smk.params.region, Grid.read(smk.input.grid), size_px=smk.params.tile_px,
                             static=static, fetched=fetched, workdir=smk.params.workdir,
                             out_dir=Path(smk.output.manifest).parent)
    log.info("acquisitions by what they were fetched for (manifest.csv, column purpose): %s", counts)


if __name__ == "__main__":
    run(main, snakemake)  # noqa: F821 - injected by Snakemake
