"""Driver attribution: %IncMSE and IncNodePurity as R defines them (by hand and against R's randomForest when
present), correlation, sample checks, ranking, driver-stack geometry."""

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from rasterio.enums import Resampling
from scipy import stats
from sklearn.ensemble import RandomForestRegressor

from minerestore.drivers import forest as drivers
from minerestore.drivers import stack as driver_stack
from minerestore.raster.grid import Grid


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(n, 5)), columns=["strong", "medium", "weak", "noise1", "noise2"])
    y = 3 * x["strong"] + 1.5 * x["medium"] + 0.5 * x["weak"] + rng.normal(0, 0.5, n)
    return x, y.to_numpy()


def test_inc_mse_matches_a_hand_loop_over_trees():
    x, y = data(200)
    forest = drivers.random_forest(n_estimators=8, mtry=2, nodesize=5, seed=1).fit(x, y)
    xs = x.to_numpy(np.float32)
    rngs = np.random.default_rng(5).spawn(8)
    deltas = []
    for tree, in_bag, rng in zip(forest.estimators_, forest.estimators_samples_, rngs):
        oob = np.setdiff1d(np.arange(len(y)), in_bag)
        base = np.mean((tree.predict(xs[oob]) - y[oob]) ** 2)
        row = np.zeros(5)
        for j in sorted(set(tree.tree_.feature[tree.tree_.feature >= 0])):
            perm = xs[oob].copy()
            perm[:, j] = rng.permutation(perm[:, j])
            row[j] = np.mean((tree.predict(perm) - y[oob]) ** 2) - base
        deltas.append(row)
    deltas = np.array(deltas)
    mean = deltas.mean(0)
    se = np.sqrt((deltas**2).mean(0) - mean**2) / np.sqrt(8)
    np.testing.assert_allclose(drivers.inc_mse(forest, x, y, seed=5, scale=False), mean)
    np.testing.assert_allclose(drivers.inc_mse(forest, x, y, seed=5), mean / se)


def test_inc_mse_ranks_the_planted_drivers():
    x, y = data()
    forest = drivers.random_forest(n_estimators=150, mtry=2, nodesize=5, seed=0).fit(x, y)
    imp = drivers.inc_mse(forest, x, y, seed=0)
    assert list(np.argsort(-imp)[:3]) == [0, 1, 2]
    with pytest.raises(ValueError, match="training rows"):
        drivers.inc_mse(forest, x.iloc[:100], y[:100], seed=0)
    with pytest.raises(ValueError, match="bootstrap"):
        drivers.inc_mse(RandomForestRegressor(n_estimators=2, bootstrap=False).fit(x, y), x, y, seed=0)


def test_inc_node_purity_of_a_stump_by_hand():
    x = pd.DataFrame({"a": [0, 0, 1, 1], "b": [0, 1, 0, 1]})
    y = np.array([1.0, 1.0, 5.0, 7.0])
    forest = RandomForestRegressor(n_estimators=1, max_depth=1, bootstrap=False, max_features=None,
                                   random_state=0).fit(x, y)
    # root RSS: mean 3.5 -> 6.25+6.25+2.25+12.25 = 27; split on a: left RSS 0, right (5, 7) RSS 2 -> decrease 25
    np.testing.assert_allclose(drivers.inc_node_purity(forest), [25.0, 0.0])


def test_correlation_and_constant_driver():
    rng = np.random.default_rng(2)
    y = rng.normal(size=50)
    frame = pd.DataFrame({"pos": y + rng.normal(0, 0.3, 50), "neg": -y, "const": np.ones(50)})
    frame.loc[3, "pos"] = np.nan
    out = drivers.correlation(y, frame, "pearson").set_index("driver")
    ok = np.isfinite(frame["pos"])
    ref = stats.pearsonr(frame["pos"][ok], y[ok])
    assert out.loc["pos", "r"] == pytest.approx(ref.statistic) and out.loc["pos", "n"] == 49
    assert out.loc["neg", "r"] == pytest.approx(-1.0)
    assert np.isnan(out.loc["const", "r"])
    sp = drivers.correlation(y, frame, "spearman").set_index("driver")
    assert sp.loc["neg", "r"] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="'kendall'"):
        drivers.correlation(y, frame, "kendall")


