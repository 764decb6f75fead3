"""Masks + morphology + vectorisation throughput and peak memory at two raster sizes.

Usage:  .venv/bin/python benchmarks/masks_throughput.py [--sizes 2000 4000] [--years 7]

For each size N a synthetic N x N stack is built (7 yearly NDVI p90 / snow / obs layers, a 24-month water
history, land cover) with a patchy pattern; then, in a fresh process, the four masks, the opening + small-patch
removal and the vectorisation of the candidates are timed. Prints megapixels per second and peak RSS.
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


def step(n: int, years: int) -> dict:
    import numpy as np
    from affine import Affine

    from minerestore.mask import land as masks
    from minerestore.mask import patches
    from minerestore.raster.grid import Grid
    from minerestore.sources.synthetic.terrain import fractal_surface

    rng = np.random.default_rng(0)
    field = fractal_surface((n, n), 2.4, rng).astype(np.float32)
    ndvi_p90 = np.stack([field + rng.normal(0, 0.02, (n, n)).astype(np.float32) for _ in range(years)])
    n_obs = np.full((years, n, n), 4, np.float32)
    n_snow = (field > 0.95).astype(np.float32)[None].repeat(years, 0)
    history = np.where(field < 0.05, 2, 1).astype(np.uint8)[None].repeat(24, 0)
    landcover = np.where(field > 0.9, 50, 10)
    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, n * 10), n, n)
    start = time.perf_counter()
    masked = (masks.water_from_history(history, 0.1, 60, 10) | masks.vegetation(ndvi_p90, 0.55)
              | masks.snow(n_snow, n_obs, 0.2) | masks.builtup(landcover, [50]))
    candidates = patches.clean(~masked, patches.structuring_element("disk", 1), 2000, 10)
    frame = patches.vectorise(candidates, grid)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "megapixels": n * n / 1e6, "patches": len(frame),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000])
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument("--step", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, args.years)))
        return
    print(f"{'pixels':>12} {'patches':>8} {'seconds':>8} {'MP/s':>7} {'peak RSS MB':>12}")
    for n in args.sizes:
        proc = subprocess.run([sys.executable, __file__, "--step", str(n), "--years", str(args.years)],
                              capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{n}x{n:<7} {r['patches']:>8} {r['seconds']:>8.2f} {r['megapixels'] / r['seconds']:>7.2f} "
              f"{r['peak_rss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
