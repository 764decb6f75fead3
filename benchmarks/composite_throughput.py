"""Composite throughput vs merely reading the same bytes with rasterio, and peak memory, at two scene sizes.

Usage:  .venv/bin/python benchmarks/composite_throughput.py [--sizes 5 10] [--out benchmarks/results]

For each size (km, at 10 m) a synthetic scene is generated once; then, each in a fresh process (so peak RSS is
that step's own), one growing season is (a) read band by band with rasterio (every band of every acquisition
used, whole file) and (b) composited with minerestore (quality masks, scaling, warping, medians, percentile).
Throughput is output megapixels per second on one core; the ratio (b)/(a) says how close compositing is to
I/O speed. Results are printed as a table and written to composite_throughput.csv.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

YEAR = 2016


def season(scene: Path):

    from minerestore.sources.acquisitions import read_table
    from minerestore.sources.common import in_season

    acqs = [a for a in read_table(scene / "acquisitions.csv") if a.date.year == YEAR and in_season(a.date.month, 6, 9)]
    return [a for a in acqs if a.sensor.startswith("sentinel2")], [a for a in acqs if a.sensor.startswith("landsat")]


def step(kind: str, scene: Path) -> dict:
    import numpy as np
    import rasterio
    import yaml

    from minerestore.composite.season import composite_blocks
    from minerestore.raster.grid import Grid

    manifest = yaml.safe_load((scene / "inputs.yaml").read_text())
    grid = Grid.from_bounds(manifest["crs"], tuple(manifest["bounds"]), manifest["resolution"])
    s2, landsat = season(scene)
    start = time.perf_counter()
    if kind == "read":
        total = 0.0
        for acq in s2 + landsat:
            with rasterio.open(acq.path) as src:
                for band in range(1, src.count + 1):
                    total += float(src.read(band).sum())
    else:
        for _, bands in composite_blocks(s2, landsat, grid, block_rows=512):
            np.nansum(bands["ndvi"])
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "megapixels": grid.width * grid.height / 1e6,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5.0, 10.0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--step", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        from minerestore.sources.synthetic.scene import SyntheticParams, generate

        size = float(args.generate[0])
        generate(SyntheticParams(size_km=size, years=[YEAR], n_mines=max(4, int(size * size / 3))), Path(args.generate[1]))
        return
    if args.step:
        print(json.dumps(step(args.step[0], Path(args.step[1]))))
        return
    import pandas as pd

    rows = []
    for size in args.sizes:
        scene = args.out / f"scene_{size:g}km"
        if not (scene / "inputs.yaml").exists():  # in its own process: Linux keeps ru_maxrss across fork/exec
            subprocess.run([sys.executable, __file__, "--generate", str(size), str(scene)], check=True)
        result = {}
        for kind in ("read", "composite"):
            proc = subprocess.run([sys.executable, __file__, "--step", kind, str(scene)], capture_output=True,
                                  text=True, check=True)
            result[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
        mp = result["composite"]["megapixels"]
        rows.append({
            "size_km": size, "megapixels": mp,
            "read_mp_per_s": mp / result["read"]["seconds"],
            "composite_mp_per_s": mp / result["composite"]["seconds"],
            "composite_to_read_ratio": result["read"]["seconds"] / result["composite"]["seconds"],
            "read_peak_rss_mb": result["read"]["peak_rss_mb"],
            "composite_peak_rss_mb": result["composite"]["peak_rss_mb"],
        })
    frame = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "composite_throughput.csv", index=False)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