@pytest.mark.bad_input
def test_usable_samples():
    frame = pd.DataFrame({"x": range(6), "y": range(6), "rsei": [0.1, 0.2, np.nan, 0.4, 0.5, 0.6],
                          "a": [1.0, 2, 3, np.nan, 5, 6], "c": [7.0] * 6})
    rows, kept, report = drivers.usable_samples(frame, "rsei", 3)
    assert kept == ["a"] and report["constant"] == ["c"] and report["dropped_rows"] == 2 and len(rows) == 4
    with pytest.raises(ValueError, match=r"only 4 complete samples.*minimum 10.*5 analysis pixels have rsei.*1 of them "
                                         r"miss a driver.*analysis_grid_m.*min_valid_fraction"):
        drivers.usable_samples(frame, "rsei", 10)
    with pytest.raises(ValueError, match=r"no analysis pixel has a rsei value.*set drivers.year to a year with data"):
        drivers.usable_samples(frame.assign(rsei=np.nan), "rsei", 3)  # not "use a finer grid": it would not help
    with pytest.raises(ValueError, match=r"every driver is constant over the study area \(a, c\), so the forest has "
                                         r"nothing .*\(regions.<name>.drivers\)"):  # scikit-learn: max_features Got 0
        drivers.usable_samples(frame.assign(a=2.0), "rsei", 3)
    options = {"min_samples": 10, "correlation": "pearson"}
    with pytest.raises(ValueError, match=r"region 'changjiang': only 4 complete samples.*snakemake --keep-going "
                                         r"finishes them"):
        drivers.fit_region(frame, options, seed=0, region="changjiang")


def test_ranking_across_regions():
    imp = pd.DataFrame({"region": ["a"] * 3 + ["b"] * 3, "driver": ["p", "q", "r"] * 2,
                        "inc_mse_pct": [10, 5, 1, 3, 8, 1]})
    out = drivers.ranking(imp).set_index("driver")
    assert out.loc["p", "rank_a"] == 1 and out.loc["q", "rank_b"] == 1
    assert out.loc["p", "mean_rank"] == 1.5 and out.loc["r", "mean_rank"] == 3
    assert out["overall_rank"].tolist() == [1, 2, 3] and out.index[-1] == "r"


def test_distance_share_and_obstruction():
    fine = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 1000), 100, 100)
    coarse = driver_stack.analysis_grid(fine, 100)
    mines = np.zeros(fine.shape, bool)
    mines[0:10, 0:10] = True  # the top-left analysis pixel, fully
    mines[95, 99] = True  # 1 % of a bottom-right analysis pixel
    share_px = driver_stack.tiled_mean(lambda w: mines[w.toslices()].astype(np.float32), fine, coarse, 64)
    whole = driver_stack.to_grid(mines.astype(np.float32), fine, coarse, Resampling.average)
    np.testing.assert_allclose(share_px, whole, atol=1e-6)  # tiles of 64 px cut analysis pixels of 10 px
    assert share_px[0, 0] == 1 and share_px[9, 9] == pytest.approx(0.01)
    mines[95, 99] = False
    share_px[9, 9] = 0
    dist = driver_stack.distance_to_mines(share_px, coarse)
    assert dist[0, 0] == 0 and dist[0, 3] == pytest.approx(300) and dist[4, 3] == pytest.approx(500)
    wall = np.zeros(coarse.shape, bool)
    wall[:9, 2] = True  # a wall one pixel east of the mine, open at the bottom row
    around = driver_stack.distance_to_mines(share_px, coarse, wall)
    assert np.isnan(around[0, 2]) and around[0, 3] > 1500
    share = driver_stack.mine_share_window(share_px, coarse, window_km=0.3)
    # 3 x 3 window at the corner holds 4 region pixels, one of them a mine
    assert share[0, 0] == pytest.approx(25.0) and share[5, 5] == 0


