"""The land-use stage (minerestore.landuse): multi-class scores against scikit-learn and the U-Net+ study's Table II,
the study's Table III count, the class table, labels brought onto the image grid, patches and their split, the
normalisation, training and prediction of a tiny network, the GF-2-like scene, the config's checks, and the stage
run by Snakemake on a tiny scene."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rasterio.transform import from_origin
from rasterio.windows import Window

from minerestore.config import ConfigError
from minerestore.landuse import samples
from minerestore.landuse.classes import NODATA, class_table, code_of_values, colormap, index_lookup
from minerestore.landuse.scores import confusion, metrics_rows, scores, top_two

SCHEMA_CLASSES = [
    {"code": 1, "name": "open-pit mine", "abbreviation": "OPM", "colour": "#d62728"},
    {"code": 2, "name": "water", "abbreviation": "WAT", "colour": "#1f77b4"},
    {"code": 3, "name": "buildings", "abbreviation": "BUI", "colour": "#e377c2"},
    {"code": 4, "name": "bare soil", "abbreviation": "BAS", "colour": "#e0c068"},
    {"code": 5, "name": "road", "abbreviation": "ROA", "colour": "#7f7f7f"},
    {"code": 6, "name": "vegetation", "abbreviation": "VEG", "colour": "#2ca02c"},
    {"code": 7, "name": "waste-dump area", "abbreviation": "WDA", "colour": "#8c564b"},
]
TABLE = class_table(SCHEMA_CLASSES)


# --- scores -----------------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, 200, elements=st.integers(0, 4)), arrays(np.uint8, 200, elements=st.integers(0, 4)))
def test_scores_equal_scikit_learn(truth, predicted):
    from sklearn.metrics import (
        accuracy_score,
        cohen_kappa_score,
        confusion_matrix,
        jaccard_score,
        precision_recall_fscore_support,
    )

    k = 5
    matrix = confusion(truth, predicted, k)
    np.testing.assert_array_equal(matrix, confusion_matrix(truth, predicted, labels=range(k)))
    s = scores(matrix)
    assert s["oa"] == pytest.approx(accuracy_score(truth, predicted))
    kappa = cohen_kappa_score(truth, predicted)
    assert (np.isnan(s["kappa"]) and np.isnan(kappa)) or s["kappa"] == pytest.approx(kappa)
    ua, pa, _, support = precision_recall_fscore_support(truth, predicted, labels=range(k), zero_division=np.nan)
    np.testing.assert_allclose(s["pa"], pa)
    np.testing.assert_allclose(s["ua"], ua)
    np.testing.assert_array_equal(s["n_pixels"], support)
    present = sorted(set(truth) | set(predicted))
    iou = jaccard_score(truth, predicted, labels=present, average=None)
    np.testing.assert_allclose(s["iou"][present], iou)
    assert s["miou"] == pytest.approx(jaccard_score(truth, predicted, labels=present, average="macro"))
    absent = [c for c in range(k) if c not in present]
    assert np.isnan(s["iou"][absent]).all()


@given(arrays(np.int64, (4, 4), elements=st.integers(0, 1000)))
def test_iou_from_pa_and_ua(matrix):
    """IoU = 1 / (1/PA + 1/UA − 1), the identity every printed triple of the study's Table II must satisfy."""
    s = scores(matrix)
    ok = (s["pa"] > 0) & (s["ua"] > 0)
    np.testing.assert_allclose(s["iou"][ok], 1 / (1 / s["pa"][ok] + 1 / s["ua"][ok] - 1), rtol=1e-12)


def test_the_studys_table_ii_triple():
    """OPM by U-Net+ in the study's Table II: PA 95.13 %, UA 94.92 %, IoU 90.52 %. A matrix with exactly that PA and
    UA gives that IoU (to the two decimals printed)."""
    tp = 9513 * 9492
    fn, fp = 9492 * 10000 - tp, 9513 * 10000 - tp  # PA = tp / (tp + fn) = 0.9513, UA = tp / (tp + fp) = 0.9492
    matrix = np.array([[tp, fn], [fp, 0]])
    s = scores(matrix)
    assert (s["pa"][0], s["ua"][0]) == (pytest.approx(0.9513), pytest.approx(0.9492))
    assert round(100 * s["iou"][0], 2) == 90.52
    assert round(100 / (1 / 0.9513 + 1 / 0.9492 - 1), 2) == 90.52


