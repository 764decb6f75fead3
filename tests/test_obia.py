"""Object-based random forest: object features by hand, per-object GLCM, labels and roles, forest search."""

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from skimage.feature import graycomatrix, graycoprops

from minerestore.identify import obia
from minerestore.raster.grid import Grid


def layers(shape, **values):
    names = ("blue", "green", "red", "nir", "swir1", "ndvi", "ndvi_range", "ndwi", "brightness", "elevation", "slope")
    return {n: np.full(shape, values.get(n, 0.1), np.float32) for n in names}


def test_shape_features_of_a_square():
    labels = np.zeros((20, 20), np.int32)
    labels[5:15, 5:15] = 1
    f = obia.object_features(labels, layers(labels.shape, brightness=0.2), resolution=10, glcm_layers=("brightness",))
    row = f.loc[1]
    assert row["area_m2"] == 100 * 100
    assert row["length_width"] == pytest.approx(1.0, abs=1e-6)
    assert row["length_m"] == pytest.approx(100.0, rel=1e-6)  # eCognition: sqrt(area * length/width)
    assert row["mean_brightness"] == pytest.approx(0.2)
    # skimage's perimeter of a 10 x 10 px square is 36 px (pixel-centre estimate), so shape index = 360/(4*100)
    assert row["shape_index"] == pytest.approx(0.9)
    assert row["max_difference"] == pytest.approx(0.0, abs=1e-6)


def test_brightness_and_max_difference_are_the_studys_of_the_visible_bands():
    """Eq. 1: B = (0.10 + 0.20 + 0.30) / 3 = 0.20 (NIR 0.9 and SWIR1 0.8 left out); Eq. 2: MaxDiff =
    |0.10 - 0.30| / 0.20 = 1.0. An object of zero reflectance has MaxDiff 0, not a division by zero."""
    labels = np.zeros((6, 6), np.int32)
    labels[:3], labels[3:] = 1, 2
    lay = layers(labels.shape, blue=0.1, green=0.2, red=0.3, nir=0.9, swir1=0.8)
    for band in ("blue", "green", "red"):
        lay[band][3:] = 0.0
    f = obia.object_features(labels, lay, resolution=10, glcm_layers=())
    assert f.loc[1, "brightness"] == pytest.approx(0.2) and f.loc[1, "max_difference"] == pytest.approx(1.0)
    assert f.loc[2, "brightness"] == 0 and f.loc[2, "max_difference"] == 0


def test_the_study_has_56_features_and_the_extras_are_options():
    study = obia.feature_columns(glcm_layers=["nir"], extra=[])
    assert len(study) == 56 and len(set(study)) == 56
    assert study[:8] == ["mean_red", "mean_green", "mean_blue", "mean_nir", "mean_ndvi", "mean_ndwi", "brightness",
                         "max_difference"]
    assert "glcm_nir_asm_135" in study and "glcm_nir_std" in study and "mean_swir1" not in study
    assert int(np.log2(len(study))) == 5  # max_features log2 at each split
    before = obia.feature_columns(glcm_layers=["blue", "green", "red", "nir"], extra=["swir1", "ndvi_range"])
    assert len(before) == 16 + 4 * 40 + 2 and before[-2:] == ["mean_swir1", "mean_ndvi_range"]
    with pytest.raises(KeyError, match="identify.features.extra \\['ndbi'\\]"):
        obia.feature_columns(glcm_layers=[], extra=["ndbi"])
    labels = np.zeros((12, 12), np.int32)
    labels[:6], labels[6:] = 1, 2
    f = obia.object_features(labels, layers(labels.shape), resolution=10, glcm_layers=("nir",))
    assert set(study) <= set(f.columns)  # every column the forest reads is computed


