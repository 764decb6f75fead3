"""What reading a real Sentinel-2 Level-1C scene costs, and how much of it is the cloud detector.

Usage:  .venv/bin/python benchmarks/level1c_read.py [--repeat 3] [--rows 1946]

On the cloud-free Virginia crop (../shared/data/sentinel2-l1c-virginia: 13 band files, 10/20/60 m, no QA60), on
the grid of its 10 m bands (``--rows`` rows of it), each step ``--repeat`` times in this process, median taken:
(a) ``raw``: the six value bands (B02, B03, B04, B08, B11, B12) read whole with rasterio, no re-projection;
(b) ``observation``: minerestore's read of the acquisition (re-projection onto the grid, TOA scaling, the cloud
    mask, the NDSI snow rule), what a composite pays per scene;
(c) ``detector``: s2cloudless alone (:func:`minerestore.sources.clouds.cloud_mask`: ten bands averaged onto
    60 m cells, the LightGBM model, averaging and dilation), the part of (b) a scene with QA60 does not pay.
Prints megapixels per second of each and the share of (b) that (c) is, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import functools
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
CROP = REPO.parent / "shared" / "data" / "sentinel2-l1c-virginia"


def timed(step, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import rasterio
    from rasterio.windows import Window

    from minerestore.raster.grid import Grid
    from minerestore.sources import acquisitions
    from minerestore.sources.clouds import cloud_mask

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1946)
    args = parser.parse_args()
    if not CROP.exists():
        sys.exit(f"{CROP} not present (needs ../shared/data beside the repository)")
    acq = acquisitions.Acquisition(str(CROP / "s2_{band}.jp2"), date(2015, 8, 15), "sentinel2_l1c")
    with rasterio.open(CROP / "s2_B04.jp2") as src:
        grid = Grid(src.crs.to_string(), src.transform, src.width, min(args.rows, src.height))
    window = Window(0, 0, grid.width, grid.height)
    mp = grid.width * grid.height / 1e6

    def raw():
        for band in ("B02", "B03", "B04", "B08", "B11", "B12"):
            with rasterio.open(CROP / f"s2_{band}.jp2") as src:
                src.read(1, window=Window(0, 0, src.width, min(src.height, grid.height * 10 // int(src.res[0]))))

    steps = {"raw": raw,
             "observation": lambda: acquisitions.read_observation(acq, grid, window, conservative_scl=False),
             "detector": lambda: cloud_mask(functools.partial(acquisitions.toa_bands, acq), grid, window)}
    cloud_mask(functools.partial(acquisitions.toa_bands, acq), grid, Window(0, 0, 64, 64))  # imports, model load
    seconds = {name: timed(step, args.repeat) for name, step in steps.items()}
    print(f"{grid.height} x {grid.width} px ({mp:.2f} MP), median of {args.repeat}")
    for name, s in seconds.items():
        print(f"  {name:12s} {s:7.2f} s  {mp / s:6.2f} MP/s")
    print(f"  detector share of the observation: {seconds['detector'] / seconds['observation']:.0%}")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