def test_absent_classes_are_nan_never_0_or_1():
    """Class 2 is in neither labels nor map: NaN and out of mIoU. Class 1 is in the labels, never predicted: PA 0,
    UA NaN, IoU 0 (it counts in mIoU). Class 3 is predicted, never in the labels: PA NaN, UA 0, IoU 0."""
    truth = np.array([0, 0, 0, 1, 1, 0, NODATA], np.uint8)
    pred = np.array([0, 0, 3, 0, 0, 0, 2], np.uint8)  # the last pixel is unlabelled: not counted
    s = scores(confusion(truth, pred, 4))
    assert np.isnan(s["pa"][2]) and np.isnan(s["ua"][2]) and np.isnan(s["iou"][2])
    assert s["pa"][1] == 0 and np.isnan(s["ua"][1]) and s["iou"][1] == 0
    assert np.isnan(s["pa"][3]) and s["ua"][3] == 0 and s["iou"][3] == 0
    assert s["iou"][0] == pytest.approx(3 / 6)
    assert s["miou"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert s["oa"] == pytest.approx(3 / 6) and s["n_pixels"].tolist() == [4, 2, 0, 0]
    empty = scores(np.zeros((3, 3)))
    assert np.isnan(empty["oa"]) and np.isnan(empty["kappa"]) and np.isnan(empty["miou"])
    single = scores(np.diag([5, 0]))  # one class everywhere, right: p_e = 1
    assert single["oa"] == 1 and np.isnan(single["kappa"])


def test_metrics_rows_and_top_two():
    """Three networks; A best everywhere, B and C tied second on OA (both count), C alone second elsewhere; a NaN
    (class absent for B) takes no part."""
    m = pd.DataFrame([
        {"network": "A", "class": "all", "oa": 0.9, "kappa": 0.8, "miou": 0.7},
        {"network": "B", "class": "all", "oa": 0.8, "kappa": 0.6, "miou": 0.5},
        {"network": "C", "class": "all", "oa": 0.8, "kappa": 0.7, "miou": 0.6},
        {"network": "A", "class": "OPM", "pa": 0.9, "ua": 0.9, "iou": 0.8},
        {"network": "B", "class": "OPM", "pa": np.nan, "ua": 0.1, "iou": 0.1},
        {"network": "C", "class": "OPM", "pa": 0.5, "ua": 0.5, "iou": 0.5},
    ])
    out = top_two(m).set_index("network")
    assert out.loc["A", "top_two"] == 6 and out.loc["B", "top_two"] == 1 and out.loc["C", "top_two"] == 6
    assert out.loc["B", "oa"] == 1 and out.loc["C", "oa"] == 1 and out.loc["B", "scores"] == 5
    rows = metrics_rows("net", np.array([[3, 1], [0, 4]]), ["X", "Y"])
    assert rows["class"].tolist() == ["all", "X", "Y"]
    assert rows.loc[0, "oa"] == pytest.approx(7 / 8) and rows.loc[0, "n_pixels"] == 8
    assert rows.loc[1, "pa"] == pytest.approx(0.75) and rows.loc[2, "ua"] == pytest.approx(0.8)


# --- class table ------------------------------------------------------------------------------------------------

@pytest.mark.bad_input
@pytest.mark.parametrize("change, words", [
    (lambda t: t[1].update(code=1), "code [1] given to more than one class"),
    (lambda t: t[1].update(abbreviation="OPM"), "abbreviation ['OPM'] given to more than one class"),
    (lambda t: t[1].update(code=255), "class WAT has code 255; codes are 0-254"),
    (lambda t: t[1].update(colour="blue"), "class WAT has colour 'blue'"),
])
def test_the_class_table_is_checked(change, words):
    table = [dict(c) for c in SCHEMA_CLASSES]
    change(table)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        class_table(table)


def test_class_values_codes_and_colours():
    assert code_of_values([1, "wat", "Waste-dump area", 4.0, " VEG "], TABLE, "f").tolist() == [1, 2, 7, 4, 6]
    with pytest.raises(ValueError, match=r"f: class value\(s\) \['9', 'lake'\] are not in landuse.classes"):
        code_of_values([1, 9, "lake"], TABLE, "f")
    lut = index_lookup(TABLE)
    assert lut[1] == 0 and lut[7] == 6 and lut[0] == NODATA and lut[NODATA] == NODATA
    assert colormap(TABLE)[1] == (214, 39, 40, 255) and colormap(TABLE)[NODATA][3] == 0


# --- samples ----------------------------------------------------------------------------------------------------

def write(path, data, transform, crs="EPSG:32650", nodata=None, descriptions=None):
    data = data if data.ndim == 3 else data[None]
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data)
        for i, d in enumerate(descriptions or [], start=1):
            dst.set_band_description(i, d)
    return path


