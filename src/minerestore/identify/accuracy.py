"""Accuracy of mine maps against a reference, and agreement with another mine product (methods.md §5.6)."""

from __future__ import annotations

import logging
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely

from minerestore.raster.grid import Grid
from minerestore.raster.tiles import tile_grid, tile_windows
from minerestore.raster.vector import burn

log = logging.getLogger(__name__)


def confusion_metrics(tp: int, fp: int, fn: int, tn: int) -> dict[str, float]:
    """Binary accuracy metrics (positive class = mine), methods.md §5.6.

    OA = (TP + TN)/N; precision (user's accuracy) = TP/(TP + FP); recall (producer's accuracy) = TP/(TP + FN);
    F1 = 2PR/(P + R); kappa = (p_o − p_e)/(1 − p_e) with p_e = Σ_k row_k·col_k / N²; IoU = TP/(TP + FP + FN) of the
    mine class, IoU_background = TN/(TN + FP + FN); mIoU = their mean (the U-Net+ study's mIoU over two classes).

    Parameters
    ----------
    tp, fp, fn, tn : int >= 0
        Cells of the confusion matrix (pixels or objects).

    Returns
    -------
    dict with ``oa, precision, recall, f1, kappa, iou, iou_background, miou`` (float; NaN where a denominator
    is 0). With no reference mine among the counted cells (tp + fn = 0, e.g. a ``train_fraction`` that leaves no
    test mine) there is nothing to score: every metric is NaN and a warning is logged, never a perfect 1.

    Raises
    ------
    ValueError
        If a count is negative or all are 0.
    """
    counts = np.array([tp, fp, fn, tn], dtype=float)
    if (counts < 0).any() or counts.sum() == 0:
        raise ValueError(f"confusion counts must be >= 0 and not all 0, got tp={tp} fp={fp} fn={fn} tn={tn}")
    if tp + fn == 0:
        log.warning("no reference mine among the %d scored cells (tp + fn = 0): the scores are NaN, there is "
                    "nothing to test on (with the test scope: lower identify.train_fraction to leave test mines)",
                    int(counts.sum()))
        return dict.fromkeys(("oa", "precision", "recall", "f1", "kappa", "iou", "iou_background", "miou"),
                             float("nan"))
    n = counts.sum()

    def ratio(a: float, b: float) -> float:
        return a / b if b > 0 else float("nan")

    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    p_o = (tp + tn) / n
    p_e = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / n**2
    return {
        "oa": p_o,
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * precision * recall, precision + recall) if np.isfinite(precision + recall) else float("nan"),
        "kappa": ratio(p_o - p_e, 1 - p_e),
        "iou": ratio(tp, tp + fp + fn),
        "iou_background": ratio(tn, tn + fp + fn),
        "miou": (ratio(tp, tp + fp + fn) + ratio(tn, tn + fp + fn)) / 2,
    }


def pixel_confusion(predicted: np.ndarray, reference: np.ndarray, valid: np.ndarray) -> dict[str, int]:
    """Pixel confusion counts of two boolean maps over the ``valid`` pixels (all arrays (rows, cols) bool)."""
    p, r = predicted[valid], reference[valid]
    return {"tp": int(np.sum(p & r)), "fp": int(np.sum(p & ~r)), "fn": int(np.sum(~p & r)), "tn": int(np.sum(~p & ~r))}


