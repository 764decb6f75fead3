"""What the two random forests (the object forest of mine identification, the drivers' regression forest)
share: predictions that are the same from run to run, and out-of-bag permutation importance as R's randomForest
computes it (``importance(rf, type=1)``): for regression %IncMSE, for classification the mean decrease in accuracy (MDA).

For every tree t with out-of-bag rows O_t: δ_tj = loss_t(x_j permuted within O_t) − loss_t (0 when t does not
split on j); D_j = mean_t δ_tj; SE_j = sqrt((mean_t δ_tj² − D_j²) / T); the scaled importance is D_j / SE_j (D_j
where SE_j is 0, as R does). The loss is the squared error for regression and the error rate (1 − accuracy) for
classification. scikit-learn's ``permutation_importance`` scores the whole forest on rows it is given, not each
tree on its own out-of-bag rows, and no maintained package reproduces R's measure (methods.md §12.3), so it is
computed here from the fitted trees (their in-bag rows are read from the public ``estimators_samples_``).
"""

from __future__ import annotations

import contextlib

import numpy as np
from joblib import Parallel, delayed


@contextlib.contextmanager
def ordered(forest):
    """Predict with ``forest`` on one thread inside the block, so the trees' predictions are added in their own
    order: scikit-learn adds them from worker threads in the order the threads finish, which changes the last
    digit of a prediction from run to run (the fit itself, seeded, is the same at any ``n_jobs``)."""
    n_jobs = forest.n_jobs
    forest.set_params(n_jobs=1)
    try:
        yield forest
    finally:
        forest.set_params(n_jobs=n_jobs)


def _squared_error(predicted: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((predicted - y) ** 2))


def _error_rate(predicted: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predicted != y))


def _tree_deltas(tree, x_oob: np.ndarray, y_oob: np.ndarray, rng: np.random.Generator, loss) -> np.ndarray:
    """Loss increase of one tree on its OOB rows for each variable permuted (0 for variables it does not use)."""
    base = loss(tree.predict(x_oob, check_input=False), y_oob)  # x_oob: float32 C-ordered, checked once by the caller
    used = set(tree.tree_.feature[tree.tree_.feature >= 0].tolist())
    out = np.zeros(x_oob.shape[1])
    for j in used:
        shuffled = x_oob.copy()
        shuffled[:, j] = rng.permutation(shuffled[:, j])
        out[j] = loss(tree.predict(shuffled, check_input=False), y_oob) - base
    return out


def oob_permutation_importance(forest, X, y, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-tree out-of-bag permutation importance of every column of ``X`` (module docstring).

    Parameters
    ----------
    forest : fitted scikit-learn RandomForestRegressor or RandomForestClassifier with ``bootstrap=True``.
    X : array or DataFrame (n, p), the rows the forest was fitted on; y : array (n,) (class labels for a
        classifier, as given to ``fit``).
    seed : seed of the permutations (config ``seed``).

    Returns
    -------
    (D, SE): ndarrays (p,) float: the mean loss increase over trees (squared units of y for regression, error
    rate for classification) and its standard error.

    Raises
    ------
    ValueError
        If the forest was not fitted with bootstrap, ``X`` has other rows than the fit or non-finite values.
    """
    if not forest.bootstrap:
        raise ValueError("out-of-bag importance needs a forest fitted with bootstrap=True")
    x = np.ascontiguousarray(X, dtype=np.float32)
    if not np.isfinite(x).all():
        raise ValueError("X has NaN or infinite values: the trees cannot predict them")
    n = x.shape[0]
    if forest.estimators_samples_[0].shape[0] != n:
        raise ValueError(f"X has {n} rows but the forest was fitted on {forest.estimators_samples_[0].shape[0]}: "
                         "pass the training rows")
    if hasattr(forest, "classes_"):  # the trees of a classifier predict class indices
        target, loss = np.searchsorted(forest.classes_, np.asarray(y)).astype(float), _error_rate
    else:
        target, loss = np.asarray(y, dtype=float), _squared_error
    rngs = np.random.default_rng(seed).spawn(len(forest.estimators_))

    def one(tree, in_bag, rng):
        oob = np.ones(n, bool)
        oob[in_bag] = False
        return _tree_deltas(tree, x[oob], target[oob], rng, loss) if oob.any() else np.zeros(x.shape[1])

    deltas = np.array(Parallel(n_jobs=forest.n_jobs or 1, prefer="threads")(
        delayed(one)(t, s, r) for t, s, r in zip(forest.estimators_, forest.estimators_samples_, rngs)))
    mean = deltas.mean(axis=0)
    return mean, np.sqrt(np.maximum((deltas**2).mean(axis=0) - mean**2, 0) / len(deltas))


def scaled(mean: np.ndarray, se: np.ndarray) -> np.ndarray:
    """D / SE as R scales it (D where SE is 0)."""
    return np.where(se > np.finfo(float).eps, mean / np.where(se > 0, se, 1), mean)