@pytest.fixture
def scene(tmp_path):
    """A 64 x 64 px image at 2 m (four bands, no descriptions) and its labels: OPM left, VEG right, WDA bottom."""
    labels = np.full((64, 64), 6, np.uint8)
    labels[:, :20] = 1
    labels[48:, 20:] = 7
    image = np.stack([labels * 10 + b for b in range(4)]).astype(np.uint16)
    transform = from_origin(500000, 3300128, 2, 2)
    return {"image": write(tmp_path / "image.tif", image, transform),
            "labels": write(tmp_path / "labels.tif", labels, transform, nodata=0), "truth": labels,
            "tmp": tmp_path}


def test_bands_are_named_in_file_order_or_refused(scene):
    indexes, names = samples.band_indexes(scene["image"], ["blue", "green", "red", "nir"], in_file_order=True)
    assert indexes == [1, 2, 3, 4] and names == ["blue", "green", "red", "nir"]
    with pytest.raises(ValueError, match=r"image.tif: the image has 4 bands and regions.<name>.landuse.bands names "
                                         r"3"):
        samples.band_indexes(scene["image"], ["blue", "green", "red"], in_file_order=True)
    with pytest.raises(ValueError, match="its 4 bands have no descriptions; name them in order"):
        samples.band_indexes(scene["image"], None, in_file_order=True)


def test_labels_on_the_image_grid(scene, caplog):
    grid = samples.image_grid(scene["image"])
    out = scene["tmp"] / "on_grid.tif"
    samples.write_labels(samples.LabelSource(scene["labels"], grid, TABLE, "class"), grid, 32, out)
    with rasterio.open(out) as src:
        np.testing.assert_array_equal(src.read(1), scene["truth"])
        assert src.colormap(1)[1][:3] == (214, 39, 40) and json.loads(src.tags()["classes"])[0]["abbreviation"] == "OPM"


@pytest.mark.bad_input
def test_labels_on_another_grid_are_resampled_by_nearest_and_logged(scene, caplog):
    """Labels at 4 m in WGS 84 / UTM 50N's geographic twin (degrees): every image pixel takes its nearest label."""
    from rasterio.warp import transform_bounds

    grid = samples.image_grid(scene["image"])
    west, south, east, north = transform_bounds("EPSG:32650", "EPSG:4326", *grid.bounds)
    coarse = np.full((40, 40), 6, np.uint8)
    coarse[:, :12] = 1  # the western ~30 % in degrees
    write(scene["tmp"] / "geo.tif", coarse, from_origin(west - 0.0001, north + 0.0001,
                                                          (east - west + 0.0002) / 40, (north - south + 0.0002) / 40),
          crs="EPSG:4326", nodata=0)
    with caplog.at_level(logging.WARNING):
        source = samples.LabelSource(scene["tmp"] / "geo.tif", grid, TABLE, "class")
    assert "on another grid than the image" in caplog.text and "resampled by nearest neighbour" in caplog.text
    codes = source.read(Window(0, 0, 64, 64))
    assert set(np.unique(codes)) == {1, 6} and (codes[:, :10] == 1).all() and (codes[:, -10:] == 6).all()


