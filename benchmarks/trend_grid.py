"""Pixel-wise Mann–Kendall: ``mann_kendall_grid`` vs a per-pixel pymannkendall loop, and chunked throughput.

Usage:  .venv/bin/python benchmarks/trend_grid.py [--size 1000] [--loop-sample 20000] [--big 10000]

1. A 7 x size x size stack (NDVI-like values with trends, 10 % NaN, ties from rounding to 0.01) is processed by
   ``mann_kendall_grid``; the per-pixel ``pymannkendall.original_test`` loop is timed on ``--loop-sample`` pixels
   of the same stack and extrapolated to all pixels (the full loop takes many minutes); both give identical
   results on the sample (checked). Reports the speed-up and the peak RSS of the grid step.
2. A 7 x big x big stack is processed in row chunks generated on the fly (never held whole): megapixels per
   second and peak RSS. Each measurement runs in its own process.
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
ALPHA = 0.05  # the schema's default thresholds.mk_alpha (the study's)


def make_stack(rows: int, cols: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    years = np.arange(7, dtype=np.float32)[:, None, None]
    trend = rng.choice([-0.04, 0.0, 0.04], size=(1, rows, cols)).astype(np.float32)
    stack = 0.5 + trend * years + rng.normal(0, 0.03, (7, rows, cols)).astype(np.float32)
    stack = np.round(stack, 2)
    stack[rng.uniform(size=stack.shape) < 0.1] = np.nan
    return stack


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_grid(size: int) -> dict:
    from minerestore.restoration.trend import mann_kendall_grid

    stack = make_stack(size, size, 0)
    before = rss_mb()
    start = time.perf_counter()
    mann_kendall_grid(stack, ALPHA)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": rss_mb(), "rss_before_mb": before}


def step_loop(size: int, sample: int) -> dict:
    import warnings

    import pymannkendall as mk

    from minerestore.restoration.trend import mann_kendall_grid

    stack = make_stack(size, size, 0)
    flat = stack.reshape(7, -1)
    idx = np.random.default_rng(1).choice(flat.shape[1], sample, replace=False)
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    slopes = []
    for i in idx:
        x = flat[:, i]
        slopes.append(mk.original_test(x).slope if np.isfinite(x).sum() >= 2 else np.nan)
    seconds = time.perf_counter() - start
    grid = mann_kendall_grid(flat[:, idx][:, None, :].astype(np.float64), ALPHA)
    assert np.allclose(grid["slope"][0], np.array(slopes), equal_nan=True)
    return {"seconds_sample": seconds, "sample": sample, "seconds_all": seconds * flat.shape[1] / sample}


def step_big(size: int, block: int) -> dict:
    from minerestore.restoration.trend import mann_kendall_grid

    start = time.perf_counter()
    for r in range(0, size, block):
        rows = min(block, size - r)
        mann_kendall_grid(make_stack(rows, size, r), ALPHA)
    return {"seconds": time.perf_counter() - start, "megapixels": size * size / 1e6, "peak_rss_mb": rss_mb()}


def run(*args) -> dict:
    proc = subprocess.run([sys.executable, __file__, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--loop-sample", type=int, default=20000)
    parser.add_argument("--big", type=int, default=10000)
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--step", choices=["grid", "loop", "big"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "grid":
        print(json.dumps(step_grid(args.size)))
    elif args.step == "loop":
        print(json.dumps(step_loop(args.size, args.loop_sample)))
    elif args.step == "big":
        print(json.dumps(step_big(args.big, args.block)))
    else:
        grid = run("--step", "grid", "--size", args.size)
        loop = run("--step", "loop", "--size", args.size, "--loop-sample", args.loop_sample)
        print(f"7 x {args.size} x {args.size}: grid {grid['seconds']:.1f} s (peak RSS {grid['peak_rss_mb']:.0f} MB, "
              f"{grid['rss_before_mb']:.0f} MB before); pymannkendall loop {loop['seconds_sample']:.1f} s for "
              f"{loop['sample']} px -> {loop['seconds_all']:.0f} s for all; speed-up "
              f"{loop['seconds_all'] / grid['seconds']:.0f}x")
        if args.big:
            big = run("--step", "big", "--big", args.big, "--block", args.block)
            print(f"7 x {args.big} x {args.big} in {args.block}-row chunks: {big['seconds']:.0f} s, "
                  f"{big['megapixels'] / big['seconds']:.2f} MP/s, peak RSS {big['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
