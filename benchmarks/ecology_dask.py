"""RSEI + REM on a large raster: dask chunks vs one in-memory array (throughput and peak memory).

Usage:  .venv/bin/pip install -e ".[bench]"   # rioxarray, the peer reader
        .venv/bin/python benchmarks/ecology_dask.py [--size 4000] [--chunk 1000]

A synthetic size x size scene (six reflectance bands, NDVI, LST) is written once to a GeoTIFF stack; then, each
in a fresh process, RSEI and REM are computed (a) reading everything into numpy and (b) reading lazily with
rioxarray/dask in ``chunk`` x ``chunk`` blocks and computing with the same functions. Reports seconds, MP/s and
peak RSS, and checks that the two give the same RSEI.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
NAMES = ("blue", "green", "red", "nir", "swir1", "swir2", "ndvi", "lst")


def make(path: Path, size: int) -> None:
    import rasterio
    from affine import Affine

    from minerestore.sources.synthetic.terrain import fractal_surface

    rng = np.random.default_rng(0)
    v = fractal_surface((size, size), 2.4, rng).astype(np.float32)
    veg = np.array([0.03, 0.06, 0.03, 0.36, 0.17, 0.08], np.float32)[:, None, None]
    soil = np.array([0.09, 0.13, 0.18, 0.24, 0.32, 0.28], np.float32)[:, None, None]
    bands = v * veg + (1 - v) * soil + rng.normal(0, 0.004, (6, size, size)).astype(np.float32)
    ndvi = (bands[3] - bands[2]) / (bands[3] + bands[2])
    lst = 310 - 12 * v + rng.normal(0, 0.5, (size, size)).astype(np.float32)
    data = np.concatenate([bands, ndvi[None], lst[None]]).astype(np.float32)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=8, dtype="float32",
                       crs="EPSG:32650", transform=Affine(10, 0, 0, 0, -10, size * 10), tiled=True,
                       blockxsize=512, blockysize=512) as dst:
        dst.write(data)
        for i, n in enumerate(NAMES, 1):
            dst.set_band_description(i, n)


def step(path: Path, mode: str, chunk: int) -> dict:
    from minerestore.ecology.rem import RemOptions, rem
    from minerestore.ecology.rsei import rsei
    from minerestore.indices import ndbsi, tasseled_cap

    start = time.perf_counter()
    if mode == "dask":
        import rioxarray

        stack = rioxarray.open_rasterio(path, chunks={"x": chunk, "y": chunk}).data
    else:
        import rasterio

        with rasterio.open(path) as src:
            stack = src.read()
    layers = dict(zip(NAMES, stack))
    bands = {k: layers[k] for k in NAMES[:6]}
    r = rsei(layers["ndvi"], tasseled_cap(bands, "wetness", "landsat_oli"), ndbsi(bands), layers["lst"])
    # REM with the schema's defaults (ecology.rao_window, soil_index, fvc_percentiles, imper_mode, imper_bci_threshold)
    m = rem(bands, layers["ndvi"], coefficients="landsat_oli",
            options=RemOptions(5, "rndsi", (5.0, 95.0), "binary", 0.3))
    index, rem_index = r.rsei, m.rem
    if mode == "dask":
        import dask

        index, rem_index = dask.compute(index, rem_index)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "checksum": float(np.nansum(index)), "megapixels": index.size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--step", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(Path(args.step[0]), args.step[1], args.chunk)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"ecology_{args.size}.tif"
    if not path.exists():
        subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO / 'benchmarks')!r}); "
                        f"import ecology_dask as e; from pathlib import Path; e.make(Path({str(path)!r}), {args.size})"],
                       check=True)
    results = {}
    for mode in ("numpy", "dask"):
        proc = subprocess.run([sys.executable, __file__, "--step", str(path), mode, "--chunk", str(args.chunk)],
                              capture_output=True, text=True, check=True)
        results[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[mode]
        print(f"{mode:>5}: {r['seconds']:.1f} s, {r['megapixels'] / r['seconds']:.2f} MP/s, peak RSS {r['peak_rss_mb']:.0f} MB")
    same = np.isclose(results["numpy"]["checksum"], results["dask"]["checksum"], rtol=1e-6)
    print(f"same RSEI: {same}")


if __name__ == "__main__":
    main()