@pytest.mark.bad_input
def test_labels_apart_from_the_image_or_with_unknown_codes_are_refused(scene):
    grid = samples.image_grid(scene["image"])
    far = write(scene["tmp"] / "far.tif", np.ones((8, 8), np.uint8), from_origin(600000, 3300000, 2, 2))
    with pytest.raises(ValueError, match=r"the labels .*far.tif \(\(600000.0, .*\) in the image's CRS\) do not "
                                         r"overlap the image .*image.tif"):
        samples.check_overlap(far, scene["image"], grid)
    bad = scene["truth"].copy()
    bad[:2, :2], bad[5, 5] = 9, 12
    path = write(scene["tmp"] / "bad.tif", bad, from_origin(500000, 3300128, 2, 2), nodata=0)
    with pytest.raises(ValueError, match=r"bad.tif: label code\(s\) \[9, 12\] are not in landuse.classes \(1 OPM"):
        samples.LabelSource(path, grid, TABLE, "class").read(Window(0, 0, 64, 64))
    undeclared = write(scene["tmp"] / "zero.tif", np.where(scene["truth"] == 7, 0, scene["truth"]).astype(np.uint8),
                       from_origin(500000, 3300128, 2, 2))
    with pytest.raises(ValueError, match=r"label code\(s\) \[0\] .*declare the file's no-data value"):
        samples.LabelSource(undeclared, grid, TABLE, "class").read(Window(0, 0, 64, 64))


def test_polygon_labels_by_abbreviation(scene):
    import geopandas as gpd
    from shapely.geometry import box

    grid = samples.image_grid(scene["image"])
    x0, y0, x1, y1 = grid.bounds
    frame = gpd.GeoDataFrame({"landuse": ["OPM", "veg"]}, geometry=[box(x0, y0, x0 + 40, y1), box(x0 + 40, y0, x1, y1)],
                             crs="EPSG:32650").to_crs("EPSG:4326")
    frame.to_file(scene["tmp"] / "labels.gpkg")
    source = samples.LabelSource(scene["tmp"] / "labels.gpkg", grid, TABLE, "landuse")
    codes = source.read(Window(0, 0, 64, 64))
    assert (codes[:, :19] == 1).all() and (codes[:, 21:] == 6).all()
    with pytest.raises(ValueError, match=r"no field 'class' .* the layer has \['landuse'\]"):
        samples.LabelSource(scene["tmp"] / "labels.gpkg", grid, TABLE, "class")


@pytest.mark.bad_input
def test_a_black_fill_without_a_declared_no_data_is_no_data(scene, caplog):
    """An orthophoto whose outside is 0 in every band without a no-data value: those pixels are no data (warned,
    neither trained on nor scored); a 0 in one band only is data."""
    with rasterio.open(scene["image"]) as src:
        image, transform = src.read(), src.transform
    image[:, :, :16] = 0
    image[0, 40, 40] = 0
    path = write(scene["tmp"] / "black.tif", image, transform)
    with caplog.at_level(logging.WARNING):
        assert samples.no_data_share(path, [1, 2, 3, 4]) == pytest.approx(0.25)
    assert "25.0 % of the image has no data" in caplog.text
    grid = samples.image_grid(path)
    patches = samples.patch_table(scene["labels"], path, [1, 2, 3, 4], grid, TABLE, patch=16, train_fraction=0.7,
                                  seed=1)
    assert len(patches) == 12 and patches["OPM"].sum() == 4 * 64 and patches["labelled_px"].sum() == 48 * 64