def object_match(predicted: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, overlap: float,
                 scored: np.ndarray | None = None) -> dict:
    """Mine-level counts with the > ``overlap`` rule (methods.md §5.6; config ``identify.overlap``), the
    identification rate and the area similarity.

    A reference mine is *matched* (identified) when predicted mines cover more than ``overlap`` of its area, else
    *omitted*; a predicted mine is a *commission* error when less than ``overlap`` of its area lies in reference
    mines. ``identification_rate`` = matched / reference mines (the DeepLabV3 study's 95.8 %). The area similarity
    of a matched mine is min(A_p, A_r) / max(A_p, A_r), A_r its area and A_p the area of the predicted mines that
    overlap it (1 = same size); ``mean_area_similarity`` averages it over the matched mines (that study: 0.78).

    ``scored`` (bool per predicted polygon, default all) limits ``predicted_mines`` and ``commission`` to those
    polygons; every polygon still covers the reference mines (:func:`test_scores` leaves out of the object counts
    the remnants of polygons cut by the training mines).
    """
    pred_union = shapely.union_all(predicted.geometry.to_numpy()) if len(predicted) else shapely.Polygon()
    ref_union = shapely.union_all(reference.geometry.to_numpy()) if len(reference) else shapely.Polygon()
    covered = np.array([g.intersection(pred_union).area / g.area for g in reference.geometry]) if len(reference) else np.array([])
    counted = predicted.geometry if scored is None else predicted.geometry[np.asarray(scored, bool)]
    correct = np.array([g.intersection(ref_union).area / g.area for g in counted]) if len(counted) else np.array([])
    similarity = []
    for g in reference.geometry[covered > overlap]:
        touching = predicted.geometry[predicted.geometry.intersects(g)]
        a_p = shapely.union_all(touching.to_numpy()).area
        similarity.append(min(a_p, g.area) / max(a_p, g.area))
    return {
        "reference_mines": len(reference),
        "predicted_mines": len(counted),
        "matched": int(np.sum(covered > overlap)),
        "omitted": int(np.sum(covered <= overlap)),
        "commission": int(np.sum(correct <= overlap)),
        "identification_rate": float(np.mean(covered > overlap)) if len(reference) else float("nan"),
        "mean_area_similarity": float(np.mean(similarity)) if similarity else float("nan"),
    }


def mine_matches(predicted: gpd.GeoDataFrame, reference: gpd.GeoDataFrame) -> pd.DataFrame:
    """The reference mine each predicted mine matches best: the one of the largest intersection over union (IoU =
    area of the intersection / area of the union of the two polygons; a tie to the first reference mine).

    Parameters
    ----------
    predicted, reference : polygons with ``mine_id``, in the same (projected) CRS.

    Returns
    -------
    DataFrame mine_id, reference_id, iou (0–1): one row per predicted mine, in its order; a mine that overlaps no
    reference mine has no reference_id and iou 0.
    """
    pred, ref = predicted.geometry.to_numpy(), reference.geometry.to_numpy()
    mine, other = reference.sindex.query(pred, predicate="intersects") if len(ref) else np.zeros((2, 0), int)
    inter = shapely.area(shapely.intersection(pred[mine], ref[other]))
    pairs = pd.DataFrame({"mine": mine, "other": other,
                          "iou": inter / (shapely.area(pred[mine]) + shapely.area(ref[other]) - inter)})
    best = pairs[pairs["iou"] > 0].sort_values(["mine", "iou", "other"], ascending=[True, False, True])
    best = best.drop_duplicates("mine").set_index("mine").reindex(range(len(pred)))
    ids = reference["mine_id"].astype(str).to_numpy()
    return pd.DataFrame({"mine_id": predicted["mine_id"].astype(str).to_numpy(),
                         "reference_id": [None if np.isnan(o) else ids[int(o)] for o in best["other"]],
                         "iou": best["iou"].fillna(0.0).to_numpy(float)})


def object_labels(objects: gpd.GeoDataFrame, mines: gpd.GeoDataFrame, reference: gpd.GeoDataFrame,
                  overlap: float) -> pd.DataFrame:
    """Truth and prediction of candidate objects for the object confusion matrix (object-based mine mapping study,
    its Table 4).

    An object is a mine (``y`` = 1) when more than ``overlap`` (config ``identify.overlap``) of its area lies in
    reference mines, not a mine (0) when less than 1 − ``overlap`` does, ambiguous (−1, left out of the matrix) in
    between, as the object random forest labels its training objects; it is ``predicted`` a mine when more than
    half of it lies in the mine polygons. TN objects are candidates correctly rejected.

    Returns
    -------
    DataFrame (one row per object) y, predicted.
    """
    def share(union):
        return np.array([g.intersection(union).area / g.area if g.area else 0.0 for g in objects.geometry])

    truth = share(shapely.union_all(reference.geometry.to_numpy()) if len(reference) else shapely.Polygon())
    shown = share(shapely.union_all(mines.geometry.to_numpy()) if len(mines) else shapely.Polygon())
    return pd.DataFrame({"y": np.where(truth > overlap, 1, np.where(truth < 1 - overlap, 0, -1)),
                         "predicted": (shown > 0.5).astype(int)})


