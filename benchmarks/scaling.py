"""Scaling of the workflow with the area: synthetic regions of 1x, 4x and 16x area, and a Yangtze-size dry run.

Usage:  .venv/bin/python benchmarks/scaling.py [--base-km 5] [--tile-px 250] [--factors 1 4 16] [--cores 2]

1. For each factor f, a synthetic region of side base_km * sqrt(f) at 10 m (mines scaled with the area) runs the
   whole workflow (`snakemake --cores N all`) with tiles of ``--tile-px``. From Snakemake's per-job benchmark
   files it reports, per rule: jobs, summed job seconds, seconds per megapixel of the region and the peak RSS of
   the largest job (as the job's log reports it, from the kernel; Snakemake's own sampling misses late peaks).
   The scene generator (synthetic_scene) is reported apart: it is the stand-in for data, not a workflow stage.
2. `snakemake -n --configfile config/yangtze.yaml`: wall time to build the DAG and the job counts.

The runs stay in benchmarks/results/scaling/x{factor}/ (a rerun resumes them: job times come from Snakemake's
benchmark files, so a resumed run reports the same numbers). Writes benchmarks/results/scaling.csv and prints the
tables.
"""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def region_config(side_km: float, factor: int, tile_px: int, results: Path) -> dict:
    return {
        "regions": {f"x{factor}": {
            "source": "synthetic", "sensor": "sentinel2", "lst_sensor": "landsat",
            "years": {"first": 2016, "last": 2022}, "crs": "EPSG:32650", "resolution": 10, "analysis_grid_m": 100,
            "synthetic": {"seed": 11, "size_km": side_km, "resolution_m": 10, "n_mines": max(4, 4 * factor),
                          "s2_per_year": 3, "landsat_per_year": 2}}},
        "tiles": {"size_px": tile_px, "whole_region_px": 0},  # stream every region: scaling of the tiled path
        "identify": {"rf": {"n_estimators": 100, "cv_folds": 3}},
        "drivers": {"n_estimators": 200},
        "results": str(results),
    }


def run_region(side_km: float, factor: int, tile_px: int, cores: int, work: Path) -> pd.DataFrame:
    results = work / f"x{factor}"
    config = work / f"x{factor}.yaml"
    config.write_text(yaml.safe_dump(region_config(side_km, factor, tile_px, results)))
    start = time.perf_counter()
    proc = subprocess.run([SNAKEMAKE, "--cores", str(cores), "--configfile", str(config), "--replace-workflow-config"],
                          cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        logs = sorted((results / f"x{factor}" / "logs").glob("*.log"), key=lambda p: p.stat().st_mtime)
        raise SystemExit(f"x{factor} failed; newest job log {logs[-1] if logs else '-'}:\n"
                         f"{logs[-1].read_text()[-3000:] if logs else proc.stderr[-3000:]}")
    rows = []
    for tsv in sorted((results / f"x{factor}" / "benchmarks").glob("*.tsv")):
        bench = pd.read_csv(tsv, sep="\t")
        rule = re.sub(r"_(\d{4}(-\d{4})?|r\d+c\d+|ndvi|bare|rsei|rem)(?=_|$)", "", tsv.stem)
        rows.append({"rule": rule, "s": float(bench["s"].iloc[0]),
                     "max_rss_mb": logged_peak(results / f"x{factor}" / "logs" / f"{tsv.stem}.log",
                                               float(bench["max_rss"].iloc[0]))})
    frame = pd.DataFrame(rows)
    grid = yaml.safe_load((results / f"x{factor}" / "inputs" / "grid.json").read_text())
    frame.attrs.update(wall=wall, megapixels=grid["width"] * grid["height"] / 1e6)
    return frame


def logged_peak(log: Path, sampled: float) -> float:
    """A job's peak RSS (MB) as its log reports it (minerestore.scripting: the kernel's VmHWM at exit), else
    Snakemake's benchmark value, which samples every 30 s after a job's first 30 s and misses later peaks."""
    from minerestore.scripting import PEAK_MEMORY

    lines = [ln for ln in log.read_text().splitlines() if PEAK_MEMORY in ln] if log.exists() else []
    return float(lines[-1].split(PEAK_MEMORY)[1].split()[0]) if lines else sampled


def summarise(frames: dict[int, pd.DataFrame]) -> pd.DataFrame:
    out = []
    for factor, frame in frames.items():
        mp = frame.attrs["megapixels"]
        per_rule = frame.groupby("rule").agg(jobs=("s", "size"), job_s=("s", "sum"), peak_rss_mb=("max_rss_mb", "max"))
        per_rule["s_per_mp"] = per_rule["job_s"] / mp
        per_rule = per_rule.reset_index().assign(factor=factor, megapixels=mp)
        workflow = per_rule[per_rule["rule"] != "synthetic_scene"]
        out.append(per_rule)
        out.append(pd.DataFrame([{"rule": "ALL (without synthetic_scene)", "jobs": workflow["jobs"].sum(),
                                  "job_s": workflow["job_s"].sum(), "peak_rss_mb": workflow["peak_rss_mb"].max(),
                                  "s_per_mp": workflow["job_s"].sum() / mp, "factor": factor, "megapixels": mp,
                                  "wall_s": frame.attrs["wall"]}]))
    return pd.concat(out, ignore_index=True)


def yangtze_dry_run() -> tuple[float, dict]:
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([SNAKEMAKE, "-n", "--quiet", "rules", "--configfile", "config/yangtze.yaml",
                               "--config", f"results={tmp}"], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return wall, {k: int(v) for k, v in re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.M)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-km", type=float, default=5.0)
    parser.add_argument("--tile-px", type=int, default=250)
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    frames = {}
    out = REPO / "benchmarks" / "results"
    work = out / "scaling"
    work.mkdir(parents=True, exist_ok=True)
    for factor in args.factors:
        side = args.base_km * math.sqrt(factor)
        frames[factor] = run_region(side, factor, args.tile_px, args.cores, work)
        print(f"x{factor}: {side:.1f} km side, {frames[factor].attrs['megapixels']:.2f} MP, "
              f"wall {frames[factor].attrs['wall']:.0f} s", flush=True)
    table = summarise(frames)
    table.to_csv(out / "scaling.csv", index=False)
    pd.set_option("display.width", 160)
    pivot = table.pivot_table(index="rule", columns="factor", values=["s_per_mp", "peak_rss_mb"], aggfunc="first")
    print(pivot.round(1).to_string())
    print(table[table["rule"].str.startswith("ALL")].round(2).to_string(index=False))
    wall, counts = yangtze_dry_run()
    print(f"Yangtze dry run: DAG built in {wall:.1f} s; jobs {counts}")


if __name__ == "__main__":
    main()