@pytest.mark.bad_input
def test_an_image_smaller_than_a_patch_is_refused(scene):
    with pytest.raises(ValueError, match=r"the image is 64 x 64 px, smaller than a patch of 128 x 128 px "
                                         r"\(landuse.patch_px\)"):
        samples.patch_windows(samples.image_grid(scene["image"]), 128)


def test_patches_their_split_and_the_normalisation(scene, caplog):
    """16 patches of 16 px, 11 to train (round(0.7 x 16)), seeded; the strips that do not fill a patch are left out;
    a class without training pixels is warned about; mean and std over the training pixels as numpy gives them."""
    grid = samples.image_grid(scene["image"])
    table = class_table([*SCHEMA_CLASSES, {"code": 9, "name": "tailings", "abbreviation": "TAI", "colour": "#000000"}])
    a = samples.patch_table(scene["labels"], scene["image"], [1, 2, 3, 4], grid, table, patch=16, train_fraction=0.7,
                            seed=1)
    b = samples.patch_table(scene["labels"], scene["image"], [1, 2, 3, 4], grid, table, patch=16, train_fraction=0.7,
                            seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 16 and (a["role"] == "train").sum() == 11 and a["labelled_px"].sum() == 64 * 64
    assert a[["OPM", "VEG", "WDA"]].sum().tolist() == [20 * 64, 44 * 48, 44 * 16]
    with caplog.at_level(logging.WARNING):
        pixels = samples.class_pixels(a, table)
    assert "class TAI (tailings, code 9) has no pixel in the training patches" in caplog.text
    assert pixels["train_px"].sum() + pixels["validation_px"].sum() == 64 * 64
    train = a[a["role"] == "train"]
    windows = [Window(c, r, 16, 16) for r, c in zip(train["row"], train["col"])]
    mean, std = samples.normalisation(scene["image"], [1, 2, 3, 4], windows)
    with rasterio.open(scene["image"]) as src:
        pixels = np.concatenate([src.read(window=w).reshape(4, -1) for w in windows], axis=1).astype(float)
    np.testing.assert_allclose(mean, pixels.mean(axis=1))
    np.testing.assert_allclose(std, pixels.std(axis=1))


# --- networks ---------------------------------------------------------------------------------------------------

@pytest.fixture
def trained(scene):
    torch = pytest.importorskip("torch")
    pytest.importorskip("segmentation_models_pytorch")
    from minerestore.identify import segmentation as seg
    from minerestore.landuse import network as net

    grid = samples.image_grid(scene["image"])
    table = class_table(SCHEMA_CLASSES[:1] + SCHEMA_CLASSES[5:])  # OPM, VEG, WDA
    patches = samples.patch_table(scene["labels"], scene["image"], [1, 2, 3, 4], grid, table, patch=32,
                                  train_fraction=0.5, seed=0)
    origins = {role: list(zip(p["row"], p["col"])) for role, p in patches.groupby("role")}
    options = {"patch_px": 32, "loss": "weighted_cross_entropy", "learning_rate": 0.01, "batch_size": 2}

    def fit():
        seg.seeded(0, 1)
        card = net.new_card("unetplus", encoder="resnet18", width=4, table=table, bands=["b", "g", "r", "n"],
                            mean=[40.0] * 4, std=[25.0] * 4, options=options, seed=0)
        model = net.build("unetplus", 4, len(table), encoder="resnet18", width=4)
        reader = net.PatchReader(scene["image"], [1, 2, 3, 4], scene["labels"], table, card.mean, card.std, 32)
        pixels = patches.loc[patches["role"] == "train", [c.abbreviation for c in table]].sum().to_numpy()
        result = net.train(model, reader, origins["train"], origins["validation"],
                           loss=net.loss_function("weighted_cross_entropy", pixels, torch.device("cpu")), epochs=3,
                           batch_size=2, learning_rate=0.01, seed=0, dev=torch.device("cpu"))
        return model, card, result

    return {"fit": fit, "grid": grid, "table": table, "origins": origins, **scene}


def test_training_is_deterministic_and_the_map_round_trips(trained):
    import torch

    from minerestore.identify import segmentation as seg
    from minerestore.landuse import network as net

    (a, card, fit_a), (b, _, fit_b) = trained["fit"](), trained["fit"]()
    assert [h["val_loss"] for h in fit_a["history"]] == [h["val_loss"] for h in fit_b["history"]]
    assert fit_a["best_epoch"] == int(np.argmin([h["val_loss"] for h in fit_a["history"]])) + 1
    for va, vb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(va, vb)
    out = trained["tmp"] / "prediction.tif"
    net.predict_map(a, card, trained["image"], [1, 2, 3, 4], trained["grid"], out, tile_px=40, overlap=8,
                    dev=torch.device("cpu"))
    with rasterio.open(out) as src:
        codes = src.read(1)
        assert src.nodata == NODATA and set(np.unique(codes)) <= {1, 6, 7} and src.colormap(1)[7][:3] == (140, 86, 75)
        assert json.loads(src.tags()["classes"])[2]["abbreviation"] == "WDA"
    matrix = net.validation_confusion(out, trained["labels"], trained["table"], trained["origins"]["validation"], 32)
    assert matrix.sum() == 32 * 32 * len(trained["origins"]["validation"])
    seg.save_model(a, card, trained["tmp"] / "model.pt")
    again, card_again = net.load(trained["tmp"] / "model.pt")
    assert card_again == card
    net.predict_map(again, card_again, trained["image"], [1, 2, 3, 4], trained["grid"], trained["tmp"] / "p2.tif",
                    tile_px=40, overlap=8, dev=torch.device("cpu"))
    with rasterio.open(trained["tmp"] / "p2.tif") as src:
        np.testing.assert_array_equal(src.read(1), codes)


@pytest.mark.bad_input
def test_a_model_is_refused_for_other_bands_or_classes_and_cuda_is_named(trained):
    import torch

    from minerestore.identify import segmentation as seg
    from minerestore.landuse import network as net

    card = net.new_card("unetplus", encoder="resnet18", width=4, table=trained["table"],
                        bands=["blue", "green", "red", "nir"], mean=[0] * 4, std=[1] * 4,
                        options={"patch_px": 32, "loss": "cross_entropy", "learning_rate": 1e-4, "batch_size": 8},
                        seed=0)
    card.check_bands(["blue", "green", "red", "nir"], "m.pt")
    with pytest.raises(ValueError, match=r"m.pt: band 4 of the image is 'swir1' where the model was trained on "
                                         r"'nir'"):
        card.check_bands(["blue", "green", "red", "swir1"], "m.pt")
    with pytest.raises(ValueError, match=r"band 4 of the image is None where the model was trained on 'nir'"):
        card.check_bands(["blue", "green", "red"], "m.pt")
    with pytest.raises(ValueError, match=r"m.pt: the model maps classes \[\(1, 'OPM'\), \(6, 'VEG'\), \(7, 'WDA'\)\]"):
        card.check_classes(TABLE, "m.pt")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="landuse.device is 'cuda' but torch sees no CUDA device"):
            seg.device("cuda", "landuse.device")
    assert seg.device("auto", "landuse.device").type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_class_weights_are_median_frequency_balanced():
    from minerestore.landuse.network import class_weights

    w = class_weights(np.array([600, 300, 100, 0]))
    np.testing.assert_allclose(w, [0.3 / 0.6, 1.0, 0.3 / 0.1, 0.0])