def object_confusion(labels: pd.DataFrame) -> dict[str, int]:
    """Object confusion counts (tp, fp, fn, tn) of the objects with a truth label (``y`` 0/1; −1 left out) and
    a prediction (``predicted`` 0/1)."""
    y, p = labels["y"].to_numpy(), labels["predicted"].to_numpy().astype(bool)
    known = y >= 0
    y, p = y[known] == 1, p[known]
    return {"tp": int(np.sum(p & y)), "fp": int(np.sum(p & ~y)), "fn": int(np.sum(~p & y)), "tn": int(np.sum(~p & ~y))}


def agreement(ours: gpd.GeoDataFrame, other: gpd.GeoDataFrame, step_m: float = 10.0) -> dict[str, float]:
    """Agreement of our mine polygons with another product (same CRS).

    Returns
    -------
    dict: ``ours_in_other_pct`` (share of our mine area inside the other product), ``other_in_ours_pct``,
    ``ours_omitted_by_other`` (our mines not touched by it), ``other_omitted_by_ours``, and
    ``median_boundary_distance_m`` (median distance from points every ``step_m`` along our mine boundaries to the
    other product's boundaries, over our mines that it touches).
    """
    a = shapely.union_all(ours.geometry.to_numpy()) if len(ours) else shapely.Polygon()
    b = shapely.union_all(other.geometry.to_numpy()) if len(other) else shapely.Polygon()
    inter = a.intersection(b).area
    touched = [g for g in ours.geometry if g.intersects(b)]
    distances = []
    boundary_b = b.boundary
    for g in touched:
        ring = g.boundary
        points = shapely.line_interpolate_point(ring, np.arange(0, ring.length, step_m))
        distances.extend(shapely.distance(points, boundary_b))
    return {
        "ours_km2": a.area / 1e6,
        "other_km2": b.area / 1e6,
        "ours_in_other_pct": 100 * inter / a.area if a.area else float("nan"),
        "other_in_ours_pct": 100 * inter / b.area if b.area else float("nan"),
        "ours_omitted_by_other": int(sum(not g.intersects(b) for g in ours.geometry)),
        "other_omitted_by_ours": int(sum(not g.intersects(a) for g in other.geometry)),
        "median_boundary_distance_m": float(np.median(distances)) if distances else float("nan"),
    }


def accuracy_table(pixels: dict[str, dict[str, int]], objects: dict[str, dict[str, int]],
                   mines: dict) -> pd.DataFrame:
    """Long table (scope, level, metric, value): pixel and object confusion counts with every metric of
    :func:`confusion_metrics` per scope (``all``, ``test``), then the mine-level counts of :func:`object_match`
    (level ``mine``, scope ``all``)."""
    rows = []
    for level, scopes in (("pixel", pixels), ("object", objects)):
        for scope, counts in scopes.items():
            metrics = confusion_metrics(**counts) if sum(counts.values()) else {}
            for k, v in {**counts, **metrics}.items():
                rows.append({"scope": scope, "level": level, "metric": k, "value": v})
    for k, v in mines.items():
        rows.append({"scope": "all", "level": "mine", "metric": k, "value": v})
    return pd.DataFrame(rows)


def pixel_scopes(grid: Grid, zones: gpd.GeoDataFrame, mines: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, *,
                 tile_px: int, labels_path: str | None = None, train_objects=None,
                 train_mines: gpd.GeoDataFrame | None = None) -> dict[str, dict[str, int]]:
    """Pixel confusion counts (tp, fp, fn, tn) of the mines against the reference, added up tile by tile.

    Scopes: ``all`` = every pixel of the study area (``zones``); with ``train_mines`` (the reference mines used
    for training) also ``test`` = the study area without them and, given the object random forest's training
    record (``labels_path``: the object label raster, ``train_objects``: labels of the training objects), without
    its training objects, so a method is scored on what it did not see (methods.md §5.6).
    """
    scored = train_mines is not None
    scopes = {"all": Counter(), "test": Counter()}
    for window in tile_windows(grid, tile_px).values():
        tgrid = tile_grid(grid, window)
        inside = burn(zones.geometry, tgrid).astype(bool)
        predicted = burn(mines.geometry, tgrid).astype(bool)
        truth = burn(reference.geometry, tgrid).astype(bool)
        scopes["all"].update(pixel_confusion(predicted, truth, inside))
        if scored:
            seen = burn(train_mines.geometry, tgrid).astype(bool)
            if labels_path is not None:
                with rasterio.open(labels_path) as src:
                    labels = src.read(1, window=window)
                seen |= np.isin(labels, train_objects) & (labels > 0)
            scopes["test"].update(pixel_confusion(predicted, truth, inside & ~seen))
    return {k: {c: v[c] for c in ("tp", "fp", "fn", "tn")} for k, v in scopes.items() if k == "all" or scored}