@pytest.mark.bad_input
def test_a_scale_leaving_one_object_or_objects_too_small_is_refused():
    seg = {"scale": 1e6, "min_size_px": 20}
    with pytest.raises(ValueError, match=r"identify.segmentation.scale 1e\+06 \(min_size_px 20\) makes 1 object of "
                                         r"the 400 pixels segmented: .* lower the scale"):
        obia.check_objects(1, 400, seg)
    with pytest.raises(ValueError, match=r"identify.segmentation.scale 0.01 \(min_size_px 1\) cuts the 400 pixels "
                                         r"segmented into 390 objects, fewer than 4 pixels each .* raise the scale"):
        obia.check_objects(390, 400, {"scale": 0.01, "min_size_px": 1})
    obia.check_objects(100, 400, seg)


def test_per_object_glcm_ignores_outside_pixels():
    rng = np.random.default_rng(0)
    labels = np.zeros((12, 12), np.int32)
    labels[2:10, 2:10] = 1
    gray = rng.uniform(0, 1, labels.shape).astype(np.float32)
    lay = layers(labels.shape)
    lay["brightness"] = gray
    f = obia.object_features(labels, lay, resolution=10, glcm_layers=("brightness",), glcm_levels=8)
    g = obia.object_features(labels, lay, resolution=10, glcm_layers=(), glcm_levels=8)
    assert not any(c.startswith("glcm") for c in g.columns)
    # reference: quantise exactly as object_features does, then GLCM of the object's pixels alone
    lo, hi = np.percentile(gray[labels > 0], [2, 98])
    q = np.clip((gray - lo) / (hi - lo) * 7, 0, 7).round().astype(np.uint8)[2:10, 2:10]
    p = graycomatrix(q, [1], obia.GLCM_ANGLES, levels=8, symmetric=True)
    for prop in ("contrast", "entropy", "homogeneity"):  # each direction and the all-direction mean
        by_direction = graycoprops(p, prop)[0]
        assert f.loc[1, f"glcm_brightness_{prop}"] == pytest.approx(np.mean(by_direction))
        for degrees, value in zip((0, 45, 90, 135), by_direction):
            assert f.loc[1, f"glcm_brightness_{prop}_{degrees}"] == pytest.approx(value)
    assert f.filter(like="glcm_").shape[1] == 8 * 5


def test_overlap_and_roles():
    labels = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 0, 0]])
    ref = np.array([[1, 1, 2, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
    ov = obia.overlap_with(labels, ref)
    assert ov["overlap"].tolist() == [0.75, 0.5, 0.0]
    assert ov["reference"].tolist() == [1, 2, 0]
    roles = obia.training_roles(ov, 2, 0.7, 0.5, seed=1)
    assert roles["y"].tolist() == [1, -1, 0]
    assert roles.loc[2, "role"] == "ambiguous"
    assert len(roles.attrs["train_mines"]) == 1
    assert roles.loc[1, "role"] == ("train" if 1 in roles.attrs["train_mines"] else "test")


def test_fit_forest_separable_and_too_few():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"signal": np.r_[rng.normal(0, 1, 40), rng.normal(5, 1, 40)], "noise": rng.normal(0, 1, 80)})
    y = np.r_[np.zeros(40, int), np.ones(40, int)]
    model, table = obia.fit_forest(x, y, param_grid={"max_features": [1, 2]}, n_estimators=50, folds=4, seed=0)
    assert len(table) == 2 and (table["cv_f1_mean"] > 0.9).all() and (table["oob_error"] < 0.1).all()
    for method in ("oob", "permutation"):
        imp = obia.importance(model, x, y, method=method, repeats=5, seed=0)
        assert imp.loc[0, "feature"] == "signal" and imp["rank"].tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"^2 'mine' training objects of 42 \(not mine, mine: \[40, 2\]\); the 4-fold "
                                         r"search needs 4 of each class: lower identify.rf.cv_folds, or few objects"):
        obia.fit_forest(x.iloc[:42], y[:42], param_grid={"max_features": [1]}, n_estimators=10, folds=4, seed=0)
    with pytest.raises(ValueError, match=r"min_samples_split \[61\] exceeds the 60 training objects"):
        obia.fit_forest(x, y, param_grid={"min_samples_split": [61]}, n_estimators=10, folds=4, seed=0)