# --- the GF-2-like scene ----------------------------------------------------------------------------------------

def test_the_gf2_scene_has_the_seven_classes_in_mining_shares():
    from minerestore.sources.synthetic.gf2 import CLASSES, OPM, ROA, WDA, gf2_scene

    image, labels = gf2_scene(512, 4.0, 3)
    again, labels_again = gf2_scene(512, 4.0, 3)
    np.testing.assert_array_equal(image, again)
    np.testing.assert_array_equal(labels, labels_again)
    shares = {c: float(np.mean(labels == i)) for i, c in enumerate(CLASSES)}
    assert all(v > 0.002 for v in shares.values()), shares
    assert shares["VEG"] == max(shares.values()) and shares["ROA"] < 0.05 and shares["WDA"] < shares["OPM"]
    mean = {c: image[:, labels == i].mean(axis=1) for i, c in enumerate(CLASSES)}
    gap = lambda a, b: np.abs(mean[a] - mean[b]).max()  # noqa: E731
    assert gap("OPM", "WDA") < 0.03 < min(gap("OPM", "VEG"), gap("OPM", "WAT"))  # dumps close to pits in colour
    assert image.shape == (4, 512, 512) and (image > 0).all() and (image < 1).all()
    assert OPM != WDA != ROA


# --- config -----------------------------------------------------------------------------------------------------