def test_scores(grid: Grid, zones: gpd.GeoDataFrame, mines: gpd.GeoDataFrame, reference: gpd.GeoDataFrame,
                train: np.ndarray, patches: gpd.GeoDataFrame, *, tile_px: int, overlap: float) -> dict:
    """Scores of one method's mine polygons on the test mines alone, the same for every method (the methods
    comparison, methods.md §5.5).

    The training mines (``train``: bool per reference mine) are taken out everywhere: pixels of the study area
    inside them are not scored (:func:`pixel_scopes`' ``test`` scope); the predicted polygons lose their parts
    inside them (a polygon spanning a training and a test mine still covers the test mine); candidate patches and
    predicted polygons that touch them are not scored as objects (the slivers a method paints round a training
    mine are false-positive pixels, not commission errors). Then: pixel confusion and every metric of
    :func:`confusion_metrics`; object confusion of the remaining candidate patches (:func:`object_labels`,
    tp/fp/fn/tn); the test-mine match (:func:`object_match`: identification rate, mean area similarity).
    ``tile_px`` is config ``tiles.size_px``; ``overlap`` config ``identify.overlap``.

    Returns
    -------
    dict of metric -> value, keys prefixed ``pixel_``, ``object_`` and (mine level) none.
    """
    train_mines, test_mines = reference[train], reference[~train]
    train_union = shapely.union_all(train_mines.geometry.to_numpy()) if len(train_mines) else shapely.Polygon()
    touching = mines.geometry.intersects(train_union).to_numpy()
    predicted = mines.set_geometry(mines.geometry.difference(train_union))
    kept = ~predicted.geometry.is_empty.to_numpy()
    predicted, touching = predicted[kept], touching[kept]
    pixel = pixel_scopes(grid, zones, predicted, reference, tile_px=tile_px, train_mines=train_mines)["test"]
    objects = patches[~patches.geometry.intersects(train_union)] if len(patches) else patches
    obj = object_confusion(object_labels(objects, predicted, test_mines, overlap)) if len(objects) else \
        {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    return {**{f"pixel_{k}": v for k, v in {**pixel, **confusion_metrics(**pixel)}.items()},
            **{f"object_{k}": v for k, v in obj.items()},
            **object_match(predicted, test_mines, overlap, scored=~touching)}


def by_type(predicted: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, types: pd.Series, overlap: float
            ) -> pd.DataFrame:
    """Identification rate and mean area similarity per mine type (the DeepLabV3 / OBIA / SBAS-InSAR study's
    Fig. 6): :func:`object_match` of the predicted mines against the reference mines of each type.

    Parameters
    ----------
    predicted, reference : mine polygons (one CRS); types : the type of each reference mine (aligned with
        ``reference``; '' for none, reported as ``unknown``).

    Returns
    -------
    DataFrame mine_type, reference_mines, matched, identification_rate, mean_area_similarity (one row per type,
    sorted by type).
    """
    rows = []
    labels = types.replace("", "unknown").to_numpy()
    for name in sorted(set(labels)):
        match = object_match(predicted, reference[labels == name], overlap)
        rows.append({"mine_type": name, **{k: match[k] for k in ("reference_mines", "matched", "identification_rate",
                                                                  "mean_area_similarity")}})
    return pd.DataFrame(rows, columns=["mine_type", "reference_mines", "matched", "identification_rate",
                                       "mean_area_similarity"])
