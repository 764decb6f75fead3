"""Segmentation networks: training seconds per epoch and inference megapixels per second, on the CPU and on a GPU
when torch sees one, with peak memory.

Usage:  .venv/bin/python benchmarks/segmentation.py [--patches 48] [--patch 256] [--image 1024] [--epochs 2]
        [--methods unet deeplabv3plus] [--device auto]

Each network (resnet18 encoder, 7 input bands as the default inputs with slope) is trained for ``--epochs`` on
``--patches`` random patches with planted squares (``minerestore.identify.segmentation.train``: batch 8,
rotations and flips, cross-entropy + Dice), then predicts a ``--image`` px square image by sliding windows of the
patch size overlapping by a quarter. Prints one JSON line per network and device: seconds per epoch, megapixels
per second of inference, peak resident memory of the process (MB) and, on a GPU, its peak allocated memory (MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from minerestore.identify import segmentation as seg  # noqa: E402


def planted(n: int, size: int, bands: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, bands, size, size)).astype(np.float32)
    y = np.zeros((n, size, size), np.uint8)
    side = size // 6
    for i in range(n):
        r, c = rng.integers(0, size - side, 2)
        x[i, :, r:r + side, c:c + side] += 2.5
        y[i, r:r + side, c:c + side] = 1
    return x, y


def run(method: str, dev, args) -> dict:
    import torch

    seg.seeded(0, args.threads)
    x, y = planted(args.patches, args.patch, 7, 0)
    model = seg.build_model(method, 7, "resnet18", None)
    options = {"epochs": args.epochs, "batch_size": 8, "learning_rate": 1e-3, "validation_fraction": 0.2,
               "patience": args.epochs}
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    fit = seg.train(model, x, y, options=options, seed=0, dev=dev)
    image = np.random.default_rng(1).normal(0, 1, (7, args.image, args.image)).astype(np.float32)
    start = time.perf_counter()
    seg.predict(model, image, patch=args.patch, overlap=args.patch // 4, dev=dev)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    out = {"method": method, "device": str(dev), "name": torch.cuda.get_device_name(0) if dev.type == "cuda" else
           f"CPU, {torch.get_num_threads()} threads", "patches": args.patches, "patch_px": args.patch,
           "seconds_per_epoch": round(float(np.mean([h["seconds"] for h in fit["history"]])), 2),
           "inference_megapixels_per_s": round(args.image**2 / 1e6 / seconds, 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if dev.type == "cuda":
        out["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patches", type=int, default=48)
    parser.add_argument("--patch", type=int, default=256)
    parser.add_argument("--image", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", nargs="+", default=["unet", "deeplabv3plus"])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    dev = seg.device(args.device)
    for method in args.methods:
        print(json.dumps(run(method, dev, args)), flush=True)


if __name__ == "__main__":
    main()