def landuse_config(region_block, **landuse):
    from test_config import load_default

    config = load_default()
    config["regions"] = {"pit": {"landuse": region_block}}
    config["landuse"] = landuse
    return config


@pytest.mark.bad_input
@pytest.mark.parametrize("block, landuse, words", [
    ({"only": True, "synthetic": {}}, {"networks": ["unetplus", "unet3"]},
     "config key landuse.networks: 'unet3' is not a segmentation network it takes; known: unet"),
    ({"only": True, "synthetic": {"size_px": 256}}, {},
     "regions.pit.landuse.synthetic.size_px: the scene of 256 px is smaller than a patch of 512 px"),
    ({"only": True, "image": "config.yaml"}, {}, "regions.pit.landuse.labels: missing"),
    ({"only": True, "labels": "config.yaml"}, {}, "regions.pit.landuse.image: missing; a land-use-only region"),
    ({"only": True, "image": "nowhere.tif", "labels": "config.yaml"}, {},
     "regions.pit.landuse.image: file 'nowhere.tif' does not exist"),
    ({"only": True, "synthetic": {}, "image": "config.yaml"}, {}, "give either synthetic"),
    ({"only": True, "synthetic": {}, "models": {"segnet": "config.yaml"}}, {"networks": ["unet"]},
     "regions.pit.landuse.models: 'segnet' is not one of landuse.networks"),
    ({"only": True, "synthetic": {}}, {"classes": SCHEMA_CLASSES[:6]}, "landuse.classes lacks ['WDA']"),
    ({"only": False, "synthetic": {}}, {}, "'source' is a required property"),
])
def test_landuse_config_errors(block, landuse, words):
    from test_config import validated

    with pytest.raises(ConfigError) as err:
        validated(landuse_config(block, **landuse))
    assert words in str(err.value)


def test_a_landuse_only_region_needs_no_time_series_keys():
    from test_config import validated

    config = validated(landuse_config({"only": True, "synthetic": {"size_px": 512}}))
    lu = config["regions"]["pit"]["landuse"]
    assert lu["synthetic"] == {"seed": 42, "size_px": 512, "resolution_m": 4, "crs": "EPSG:32650"}
    assert config["landuse"]["networks"] == ["fcn8s", "segnet", "unet", "resunet", "unetplusplus", "unetplus"]
    assert (config["landuse"]["patch_px"], config["landuse"]["epochs"], config["landuse"]["learning_rate"]) == \
        (512, 20, 1e-4)
    assert [c["abbreviation"] for c in config["landuse"]["classes"]] == [c["abbreviation"] for c in SCHEMA_CLASSES]


# --- the stage in the workflow ----------------------------------------------------------------------------------

TINY = {"regions": {"pit": {"landuse": {"only": True, "synthetic": {"seed": 3, "size_px": 128, "resolution_m": 4}}}},
        "landuse": {"patch_px": 32, "epochs": 2, "batch_size": 4, "learning_rate": 0.01, "width": 4,
                    "encoder": "resnet18", "overlap_px": 8}}


@pytest.fixture(scope="module")
def landuse_run(tmp_path_factory):
    import yaml
    from conftest import snakemake

    tmp = tmp_path_factory.mktemp("landuse")
    (tmp / "config.yaml").write_text(yaml.safe_dump(TINY | {"results": str(tmp / "results")}))
    proc = snakemake("--configfile", tmp / "config.yaml", timeout=1500)
    return proc, tmp / "results" / "pit"