R_SCRIPT = """
suppressMessages(library(randomForest))
d <- read.csv("{data}")
train <- d[d$role == "train", ]; test <- d[d$role == "test", ]
x <- train[, {cols}]
set.seed(1)
rf <- randomForest(x, train$y, ntree = 500, mtry = 2, importance = TRUE)
imp <- importance(rf, type = 1, scale = TRUE)
pred <- predict(rf, test[, {cols}])
r2 <- 1 - sum((test$y - pred)^2) / sum((test$y - mean(test$y))^2)
write.csv(data.frame(driver = rownames(imp), inc_mse = imp[, 1], r2 = r2), "{out}", row.names = FALSE)
"""


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript not installed")
def test_against_r_random_forest(tmp_path):
    check = subprocess.run(["Rscript", "-e", "library(randomForest)"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("R package randomForest not installed")
    x, y = data(1500, seed=3)
    frame = x.assign(y=y)
    fit = drivers.fit_forest(frame, "y", list(x.columns), n_estimators=500, mtry=2, nodesize=5, train_fraction=0.7,
                             split_block_km=None, seed=1)
    roles = pd.Series("test", index=frame.index)
    roles[fit["train"].index] = "train"
    frame.assign(role=roles).to_csv(tmp_path / "d.csv", index=False)
    cols = "c(" + ", ".join(f'"{c}"' for c in x.columns) + ")"
    script = R_SCRIPT.format(data=tmp_path / "d.csv", cols=cols, out=tmp_path / "r.csv")
    subprocess.run(["Rscript", "-e", script], check=True, capture_output=True)
    r = pd.read_csv(tmp_path / "r.csv").set_index("driver")
    ours = fit["importance"].set_index("driver")["inc_mse_pct"]
    rho = stats.spearmanr(ours[r.index], r["inc_mse"]).statistic
    print(f"Spearman(ours, R %IncMSE) = {rho:.3f}; R² ours {fit['metrics']['r2']:.3f}, R {r['r2'].iloc[0]:.3f}")
    assert rho >= 0.9
    assert abs(fit["metrics"]["r2"] - r["r2"].iloc[0]) < 0.05


@pytest.mark.bad_input
def test_driver_outside_the_region_is_named(tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "far.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32", crs="EPSG:32650",
                       transform=from_origin(900000, 100000, 100, 100), nodata=-9999) as dst:
        dst.write(np.ones((1, 4, 4), np.float32))
    target = Grid("EPSG:32650", Affine(100, 0, 0, 0, -100, 1000), 10, 10)
    with pytest.raises(ValueError, match=r"far.tif: driver 'gdp' does not overlap the region"):
        driver_stack.user_driver(path, "gdp", target)
    near = driver_stack.user_driver(path, "gdp", Grid("EPSG:32650", Affine(100, 0, 900000, 0, -100, 100000), 4, 4))
    assert np.allclose(near, 1.0)


@pytest.mark.bad_input
def test_a_driver_holding_a_fill_value_other_than_its_declared_no_data_is_refused(tmp_path):
    """A GDP raster that declares NaN as no data but holds -9999 over the sea: the -9999 pixels passed the check
    (only files without a declared no-data value were looked at) and entered the forest as GDP."""
    import rasterio
    from rasterio.transform import from_origin

    path = tmp_path / "gdp.tif"
    values = np.full((10, 10), 2.5e4, np.float32)
    values[:, :3] = -9999
    with rasterio.open(path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32", crs="EPSG:32650",
                       transform=from_origin(0, 1000, 100, 100), nodata=np.nan) as dst:
        dst.write(values, 1)
    target = Grid("EPSG:32650", Affine(100, 0, 0, 0, -100, 1000), 10, 10)
    with pytest.raises(ValueError, match=r"driver 'gdp' .*gdp.tif: 30 sampled pixels hold -9999, a fill value, but "
                                         r"the file declares nan as its no-data value"):
        driver_stack.user_driver(path, "gdp", target)


def test_a_driver_that_stops_short_of_a_city_is_an_error_naming_both():
    rsei = np.full((10, 10), 0.5, np.float32)
    rsei[:, 0] = np.nan  # outside the study area: not sampled, so not counted
    half = np.full((10, 10), 1.0, np.float32)
    half[:, :6] = np.nan  # covers 4 of the 9 sampled columns
    layers = {"gdp": half, "dem": np.ones((10, 10), np.float32), "distance_to_mine": half}
    sources = {"drivers": {"gdp": "/data/gdp_2019.tif"}, "dem": "/data/dem.tif"}
    with pytest.raises(ValueError, match=r"region 'handan': driver 'gdp' \(/data/gdp_2019.tif\) covers 44.4% of the "
                                         r"90 analysis pixels"):
        driver_stack.check_coverage(layers, rsei, sources, "handan", 0.95)
    shares = driver_stack.check_coverage(layers, rsei, sources, "handan", 0.4)
    assert shares["gdp"] == pytest.approx(4 / 9) and shares["dem"] == 1.0
    # computed drivers are not the user's rasters: never refused
    assert driver_stack.check_coverage({"distance_to_mine": half}, rsei, {}, "handan", 0.95)["distance_to_mine"] < 0.5


@pytest.mark.bad_input
def test_a_block_split_keeps_test_pixels_apart_from_training_pixels():
    """drivers.split_block_km: whole blocks go to training or testing, so no test pixel shares a block with a
    training pixel; the study's random split mixes them."""
    rng = np.random.default_rng(0)
    xs, ys = np.meshgrid(np.arange(40) * 500.0 + 250, np.arange(40) * 500.0 + 250)
    frame = pd.DataFrame({"x": xs.ravel(), "y": ys.ravel(), "a": rng.normal(size=1600), "b": rng.normal(size=1600)})
    frame["rsei"] = 0.5 + 0.1 * frame["a"]
    common = dict(n_estimators=20, mtry=1, nodesize=5, train_fraction=0.7, seed=0)
    blocks = drivers.fit_forest(frame, "rsei", ["a", "b"], split_block_km=4.0, **common)
    key = lambda f: set(zip(np.floor(f["x"] / 4000), np.floor(f["y"] / 4000)))  # noqa: E731
    assert not key(blocks["train"]) & key(blocks["test"]) and blocks["metrics"]["split"] == "blocks of 4 km"
    assert len(key(blocks["train"]) | key(blocks["test"])) == 25
    pixels = drivers.fit_forest(frame, "rsei", ["a", "b"], split_block_km=None, **common)
    assert key(pixels["train"]) & key(pixels["test"]) and pixels["metrics"]["split"] == "pixels"
    with pytest.raises(ValueError, match="split_block_km = 100: the samples fall in one block"):
        drivers.fit_forest(frame, "rsei", ["a", "b"], split_block_km=100.0, **common)
