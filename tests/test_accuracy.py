"""Accuracy metrics on hand-computed confusion matrices and scikit-learn, object matching and agreement."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from sklearn.metrics import cohen_kappa_score, f1_score, jaccard_score

from minerestore.identify.accuracy import (
    agreement,
    confusion_metrics,
    mine_matches,
    object_confusion,
    object_labels,
    object_match,
    pixel_confusion,
    test_scores as score_test_mines,  # aliased: pytest would collect a name starting with test
)
from minerestore.raster.grid import Grid


def test_metrics_by_hand():
    m = confusion_metrics(tp=50, fp=10, fn=5, tn=35)
    # OA 85/100; P 50/60; R 50/55; F1 2PR/(P+R); p_e = (60*55 + 40*45)/100² = 0.51; IoU 50/65
    assert m["oa"] == pytest.approx(0.85, abs=1e-4)
    assert m["precision"] == pytest.approx(0.8333, abs=1e-4)
    assert m["recall"] == pytest.approx(0.9091, abs=1e-4)
    assert m["f1"] == pytest.approx(0.8696, abs=1e-4)
    assert m["kappa"] == pytest.approx(0.6939, abs=1e-4)
    assert m["iou"] == pytest.approx(0.7692, abs=1e-4)


@pytest.mark.parametrize("tp,fp,fn,tn", [(7, 3, 2, 88), (1, 0, 0, 1), (30, 40, 20, 10)])
def test_metrics_equal_scikit_learn(tp, fp, fn, tn):
    y_true = np.r_[np.ones(tp), np.zeros(fp), np.ones(fn), np.zeros(tn)]
    y_pred = np.r_[np.ones(tp), np.ones(fp), np.zeros(fn), np.zeros(tn)]
    m = confusion_metrics(tp, fp, fn, tn)
    assert m["f1"] == pytest.approx(f1_score(y_true, y_pred))
    assert m["kappa"] == pytest.approx(cohen_kappa_score(y_true, y_pred))
    assert m["iou"] == pytest.approx(jaccard_score(y_true, y_pred))


@pytest.mark.bad_input
def test_degenerate_and_invalid_counts(caplog):
    """No reference mine among the cells (a train_fraction that leaves no test mine): NaN with a warning, never
    OA 1.0 from the background alone."""
    for counts in ((0, 0, 0, 10), (0, 3, 0, 10)):
        m = confusion_metrics(*counts)
        assert all(np.isnan(v) for v in m.values())
    assert "no reference mine among the 10 scored cells" in caplog.text and "identify.train_fraction" in caplog.text
    with pytest.raises(ValueError, match="tp=-1"):
        confusion_metrics(-1, 0, 0, 1)
    with pytest.raises(ValueError):
        confusion_metrics(0, 0, 0, 0)


def test_pixel_confusion():
    p = np.array([[1, 1, 0], [0, 0, 1]], bool)
    r = np.array([[1, 0, 0], [1, 0, 1]], bool)
    valid = np.array([[1, 1, 1], [1, 1, 0]], bool)
    assert pixel_confusion(p, r, valid) == {"tp": 1, "fp": 1, "fn": 1, "tn": 2}


def frame(*boxes):
    return gpd.GeoDataFrame(geometry=[box(*b) for b in boxes], crs="EPSG:32650")


def test_object_match_overlap_rule():
    reference = frame((0, 0, 10, 10), (20, 0, 30, 10), (40, 0, 50, 10))
    predicted = frame((0, 0, 10, 8), (20, 0, 30, 6), (60, 0, 70, 10))  # 80 %, 60 %, none
    match = object_match(predicted, reference, 0.7)
    assert {k: match[k] for k in ("reference_mines", "predicted_mines", "matched", "omitted", "commission")} == {
        "reference_mines": 3, "predicted_mines": 3, "matched": 1, "omitted": 2, "commission": 1}
    assert match["identification_rate"] == pytest.approx(1 / 3)
    assert match["mean_area_similarity"] == pytest.approx(0.8)  # 80 m² predicted of a 100 m² mine



def test_each_mine_matches_the_reference_mine_of_largest_iou():
    reference = frame((0, 0, 10, 10), (10, 0, 20, 10), (40, 0, 50, 10)).assign(mine_id=["R1", "R2", "R3"])
    # A covers R1 and a fifth of R2: IoU 100/120 with R1, 20/200 with R2; B only touches R3 along an edge; C alone
    predicted = frame((0, 0, 12, 10), (50, 0, 60, 10), (80, 0, 90, 10)).assign(mine_id=["A", "B", "C"])
    matches = mine_matches(predicted, reference)
    assert matches["mine_id"].tolist() == ["A", "B", "C"]
    assert matches["reference_id"].iloc[0] == "R1" and matches["reference_id"].iloc[1:].isna().all()
    assert matches["iou"].to_numpy() == pytest.approx([100 / 120, 0, 0])
    assert mine_matches(predicted.iloc[:0], reference).empty
    assert mine_matches(predicted, reference.iloc[:0])["iou"].tolist() == [0, 0, 0]


def test_object_match_counts_only_the_scored_polygons_as_predicted_mines():
    reference = frame((0, 0, 10, 10))
    predicted = frame((0, 0, 10, 10), (20, 0, 21, 1), (40, 0, 50, 10))  # a match, a sliver, a false mine
    match = object_match(predicted, reference, 0.7, scored=np.array([True, False, True]))
    assert (match["predicted_mines"], match["commission"], match["matched"]) == (2, 1, 1)
    unscored_match = object_match(frame((0, 0, 10, 10)), reference, 0.7, scored=np.array([False]))
    assert (unscored_match["predicted_mines"], unscored_match["matched"]) == (0, 1)  # it still covers the mine


def test_test_scores_leave_the_training_mines_out_of_pixels_and_objects():
    grid = Grid.from_bounds("EPSG:32650", (0, 0, 100, 100), 1)
    zones = frame((0, 0, 100, 100))
    reference = frame((10, 10, 30, 30), (60, 60, 80, 80))  # a training and a test mine
    train = np.array([True, False])
    # the training mine painted 2 m too wide all round (a sliver), the test mine found, one false mine
    mines = frame((8, 8, 32, 32), (60, 60, 80, 80), (40, 0, 50, 10))
    scores = score_test_mines(grid, zones, mines, reference, train, frame(), tile_px=64, overlap=0.7)
    assert (scores["predicted_mines"], scores["commission"], scores["matched"]) == (2, 1, 1)
    # pixels: the sliver (24² - 20² = 176 px) and the false mine (100 px) are false positives; the training mine's
    # 400 px are not scored
    assert (scores["pixel_tp"], scores["pixel_fp"], scores["pixel_fn"]) == (400, 276, 0)
    assert scores["pixel_tn"] == 100 * 100 - 400 - 400 - 276

def test_object_confusion_reproduces_the_object_study_table_4():
    """The object-based mine mapping study's Table 4: TP 303, FP 35, FN 53, TN 872 objects -> OA 93.03 %,
    precision 89.64 %, recall 85.11 %, F1 87.31 %."""
    labels = pd.DataFrame({"y": np.r_[np.ones(303 + 53), np.zeros(35 + 872), -np.ones(4)].astype(int),
                           "predicted": np.r_[np.ones(303), np.zeros(53), np.ones(35), np.zeros(872), np.ones(4)]})
    counts = object_confusion(labels)
    assert counts == {"tp": 303, "fp": 35, "fn": 53, "tn": 872}  # ambiguous objects left out
    m = confusion_metrics(**counts)
    assert (round(100 * m["oa"], 2), round(100 * m["precision"], 2), round(100 * m["recall"], 2)) == (
        93.03, 89.64, 85.11)
    assert 100 * m["f1"] == pytest.approx(87.31, abs=0.01)  # 87.316: the paper truncates


def test_object_labels_of_candidate_patches():
    reference = frame((0, 0, 10, 10))
    patches = frame((0, 0, 10, 9), (20, 0, 30, 10), (5, 0, 15, 10), (40, 0, 50, 10))  # 100 %, 0 %, 50 %, 0 %
    mines = frame((0, 0, 10, 10), (40, 0, 45, 10))
    labels = object_labels(patches, mines, reference, 0.7)
    assert labels["y"].tolist() == [1, 0, -1, 0] and labels["predicted"].tolist() == [1, 0, 0, 0]
    assert object_confusion(labels) == {"tp": 1, "fp": 0, "fn": 0, "tn": 2}


def test_miou_is_the_mean_of_mine_and_background_iou():
    y_true = np.r_[np.ones(7), np.zeros(3), np.ones(2), np.zeros(88)]
    y_pred = np.r_[np.ones(7), np.ones(3), np.zeros(2), np.zeros(88)]
    m = confusion_metrics(7, 3, 2, 88)
    assert m["miou"] == pytest.approx(jaccard_score(y_true, y_pred, average="macro"))
    assert m["iou_background"] == pytest.approx(88 / 93)


def test_agreement_by_hand():
    ours = frame((0, 0, 10, 10), (100, 100, 110, 110))
    other = frame((5, 0, 15, 10))
    a = agreement(ours, other, step_m=1.0)
    assert a["ours_in_other_pct"] == pytest.approx(25.0)  # 50 m² of 200 m²
    assert a["other_in_ours_pct"] == pytest.approx(50.0)
    assert a["ours_omitted_by_other"] == 1 and a["other_omitted_by_ours"] == 0
    # boundary points of the first square: x=0 edge is 5 m from x=5, the others lie on the other boundary or
    # within 5 m; the median is what 40 sample points give
    assert 0 <= a["median_boundary_distance_m"] <= 5


def test_finalised_mines_are_clipped_numbered_and_assigned():
    import geopandas as gpd
    from shapely.geometry import box

    from minerestore.identify.mines import MINE_COLUMNS, finalise

    zones = gpd.GeoDataFrame({"subregion": ["upstream", "downstream"]},
                             geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs="EPSG:32650")
    polygons = gpd.GeoDataFrame(geometry=[box(50, 50, 150, 150), box(300, 300, 400, 400), box(120, 10, 140, 30)],
                                crs="EPSG:32650")
    mines = finalise(polygons, zones, "object_rf")
    assert list(mines.columns) == MINE_COLUMNS
    assert mines["mine_id"].tolist() == ["M0001", "M0002"]  # the polygon outside the study area is dropped
    assert mines["area_km2"].tolist() == pytest.approx([100 * 50 / 1e6, 400 / 1e6])
    assert mines["subregion"].tolist()[1] == "downstream" and (mines["source"] == "object_rf").all()
