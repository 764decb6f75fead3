"""Gather a remote region's fetch records into inputs.yaml, acquisitions.csv and the provenance manifest.csv,
read by ingest like a synthetic scene (minerestore.remote)."""

from pathlib import Path

import yaml

from minerestore.remote import inputs_manifest
from minerestore.runlog import configure


def main(smk) -> None:
    configure(smk.log[0])
    static = yaml.safe_load(Path(smk.input.static).read_text())
    years = [yaml.safe_load(Path(p).read_text()) for p in smk.input.years]
    inputs_manifest(smk.params.region, static, years, smk.params.workdir, Path(smk.output.manifest).parent)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 - injected by Snakemake
