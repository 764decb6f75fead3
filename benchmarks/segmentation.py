"""Segmentation networks: training seconds per epoch and inference megapixels per second, on the CPU and on a GPU
when torch sees one, with the peak memory of each network's process.

Usage:  .venv/bin/python benchmarks/segmentation.py [--task mines|landuse] [--patches 48] [--patch 256]
        [--image 1024] [--epochs 2] [--methods ...] [--width 16] [--encoder resnet18] [--device auto]

``--task mines`` (default): the binary mine networks (7 input bands as the default inputs with slope; default
methods unet and deeplabv3plus), trained by ``minerestore.identify.segmentation.train`` (batch 8, rotations and
flips, cross-entropy + Dice) on ``--patches`` random patches with a planted square.
``--task landuse``: the land-use networks of the U-Net+ study (4 bands as GF-2, 7 classes; default methods its six:
fcn8s segnet unet resunet unetplusplus unetplus), trained by the land-use loop
(``minerestore.identify.segmentation.fit_epochs``: Adam, cross-entropy, batch 8) on patches holding seven planted
classes.

Each network then predicts a ``--image`` px square by sliding windows of the patch size overlapping by a quarter.
Each network runs in its own process, so its peak memory is its own. Prints one JSON line per network and device:
seconds per epoch (wall, and the process's CPU seconds), megapixels per second of inference, parameters, peak
resident memory of the process (MB) and, on a GPU, its peak allocated memory (MB).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from minerestore.identify import segmentation as seg  # noqa: E402


def planted(n: int, size: int, bands: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise patches with squares of each class but 0 planted, each class shifting every band by its own amount."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, bands, size, size)).astype(np.float32)
    y = np.zeros((n, size, size), np.uint8)
    side = size // 6
    shift = rng.normal(0, 2.5, (classes, bands)).astype(np.float32)
    for i in range(n):
        for k in range(1, classes):
            r, c = rng.integers(0, size - side, 2)
            x[i, :, r:r + side, c:c + side] += shift[k][:, None, None]
            y[i, r:r + side, c:c + side] = k
    return x, y


def train_landuse(model, x, y, args, dev) -> dict:
    import torch

    generator = torch.Generator().manual_seed(0)
    n_val = max(1, len(x) // 5)
    fit, val = np.arange(n_val, len(x)), np.arange(n_val)
    loss = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def batches():
        order = fit[torch.randperm(len(fit), generator=generator).numpy()]
        for idx in seg.batch_indexes(order, 8):
            yield xt[idx], yt[idx]

    def evaluate(model):
        model.eval()
        with torch.no_grad():
            return float(np.mean([float(loss(model(xt[val[i:i + 8]].to(dev)), yt[val[i:i + 8]].to(dev)))
                                  for i in range(0, len(val), 8)]))

    return seg.fit_epochs(model, batches, evaluate, loss, dev=dev, epochs=args.epochs, learning_rate=1e-3,
                          cosine=False, patience=None, min_delta=0.0)


def run(method: str, args) -> dict:
    import torch

    from minerestore.identify.networks import NETWORKS

    dev = seg.device(args.device)
    seg.seeded(0, args.threads)
    bands, classes = (4, 7) if args.task == "landuse" else (7, 2)
    x, y = planted(args.patches, args.patch, bands, classes, 0)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    cpu = time.process_time()
    if args.task == "landuse":
        model = NETWORKS[method].build(bands, classes, encoder=args.encoder, width=args.width)
        fit = train_landuse(model, x, y, args, dev)
    else:
        model = seg.build_model(method, bands, args.encoder, None, args.width)
        options = {"epochs": args.epochs, "batch_size": 8, "learning_rate": 1e-3, "validation_fraction": 0.2,
                   "patience": args.epochs}
        fit = seg.train(model, x, y, options=options, seed=0, dev=dev)
    cpu = time.process_time() - cpu
    image = np.random.default_rng(1).normal(0, 1, (bands, args.image, args.image)).astype(np.float32)
    start = time.perf_counter()
    seg.class_probabilities(model, image, patch=args.patch, overlap=args.patch // 4, dev=dev)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    out = {"task": args.task, "method": method, "device": str(dev),
           "name": torch.cuda.get_device_name(0) if dev.type == "cuda" else f"CPU, {torch.get_num_threads()} threads",
           "width": args.width, "encoder": args.encoder, "patches": args.patches, "patch_px": args.patch,
           "parameters": sum(p.numel() for p in model.parameters()),
           "seconds_per_epoch": round(float(np.mean([h["seconds"] for h in fit["history"]])), 2),
           "cpu_seconds_per_epoch": round(cpu / len(fit["history"]), 2),
           "inference_megapixels_per_s": round(args.image**2 / 1e6 / seconds, 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if dev.type == "cuda":
        out["peak_gpu_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="mines", choices=["mines", "landuse"])
    parser.add_argument("--patches", type=int, default=48)
    parser.add_argument("--patch", type=int, default=256)
    parser.add_argument("--image", type=int, default=1024)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--width", type=int, default=16, help="network size (minerestore.identify.networks)")
    parser.add_argument("--encoder", default="resnet18", help="encoder of the segmentation-models-pytorch networks")
    parser.add_argument("--methods", nargs="+")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    methods = args.methods or (["fcn8s", "segnet", "unet", "resunet", "unetplusplus", "unetplus"]
                               if args.task == "landuse" else ["unet", "deeplabv3plus"])
    context = multiprocessing.get_context("spawn")
    for method in methods:
        with context.Pool(1) as pool:
            print(json.dumps(pool.apply(run, (method, args))), flush=True)


if __name__ == "__main__":
    main()