def test_merge_adjacent_objects():
    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 100), 10, 10)
    labels = np.zeros((10, 10), np.int32)
    labels[0:3, 0:3], labels[0:3, 3:6], labels[7:9, 7:9], labels[3, 6] = 1, 2, 3, 4
    objects = obia.label_polygons(labels, grid)
    assert list(objects["object"]) == [1, 2, 3, 4]
    merged = obia.merge_objects(objects, [1, 2, 3, 4], min_area_m2=500, resolution=10)
    # 1 and 2 share an edge, 4 touches 2 by a corner (8-connected); 3 (400 m²) is too small
    assert len(merged) == 1 and merged.geometry.area.iloc[0] == pytest.approx(1900)
    assert len(obia.merge_objects(objects, [1, 3], min_area_m2=100, resolution=10)) == 2


def test_oob_mda_matches_a_hand_loop_over_trees():
    """OOB mean decrease in accuracy: each tree's error rate on its own out-of-bag objects, with one feature
    permuted among them, minus its error rate unpermuted, averaged over the trees (R importance type = 1)."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(3)
    x = pd.DataFrame({"signal": np.r_[rng.normal(0, 1, 60), rng.normal(2, 1, 60)], "noise": rng.normal(0, 1, 120)})
    y = np.r_[np.zeros(60, int), np.ones(60, int)]
    forest = RandomForestClassifier(30, max_features=1, random_state=0, oob_score=True).fit(x, y)
    imp = obia.importance(forest, x, y, method="oob", repeats=1, seed=9).set_index("feature")
    rngs = np.random.default_rng(9).spawn(30)
    xs = x.to_numpy(np.float32)
    deltas = []
    for tree, in_bag, r in zip(forest.estimators_, forest.estimators_samples_, rngs):
        oob = np.setdiff1d(np.arange(120), in_bag)
        base = np.mean(tree.predict(xs[oob]) != y[oob])
        row = []
        for j in range(2):
            if j not in set(tree.tree_.feature[tree.tree_.feature >= 0]):
                row.append(0.0)
                continue
            shuffled = xs[oob].copy()
            shuffled[:, j] = r.permutation(shuffled[:, j])
            row.append(np.mean(tree.predict(shuffled) != y[oob]) - base)
        deltas.append(row)
    deltas = np.array(deltas)
    assert imp.loc["signal", "mda_mean"] == pytest.approx(deltas[:, 0].mean())
    assert imp.loc["noise", "mda_mean"] == pytest.approx(deltas[:, 1].mean())
    assert imp.loc["signal", "mda_mean"] > 0.1 > abs(imp.loc["noise", "mda_mean"])
    with pytest.raises(ValueError, match="'gini'"):
        obia.importance(forest, x, y, method="gini", repeats=1, seed=0)


@pytest.mark.bad_input
def test_no_non_mine_training_object_names_the_empty_class():
    x = pd.DataFrame({"signal": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"^0 'not mine' training objects of 20 .*: few objects lie mostly outside the "
                                         r"reference mines: widen the study area"):
        obia.fit_forest(x, np.ones(20, int), param_grid={"max_features": [1]}, n_estimators=10, folds=4, seed=0)


@pytest.mark.bad_input
def test_no_mine_training_object_names_the_mine_class_not_the_short_other():
    """Both classes short of the folds, none of them mines: the message is about the missing mines (it named the
    3 'not mine' objects, sending the user to widen the study area)."""
    x = pd.DataFrame({"signal": np.arange(3.0)})
    with pytest.raises(ValueError, match=r"^0 'mine' training objects of 3 .*: few objects lie mostly in a training "
                                         r"mine: give more reference mines"):
        obia.fit_forest(x, np.zeros(3, int), param_grid={"max_features": [1]}, n_estimators=10, folds=4, seed=0)



@pytest.mark.parametrize("module", ["minerestore.identify.obia", "minerestore.drivers.forest"])
def test_scikit_learn_loads_only_when_a_forest_is_fitted(module):
    """candidate_mines and the networks' refinement import the object module, the ranking job the drivers' one:
    scikit-learn (about 0.8 s per job) loads only when a forest is built."""
    import subprocess
    import sys

    code = f"import sys, {module}; print(any(m.startswith('sklearn') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
