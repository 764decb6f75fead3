"""Random forest with %IncMSE: minerestore (scikit-learn + per-tree OOB permutation) vs R randomForest.

Usage:  .venv/bin/python benchmarks/rf_vs_r.py [--samples 100000] [--drivers 10] [--trees 1000] [--jobs 2]

Same data (planted linear + non-linear effects, seeded) for both: a forest of ``--trees`` trees, mtry 3,
nodesize 5, with %IncMSE (R: importance=TRUE, then importance(type=1)). Ours runs on ``--jobs`` cores; R's
randomForest is single-threaded. Prints both wall times, their ratio, and the Spearman correlation of the two
importance rankings. Needs Rscript with the randomForest package (Debian: r-base-core r-cran-randomforest).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

R_CODE = """
suppressMessages(library(randomForest))
d <- read.csv("{data}")
x <- d[, setdiff(names(d), "y")]
set.seed(1)
t0 <- Sys.time()
rf <- randomForest(x, d$y, ntree = {trees}, mtry = 3, nodesize = 5, importance = TRUE)
imp <- importance(rf, type = 1, scale = TRUE)
elapsed <- as.numeric(difftime(Sys.time(), t0, units = "secs"))
write.csv(data.frame(driver = rownames(imp), inc_mse = imp[, 1], seconds = elapsed), "{out}", row.names = FALSE)
"""


def make_data(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    weights = np.linspace(2.0, 0.0, p)
    y = x @ weights + np.sin(2 * x[:, 1]) + 0.5 * x[:, 2] * x[:, 3] + rng.normal(0, 0.5, n)
    frame = pd.DataFrame(x, columns=[f"d{i:02d}" for i in range(p)])
    frame["y"] = y
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--drivers", type=int, default=10)
    parser.add_argument("--trees", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from minerestore.drivers.forest import inc_mse, random_forest

    data = make_data(args.samples, args.drivers)
    cols = [c for c in data.columns if c != "y"]
    start = time.perf_counter()
    forest = random_forest(args.trees, 3, 5, seed=1, n_jobs=args.jobs).fit(data[cols], data["y"])
    ours = inc_mse(forest, data[cols], data["y"], seed=1)
    ours_s = time.perf_counter() - start
    print(f"minerestore: {ours_s:.1f} s ({args.trees} trees, {args.samples} x {args.drivers}, {args.jobs} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        data.to_csv(Path(tmp) / "d.csv", index=False)
        code = R_CODE.format(data=Path(tmp) / "d.csv", out=Path(tmp) / "r.csv", trees=args.trees)
        start = time.perf_counter()
        subprocess.run(["Rscript", "-e", code], check=True, capture_output=True)
        r_wall = time.perf_counter() - start
        r = pd.read_csv(Path(tmp) / "r.csv")
    print(f"R randomForest: {r['seconds'].iloc[0]:.1f} s fit + importance ({r_wall:.1f} s with reading the CSV), 1 core")
    print(f"time ratio R / minerestore: {r['seconds'].iloc[0] / ours_s:.2f}")
    rho = stats.spearmanr(ours, r.set_index("driver").loc[cols, "inc_mse"]).statistic
    print(f"Spearman rank correlation of %IncMSE: {rho:.3f}")


if __name__ == "__main__":
    main()
