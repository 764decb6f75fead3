"""Scores of a land-use map against its labels, from the confusion matrix, as the U-Net+ study reports them
(Chen et al. 2022, Table II and Fig. 11; docs/methods.md, "Accuracy metrics"): overall accuracy, Cohen's kappa,
mIoU over the classes, and per class producer's accuracy (PA, recall), user's accuracy (UA, precision) and IoU;
and its Table III, the number of these scores in which each network is among the best two.

The matrix is counted with numpy (``bincount``) and the scores are read off it in one function, :func:`scores`;
scikit-learn computes the same numbers from the pixels (tests/test_landuse.py checks them against
``confusion_matrix``, ``cohen_kappa_score``, ``jaccard_score`` and ``precision_recall_fscore_support``), but it
would count the pixels again for each score and gives 0 or 1 where a class is absent, where we give NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from minerestore.landuse.classes import NODATA


def confusion(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Pixel counts, int64 (n_classes, n_classes): rows the labels (reference), columns the prediction.

    Parameters
    ----------
    truth, predicted : uint8 arrays of one shape, class indexes 0 … n_classes − 1; pixels where either is
        :data:`~minerestore.landuse.classes.NODATA` (unlabelled, no image data) are not counted.

    Raises
    ------
    ValueError
        When the shapes differ or an index is ``n_classes`` or more (and not no data).
    """
    truth, predicted = np.asarray(truth).ravel(), np.asarray(predicted).ravel()
    if truth.shape != predicted.shape:
        raise ValueError(f"labels of {truth.size} px and a prediction of {predicted.size} px")
    keep = (truth != NODATA) & (predicted != NODATA)
    t, p = truth[keep].astype(np.int64), predicted[keep].astype(np.int64)
    if t.size and max(t.max(), p.max()) >= n_classes:
        raise ValueError(f"class index {max(t.max(), p.max())} in a map of {n_classes} classes")
    return np.bincount(t * n_classes + p, minlength=n_classes**2).reshape(n_classes, n_classes)


def scores(matrix: np.ndarray) -> dict:
    """Every score of a confusion matrix (rows reference, columns prediction).

    Returns
    -------
    dict
        ``oa`` (correct / all), ``kappa`` (Cohen: (p_o − p_e) / (1 − p_e), p_e = Σ_k row_k · col_k / N²),
        ``miou`` (mean IoU over the classes present in the labels or the prediction), and per class arrays
        ``pa`` = TP / (TP + FN), ``ua`` = TP / (TP + FP), ``iou`` = TP / (TP + FP + FN) (equal to
        1 / (1/PA + 1/UA − 1) where both are defined) and ``n_pixels`` (reference pixels). A ratio whose
        denominator is 0 is NaN, never 0 or 1: PA of a class absent from the labels, UA of a class never
        predicted, IoU of a class absent from both (left out of mIoU). ``oa``, ``kappa``, ``miou``: NaN for an
        empty matrix; ``kappa`` NaN when p_e = 1 (a single class everywhere).
    """
    m = np.asarray(matrix, float)
    tp, rows, cols = np.diag(m), m.sum(axis=1), m.sum(axis=0)
    n = m.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = np.where(rows > 0, tp / rows, np.nan)
        ua = np.where(cols > 0, tp / cols, np.nan)
        union = rows + cols - tp
        iou = np.where(union > 0, tp / union, np.nan)
        oa = tp.sum() / n if n else np.nan
        pe = float((rows * cols).sum() / n**2) if n else np.nan
        kappa = (oa - pe) / (1 - pe) if n and pe < 1 else np.nan
    miou = float(np.nanmean(iou)) if np.isfinite(iou).any() else np.nan
    return {"oa": float(oa), "kappa": float(kappa), "miou": miou, "pa": pa, "ua": ua, "iou": iou,
            "n_pixels": rows.astype(np.int64)}


def metrics_rows(network: str, matrix: np.ndarray, abbreviations: list[str]) -> pd.DataFrame:
    """The rows of ``metrics.csv`` of one network: one per class (``pa``, ``ua``, ``iou``, ``n_pixels``) and
    ``all`` (``oa``, ``kappa``, ``miou``, ``n_pixels`` = every scored pixel)."""
    s = scores(matrix)
    per_class = pd.DataFrame({"network": network, "class": abbreviations, "pa": s["pa"], "ua": s["ua"],
                              "iou": s["iou"], "n_pixels": s["n_pixels"]})
    overall = pd.DataFrame([{"network": network, "class": "all", "oa": s["oa"], "kappa": s["kappa"],
                             "miou": s["miou"], "n_pixels": int(s["n_pixels"].sum())}])
    columns = ["network", "class", "oa", "kappa", "miou", "pa", "ua", "iou", "n_pixels"]
    return pd.concat([overall, per_class], ignore_index=True).reindex(columns=columns)


#: The scores Table III counts: overall ones on the ``all`` row, per-class ones on the class rows.
OVERALL, PER_CLASS = ("oa", "kappa", "miou"), ("pa", "ua", "iou")


def top_two(metrics: pd.DataFrame) -> pd.DataFrame:
    """The study's Table III: for each network, how many scores rank it among the best two networks.

    Every score is one contest: OA, kappa and mIoU, and PA, UA and IoU of each class. A network is in the top two
    when at most one network scores strictly higher (ties share a rank, so two networks tied second both count).
    NaN scores (a class absent from a network's labels and map) take no part.

    Parameters
    ----------
    metrics : the rows of :func:`metrics_rows` of several networks.

    Returns
    -------
    DataFrame: ``network``, the count for each kind of score (``oa`` … ``iou``), ``top_two`` (their sum) and
    ``scores`` (how many scores the network took part in), networks in the order of ``metrics``.
    """
    networks = list(dict.fromkeys(metrics["network"]))
    counts = pd.DataFrame(0, index=networks, columns=[*OVERALL, *PER_CLASS])
    taken = pd.Series(0, index=networks)
    for cls, rows in metrics.groupby("class", sort=False):
        for kind in OVERALL if cls == "all" else PER_CLASS:
            values = rows.set_index("network")[kind].dropna()
            rank = values.rank(ascending=False, method="min")
            counts.loc[rank.index[rank <= 2], kind] += 1
            taken[values.index] += 1
    out = counts.assign(top_two=counts.sum(axis=1), scores=taken).rename_axis("network").reset_index()
    return out