@pytest.mark.workflow
def test_the_stage_runs_the_six_networks_on_a_tiny_scene(landuse_run):
    proc, out = landuse_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = pd.read_csv(out / "landuse" / "metrics.csv")
    networks = ["fcn8s", "segnet", "unet", "resunet", "unetplusplus", "unetplus"]
    assert list(dict.fromkeys(metrics["network"])) == networks
    assert (metrics.groupby("network").size() == 8).all()  # all and seven classes
    overall = metrics[metrics["class"] == "all"]
    assert overall[["oa", "kappa", "miou"]].notna().all().all() and (overall["oa"] <= 1).all()
    assert pd.read_csv(out / "landuse" / "top_two.csv")["network"].tolist() == networks
    card = json.loads((out / "landuse" / "unetplus" / "model.pt.json").read_text())
    assert card["bands"] == ["blue", "green", "red", "nir"] and card["patch_px"] == 32 and card["seed"] == 42
    assert card["epochs"] == 2 and len(card["classes"]) == 7 and set(card["scores"]) >= {"oa", "kappa", "miou"}
    row = overall.set_index("network").loc["unetplus"]
    assert card["scores"]["miou"] == pytest.approx(row["miou"])
    confusion_table = pd.read_csv(out / "landuse" / "unetplus" / "confusion.csv", index_col="reference")
    assert confusion_table.to_numpy().sum() == row["n_pixels"]
    patches = pd.read_csv(out / "landuse" / "patches.csv")
    assert len(patches) == 16 and (patches["role"] == "train").sum() == 11
    assert len(pd.read_csv(out / "landuse" / "unetplus" / "history.csv")) == 2
    with rasterio.open(out / "landuse" / "fcn8s" / "prediction.tif") as src:
        assert src.shape == (128, 128) and src.colormap(1)[1][:3] == (214, 39, 40)
    for name in ("landuse_maps", "landuse_scores", "landuse_classes"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 10000
    assert not (out / "composites").exists() and not (out.parent / "ranking.csv").exists()


@pytest.mark.workflow
def test_the_default_run_has_no_landuse_job_and_a_region_maps_its_composite(tmp_path):
    """The stage runs only for regions with a landuse block: the tiny config plans no landuse job; with a block
    and no image, the region's last composite is the image."""
    import yaml
    from conftest import REPO
    from test_registries import dry_run, planned_rules

    config = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    assert not any(r.startswith(("landuse", "plot_landuse")) for r in planned_rules(dry_run(tmp_path, config)))
    config["regions"]["tiny"]["landuse"] = {"labels": "config/tiny.yaml"}
    config["landuse"] = {"networks": ["unetplus"], "patch_px": 64}
    proc = dry_run(tmp_path, config)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {"landuse_samples", "landuse_network", "plot_landuse"} <= planned_rules(proc)
    assert "tiny/composites/2022.vrt" in proc.stdout.split("rule landuse_samples:")[1].split("output:")[0]


@pytest.mark.bad_input
def test_a_diverged_training_is_refused_not_kept():
    """A validation loss that is never finite (a learning rate far too high) stops training with what to do, not a
    model of random weights."""
    torch = pytest.importorskip("torch")
    from minerestore.identify.segmentation import fit_epochs

    model = torch.nn.Conv2d(1, 2, 1)
    x, y = torch.zeros(2, 1, 4, 4), torch.zeros(2, 4, 4, dtype=torch.int64)

    def loss(out, labels):
        return out.sum() * float("nan")

    with pytest.raises(RuntimeError, match=r"no epoch of 2 gave a finite validation loss .* lower the learning rate"):
        fit_epochs(model, lambda: [(x, y)], lambda m: float("nan"), loss, dev=torch.device("cpu"), epochs=2,
                   learning_rate=0.1, cosine=False, patience=None, min_delta=0.0)
