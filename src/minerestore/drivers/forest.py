"""Driver attribution of ecological quality: aligned driver stack, correlation, random-forest regression with
R-style importance (methods.md §12.3).

R's randomForest reports %IncMSE (``importance(type=1, scale=TRUE)``, :mod:`minerestore.forests`): for every
tree, the increase of the mean squared error on its out-of-bag rows when one variable is permuted among them,
averaged over trees and divided by its standard error; and IncNodePurity (``type=2``): the total decrease of node
residual sum of squares from splits on a variable, averaged over trees. scikit-learn has neither (its ``permutation_importance`` scores
the whole forest on supplied rows; ``feature_importances_`` is normalised), and no maintained package reproduces
them (methods.md §12.3), so both are computed here from the fitted trees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from minerestore.forests import oob_permutation_importance, ordered, scaled

if TYPE_CHECKING:  # scikit-learn is imported where a forest is built, so the ranking job does without it
    from sklearn.ensemble import RandomForestRegressor


def random_forest(n_estimators: int, mtry: int, nodesize: int, seed: int,
                  n_jobs: int = 1) -> RandomForestRegressor:
    """A scikit-learn forest with R randomForest's regression semantics (methods.md §12.3): bootstrap samples of
    size n, ``max_features`` = mtry, a node with <= nodesize cases is terminal (``min_samples_split`` =
    nodesize + 1, ``min_samples_leaf`` = 1), out-of-bag scoring on. ``n_estimators``, ``mtry`` and ``nodesize``
    are the config keys ``drivers.n_estimators``, ``drivers.mtry`` and ``drivers.nodesize``; ``seed`` is config
    ``seed``."""
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=n_estimators, max_features=mtry, min_samples_split=nodesize + 1,
                                 min_samples_leaf=1, bootstrap=True, oob_score=True, random_state=seed,
                                 n_jobs=n_jobs)


def inc_mse(forest: RandomForestRegressor, X, y, seed: int, scale: bool = True) -> np.ndarray:
    """%IncMSE of every column of ``X`` as R's ``importance(rf, type=1, scale=TRUE)`` (methods.md §12.3): the mean
    over trees of the increase of each tree's out-of-bag MSE when the variable is permuted, divided by its
    standard error (:func:`minerestore.forests.oob_permutation_importance`). ``scale=False`` returns the mean
    increase (units of y²).

    Parameters
    ----------
    forest : fitted RandomForestRegressor with ``bootstrap=True``.
    X : array or DataFrame (n, p), the rows the forest was fitted on; y : array (n,); seed : of the permutations
        (config ``seed``).

    Returns
    -------
    ndarray (p,) float.

    Raises
    ------
    ValueError
        If the forest was not fitted with bootstrap, or ``X`` has other rows than the fit.
    """
    mean, se = oob_permutation_importance(forest, X, y, seed)
    return scaled(mean, se) if scale else mean


def inc_node_purity(forest: RandomForestRegressor) -> np.ndarray:
    """IncNodePurity as R's ``importance(rf, type=2)``: decrease of node residual sum of squares (in-bag, with
    bootstrap duplicates counted) from splits on each variable, summed over each tree and averaged over trees.
    Not normalised (units of y² x cases)."""
    total = np.zeros(forest.n_features_in_)
    for tree in forest.estimators_:
        t = tree.tree_
        inner = t.children_left >= 0
        rss = t.impurity * t.weighted_n_node_samples
        decrease = rss[inner] - rss[t.children_left[inner]] - rss[t.children_right[inner]]
        np.add.at(total, t.feature[inner], decrease)
    return total / len(forest.estimators_)


def correlation(y: np.ndarray, drivers: pd.DataFrame, method: str) -> pd.DataFrame:
    """Correlation of ``y`` with each driver over the pixel pairs where both are finite; ``method`` ``pearson``
    or ``spearman`` (config ``drivers.correlation``).

    Returns
    -------
    DataFrame driver, method, r, p, n (scipy ``pearsonr`` / ``spearmanr``; NaN when n < 3 or a side is constant).

    Raises
    ------
    ValueError
        For a method other than pearson or spearman.
    """
    if method not in ("pearson", "spearman"):
        raise ValueError(f"correlation method {method!r}: expected 'pearson' or 'spearman'")
    from scipy import stats  # here: the ranking job imports this module for ranking() alone (scipy.stats: 0.6 s)

    rows = []
    for name in drivers.columns:
        x = drivers[name].to_numpy(float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            r, p = np.nan, np.nan
        else:
            res = stats.pearsonr(x[ok], y[ok]) if method == "pearson" else stats.spearmanr(x[ok], y[ok])
            r, p = float(res.statistic), float(res.pvalue)
        rows.append({"driver": name, "method": method, "r": r, "p": p, "n": int(ok.sum())})
    return pd.DataFrame(rows)


def usable_samples(samples: pd.DataFrame, target: str, min_samples: int) -> tuple[pd.DataFrame, list[str], dict]:
    """Rows and drivers fit for the regression.

    Constant drivers are left out (listed in ``report['constant']``); rows with a NaN in the target or a driver
    are dropped (counted in ``report['dropped_rows']``).

    Raises
    ------
    ValueError
        If every driver is constant (nothing to split on: a region without mines and without driver rasters), or
        fewer than ``min_samples`` complete rows remain.
    """
    drivers = [c for c in samples.columns if c not in (target, "x", "y")]
    constant = [c for c in drivers if samples[c].nunique(dropna=True) <= 1]
    kept = [c for c in drivers if c not in constant]
    if not kept:
        raise ValueError(f"every driver is constant over the study area ({', '.join(constant) or 'none given'}), so "
                         "the forest has nothing to explain RSEI with; give driver rasters that vary over it "
                         "(regions.<name>.drivers)")
    complete = samples.dropna(subset=[target, *kept])
    report = {"constant": constant, "dropped_rows": len(samples) - len(complete), "rows": len(complete)}
    if len(complete) < min_samples:
        with_target = int(samples[target].notna().sum())
        if with_target == 0:
            raise ValueError(
                f"no analysis pixel has a {target} value: the {target} raster of the drivers' year is empty over the "
                "study area (no clear observation that year, or the year is outside the data); check its composite "
                "(n_obs) and set drivers.year to a year with data")
        raise ValueError(
            f"only {len(complete)} complete samples (RSEI and every driver present), fewer than the configured minimum "
            f"{min_samples} (drivers.min_samples): {with_target} analysis pixels have {target} (enough valid fine "
            f"pixels in the study area, drivers.min_valid_fraction) and {with_target - len(complete)} of them miss a "
            "driver; use a finer analysis grid (regions.<name>.analysis_grid_m or drivers.grid_m), a lower "
            "drivers.min_valid_fraction, or fill the drivers' gaps")
    return complete, kept, report


def fit_forest(samples: pd.DataFrame, target: str, drivers: list[str], *, n_estimators: int, mtry: int,
               nodesize: int, train_fraction: float, split_block_km: float | None, seed: int,
               n_jobs: int = 1) -> dict:
    """Fit the forest (:func:`random_forest`) on a seeded ``train_fraction`` split (config
    ``drivers.train_fraction``) and score it.

    The split is by pixel at random (``split_block_km`` None: the mining-cities study's 70/30 split), or by square
    blocks of ``split_block_km`` (config ``drivers.split_block_km``): whole blocks go to training or to testing
    (scikit-learn's ``GroupShuffleSplit``, ``train_fraction`` of the blocks), so test pixels are not the neighbours
    of training pixels and the test R² is not inflated by spatial autocorrelation.

    Returns
    -------
    dict: ``forest``, ``train``/``test`` (DataFrames), ``predicted`` (the test rows' predictions, trees summed in
    order: the same digits on every run), ``metrics`` (r2, rmse, mae on the test rows,
    oob_var_explained_pct, n_train, n_test, mtry, n_estimators), ``importance`` (DataFrame driver, inc_mse_pct,
    inc_node_purity, rank by %IncMSE).
    """
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
    from sklearn.model_selection import train_test_split

    if split_block_km is None:
        train, test = train_test_split(samples, train_size=train_fraction, random_state=seed)  # rows keep x, y
    else:
        from sklearn.model_selection import GroupShuffleSplit

        size = split_block_km * 1000.0
        blocks = (np.floor(samples["x"] / size).astype(np.int64) * 1_000_003
                  + np.floor(samples["y"] / size).astype(np.int64))
        if blocks.nunique() < 2:
            raise ValueError(f"drivers.split_block_km = {split_block_km:g}: the samples fall in one block; use "
                             "smaller blocks (or null for the study's random split by pixel)")
        splitter = GroupShuffleSplit(n_splits=1, train_size=train_fraction, random_state=seed)
        train_rows, test_rows = next(splitter.split(samples, groups=blocks))
        train, test = samples.iloc[train_rows], samples.iloc[test_rows]
    mtry = min(mtry, len(drivers))
    forest = random_forest(n_estimators, mtry, nodesize, seed, n_jobs).fit(train[drivers], train[target])
    with ordered(forest):
        predicted = forest.predict(test[drivers])
    metrics = {
        "r2": r2_score(test[target], predicted),
        "rmse": float(np.sqrt(mean_squared_error(test[target], predicted))),
        "mae": mean_absolute_error(test[target], predicted),
        "oob_var_explained_pct": 100 * forest.oob_score_,
        "n_train": len(train), "n_test": len(test), "mtry": mtry, "n_estimators": n_estimators,
        "split": "pixels" if split_block_km is None else f"blocks of {split_block_km:g} km",
    }
    importance = pd.DataFrame({"driver": drivers,
                               "inc_mse_pct": inc_mse(forest, train[drivers], train[target], seed),
                               "inc_node_purity": inc_node_purity(forest)})
    importance["rank"] = importance["inc_mse_pct"].rank(ascending=False, method="min").astype(int)
    return {"forest": forest, "train": train, "test": test, "predicted": predicted, "metrics": metrics,
            "importance": importance.sort_values("rank").reset_index(drop=True)}


def partial_dependence_table(forest, x: pd.DataFrame, points: int) -> pd.DataFrame:
    """Partial dependence of the prediction on each driver (scikit-learn ``partial_dependence``, average over
    the rows of ``x``), ``points`` grid values between the 5th and 95th percentiles (config
    ``drivers.partial_dependence_points``)."""
    from sklearn.inspection import partial_dependence

    rows = []
    for j, name in enumerate(x.columns):
        pd_result = partial_dependence(forest, x, [j], grid_resolution=points, percentiles=(0.05, 0.95))
        for value, avg in zip(pd_result["grid_values"][0], pd_result["average"][0]):
            rows.append({"driver": name, "value": float(value), "partial_dependence": float(avg)})
    return pd.DataFrame(rows)


def ranking(importances: pd.DataFrame) -> pd.DataFrame:
    """Overall driver ranking across regions: each region's rank by %IncMSE, the mean rank per driver (over the
    regions that have the driver) and the overall order (1 = most important).

    Parameters
    ----------
    importances : DataFrame region, driver, inc_mse_pct (rank is recomputed per region).

    Returns
    -------
    DataFrame driver, one ``rank_<region>`` column per region, mean_rank, n_regions, overall_rank.
    """
    frame = importances.copy()
    frame["rank"] = frame.groupby("region")["inc_mse_pct"].rank(ascending=False, method="min")
    wide = frame.pivot(index="driver", columns="region", values="rank").add_prefix("rank_")
    wide["mean_rank"] = wide.mean(axis=1)
    wide["n_regions"] = wide.filter(like="rank_").notna().sum(axis=1)
    wide = wide.sort_values(["mean_rank", "n_regions"], ascending=[True, False])
    wide["overall_rank"] = np.arange(1, len(wide) + 1)
    return wide.reset_index()


def fit_region(samples: pd.DataFrame, options: dict, seed: int, threads: int = 1, region: str = "region") -> dict:
    """Correlation and random forest of RSEI on the drivers of one region (methods.md §12).

    Parameters
    ----------
    samples : the pixel table of the driver stack (x, y, rsei and one column per driver; NaN where missing).
    options : the ``drivers`` config keys ``min_samples``, ``correlation``, ``n_estimators``, ``mtry``,
        ``nodesize``, ``train_fraction``, ``split_block_km``, ``partial_dependence_points``.
    seed : random seed; threads : jobs of the forest and of %IncMSE; region : its name, for errors.

    Returns
    -------
    dict: ``kept`` (drivers used), ``report`` (rows, dropped_rows, constant), ``correlation``, ``fit`` (from
    :func:`fit_forest`), ``test_predictions`` (x, y, observed, predicted), ``partial_dependence``.

    Raises
    ------
    ValueError
        From :func:`usable_samples` when fewer than ``min_samples`` complete samples remain, naming ``region`` and
        saying that the other regions do not depend on it.
    """
    try:
        complete, kept, report = usable_samples(samples, "rsei", options["min_samples"])
    except ValueError as err:
        raise ValueError(f"region {region!r}: {err}. The other regions do not depend on this one: snakemake "
                         "--keep-going finishes them (all but the ranking across regions)") from None
    corr = correlation(samples["rsei"].to_numpy(float), samples[kept], options["correlation"])
    fit = fit_forest(complete, "rsei", kept, n_estimators=options["n_estimators"], mtry=options["mtry"],
                     nodesize=options["nodesize"], train_fraction=options["train_fraction"],
                     split_block_km=options["split_block_km"], seed=seed,
                     n_jobs=threads)
    test = fit["test"]
    predictions = pd.DataFrame({"x": test["x"], "y": test["y"], "observed": test["rsei"],
                                "predicted": fit["predicted"]})
    pdp = partial_dependence_table(fit["forest"], fit["train"][kept], options["partial_dependence_points"])
    return {"kept": kept, "report": report, "correlation": corr, "fit": fit, "test_predictions": predictions,
            "partial_dependence": pdp}


def predicted_map(forest, stack: dict[str, np.ndarray], drivers: list[str]) -> np.ndarray:
    """The forest's RSEI prediction at every pixel of the driver stack where every driver is finite.

    stack : driver name -> (rows, cols) array on the analysis grid. Returns float32 (rows, cols), NaN elsewhere.
    """
    shape = next(iter(stack.values())).shape
    layers = np.stack([stack[k] for k in drivers]).reshape(len(drivers), -1).T
    ok = np.all(np.isfinite(layers), axis=1)
    predicted = np.full(layers.shape[0], np.nan, np.float32)
    if ok.any():
        with ordered(forest):
            predicted[ok] = forest.predict(pd.DataFrame(layers[ok], columns=drivers))
    return predicted.reshape(shape)
