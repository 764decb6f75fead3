"""Deep-learning segmentation (segmentation-models-pytorch networks): patches, labels, the class-balanced loss's
weights, the model card's refusals, devices, determinism on CPU, and learning a planted shape."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("segmentation_models_pytorch")

from minerestore.identify import segmentation as seg  # noqa: E402

OPTIONS = {"epochs": 20, "batch_size": 8, "learning_rate": 0.005, "validation_fraction": 0.2, "patience": 20}


def test_patch_origins_cover_every_pixel():
    assert seg.patch_origins(256, 256, 128) == [0]
    assert seg.patch_origins(100, 256, 128) == [0]
    assert seg.patch_origins(600, 256, 128) == [0, 128, 256, 344]  # the last flush with the end
    assert seg.patch_origins(512, 256, 128) == [0, 128, 256]


def test_training_labels_hide_test_mines_and_their_rim():
    train = np.zeros((8, 8), bool)
    train[1:3, 1:3] = True
    test = np.zeros((8, 8), bool)
    test[5, 5] = True
    inside = np.ones((8, 8), bool)
    inside[:, 7] = False
    labels = seg.training_labels(train, test, inside, rim_px=1)
    assert (labels[1:3, 1:3] == 1).all() and labels[0, 0] == 0
    assert (labels[4:7, 4:7] == seg.IGNORE).all() and labels[3, 3] == 0  # the test mine and one pixel round it
    assert (labels[:, 7] == seg.IGNORE).all()  # outside the study area


def test_training_patches_and_the_error_without_a_training_mine():
    image = np.random.default_rng(0).normal(size=(3, 40, 40)).astype(np.float32)
    labels = np.zeros((40, 40), np.uint8)
    labels[10:14, 10:14] = 1
    labels[:, 30:] = seg.IGNORE
    x, y = seg.training_patches(image, labels, 16, 8)
    assert x.shape[1:] == (3, 16, 16) and y.shape[1:] == (16, 16)
    assert all(np.mean(p != seg.IGNORE) >= 0.5 for p in y) and any((p == 1).any() for p in y)
    with pytest.raises(ValueError, match=r"none of the \d+ training patches of 16 px holds a training-mine pixel"):
        seg.training_patches(image, np.zeros((40, 40), np.uint8), 16, 8)


class _Echo(torch.nn.Module):
    """A 'network' whose mine probability is its first input band (logits 0 and log(p / (1 - p)))."""

    def forward(self, x):
        p = x[:, 0].clamp(1e-6, 1 - 1e-6)
        return torch.stack([torch.zeros_like(p), torch.log(p / (1 - p))], dim=1)


def test_calibrated_threshold_is_the_best_f1_on_the_validation_pixels():
    """Mine pixels at 0.66-0.8 and background at 0.1-0.6: from 0.65 every mine pixel and no background pixel is
    mine (F1 1); at 0.6 a background pixel joins. A pixel the loss ignores (probability 0.95) does not count, and
    patches without a mine pixel give 0.5."""
    prob = np.array([[0.66, 0.7, 0.8, 0.1, 0.3, 0.6, 0.95, 0.2]], np.float32).reshape(1, 1, 2, 4)
    labels = np.array([[1, 1, 1, 0], [0, 0, seg.IGNORE, 0]], np.uint8)[None]
    assert seg.calibrated_threshold(_Echo(), prob, labels, torch.device("cpu")) == 0.65
    labels[labels == 1] = 0
    assert seg.calibrated_threshold(_Echo(), prob, labels, torch.device("cpu")) == 0.5


def test_class_weights_balance_the_classes():
    labels = np.array([0] * 90 + [1] * 10 + [seg.IGNORE] * 50, np.uint8)
    w0, w1 = seg.class_weights(labels)
    assert w0 + w1 == pytest.approx(2) and w1 / w0 == pytest.approx(3)  # sqrt(90 / 10)


def test_model_card_refuses_other_bands_or_normalisation():
    card = seg.ModelCard("unet", "resnet18", ["red", "nir", "ndvi"], [0.1, 0.3, 0.5], [0.05, 0.1, 0.2], 64, 10, 1)
    card.check_compatible(["red", "nir", "ndvi"], [0.1, 0.3, 0.5], [0.05, 0.1, 0.2])
    with pytest.raises(ValueError, match=r"m.pt: the model was trained on bands \['red', 'nir', 'ndvi'\], the "
                                         r"inputs are \['red', 'nir', 'slope'\]"):
        card.check_compatible(["red", "nir", "slope"], source="m.pt")
    with pytest.raises(ValueError, match="normalisation std of band 'nir' differs"):
        card.check_compatible(["red", "nir", "ndvi"], std=[0.05, 0.2, 0.2])


def test_devices():
    assert seg.device("cpu").type == "cpu"
    assert seg.device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="identify.dl.device is 'cuda' but torch sees no CUDA device"):
            seg.device("cuda")
    with pytest.raises(KeyError, match="'fcn' is not a segmentation network; known: unet, unetplusplus"):
        seg.build_model("fcn", 3, "resnet18", None, 8)


def squares(n=40, size=32, seed=0):
    """Patches of noise with a bright square (the mine) in each; labels 1 on the square."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 2, size, size)).astype(np.float32)
    y = np.zeros((n, size, size), np.uint8)
    for i in range(n):
        r, c = rng.integers(2, size - 12, 2)
        x[i, :, r:r + 10, c:c + 10] += 3.0
        y[i, r:r + 10, c:c + 10] = 1
    return x, y


def fitted(method, seed=3, epochs=OPTIONS["epochs"]):
    seg.seeded(seed, 2)
    model = seg.build_model(method, 2, "resnet18", None, 16)
    x, y = squares()
    fit = seg.train(model, x, y, options=OPTIONS | {"epochs": epochs}, seed=seed, dev=torch.device("cpu"))
    return model, fit


def test_training_is_deterministic_on_cpu():
    (a, fit_a), (b, fit_b) = fitted("unet", epochs=3), fitted("unet", epochs=3)
    assert [h["val_loss"] for h in fit_a["history"]] == [h["val_loss"] for h in fit_b["history"]]
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


@pytest.mark.parametrize("method", ["unet", "deeplabv3plus", "fcn8s", "segnet", "resunet", "unetplus"])
def test_a_network_learns_the_planted_squares_and_round_trips(method, tmp_path):
    model, fit = fitted(method)
    assert fit["history"][-1]["train_loss"] < fit["history"][0]["train_loss"]
    x, y = squares(n=2, seed=9)
    prob = seg.predict(model, x[0], patch=32, overlap=8, dev=torch.device("cpu"))
    predicted = prob >= 0.5
    iou = np.sum(predicted & (y[0] == 1)) / np.sum(predicted | (y[0] == 1))
    assert iou > 0.5, iou
    card = seg.ModelCard(method, "resnet18", ["a", "b"], [0.0, 0.0], [1.0, 1.0], 32, 10.0, 3, fit["epochs"], width=16)
    seg.save_model(model, card, tmp_path / f"model_{method}.pt")
    again, card_again = seg.load_model(tmp_path / f"model_{method}.pt")
    assert card_again == card
    np.testing.assert_allclose(seg.predict(again, x[0], patch=32, overlap=8, dev=torch.device("cpu")), prob, atol=1e-6)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        seg.load_model(tmp_path / "other.pt")


def test_too_few_training_mines_and_missing_bands_are_named(monkeypatch):
    import geopandas as gpd
    from shapely.geometry import box

    one = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs="EPSG:32650")
    with pytest.raises(ValueError, match=r"1 training mine\(s\) \(identify.train_fraction of 4 reference mines\): a "
                                         r"network needs at least 2"):
        seg.training_set([], None, None, tile_px=64, bands=["red"], zones=one, train_mines=one,
                         test_mines=pd_concat(one, 3), patch=64, step=32, rim_px=1)
    layers = {b: np.zeros((4, 4), np.float32) for b in ("blue", "green", "red", "nir", "ndvi", "slope")}
    monkeypatch.setattr("minerestore.identify.obia.object_layers", lambda *a: layers)
    with pytest.raises(KeyError, match=r"band\(s\) \['swir1', 'slope'\] of the model are not in the region's inputs"):
        seg.region_image([], None, None, None, ["red", "swir1", "slope"])  # no DEM: no slope either
    assert seg.region_image([], "dem.tif", None, None, ["red", "slope"]).shape == (2, 4, 4)
    assert seg.input_bands(None, False) == ["blue", "green", "red", "nir", "swir1", "ndvi"]
    assert seg.input_bands(None, True)[-1] == "slope" and seg.input_bands(["ndvi"], True) == ["ndvi"]


def pd_concat(frame, n):
    import pandas as pd

    return pd.concat([frame] * n, ignore_index=True)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The tiny region with the methods compared (networks small: 64 px patches, 3 epochs)."""
    import yaml
    from conftest import REPO, snakemake

    tmp = tmp_path_factory.mktemp("compare")
    extra = {"identify": {"compare": ["object_rf", "unet"],  # DeepLabV3+ shares the code path (unit tests above)
                          "dl": {"patch_px": 64, "step_px": 32, "overlap_px": 16, "epochs": 3, "refine": True}},
             "results": str(tmp / "results")}
    (tmp / "compare.yaml").write_text(yaml.safe_dump(extra))
    target = tmp / "results" / "tiny" / "mines" / "methods.csv"
    snakemake(target, "--configfile", REPO / "config" / "tiny.yaml", tmp / "compare.yaml", "--replace-workflow-config",
              check=True, timeout=900)
    return tmp, target.parent


@pytest.mark.workflow
def test_methods_are_compared_on_the_same_test_mines(compared):
    import json

    import pandas as pd
    import rasterio

    _, mines = compared
    table = pd.read_csv(mines / "methods.csv")
    assert table["method"].tolist() == ["object_rf", "unet"]
    assert table["test_mines"].nunique() == 1 and table["test_mines"].iloc[0] == 4  # half of the 8 mines
    for column in ("pixel_oa", "pixel_precision", "pixel_recall", "pixel_f1", "pixel_kappa", "pixel_iou", "pixel_miou",
                   "object_tp", "object_fp", "object_fn", "object_tn", "identification_rate", "mean_area_similarity",
                   "train_seconds", "inference_megapixels_per_s"):
        assert column in table.columns, column
    networks = table[table["method"] != "object_rf"]
    assert (networks["train_seconds"] > 0).all() and (networks["inference_megapixels_per_s"] > 0).all()
    # the networks train on the mines object_rf trains on
    assert pd.read_csv(mines / "unet" / "split.csv").equals(pd.read_csv(mines / "object_rf" / "split.csv"))
    card = json.loads((mines / "model_unet.pt.json").read_text())
    assert card["bands"] == ["blue", "green", "red", "nir", "swir1", "ndvi", "slope"] and card["patch_px"] == 64
    assert card["epochs"] >= 1 and card["seed"] == 42 and len(card["mean"]) == 7
    with rasterio.open(mines / "unet" / "probability.tif") as src:
        prob = src.read(1)
    assert np.nanmin(prob) >= 0 and np.nanmax(prob) <= 1
    assert (compared[1].parent / "figures" / "methods.png").stat().st_size > 0
    log = (compared[0] / "results" / "tiny" / "logs" / "segment_unet.log").read_text()
    assert "p_intsct refinement: p = " in log  # the network's mines refined by segmentation objects


@pytest.mark.workflow
def test_a_trained_model_is_applied_to_another_region_or_refused_for_other_bands(compared):
    import yaml
    from conftest import REPO, snakemake

    tmp, mines = compared
    model = mines / "model_unet.pt"
    other = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    other["regions"] = {"tiny_b": other["regions"]["tiny"] | {"synthetic": other["regions"]["tiny"]["synthetic"]
                                                                           | {"seed": 8}}}
    other |= {"identify": {"method": "unet", "dl": {"model": str(model), "patch_px": 64}},
              "results": str(tmp / "results")}
    (tmp / "apply.yaml").write_text(yaml.safe_dump(other))
    target = tmp / "results" / "tiny_b" / "mines" / "mines.gpkg"
    snakemake(target, "--configfile", tmp / "apply.yaml", "--replace-workflow-config", check=True, timeout=900)
    log = (tmp / "results" / "tiny_b" / "logs" / "segment_unet.log").read_text()
    assert f"model {model} (unet, trained on" in log and "epoch 1" not in log  # applied, not trained
    other["identify"]["dl"]["bands"] = ["red", "nir", "ndvi"]
    (tmp / "apply.yaml").write_text(yaml.safe_dump(other))
    (tmp / "results" / "tiny_b" / "mines" / "model_unet.pt").unlink()
    proc = snakemake(target, "--configfile", tmp / "apply.yaml", "--replace-workflow-config", timeout=900)
    assert proc.returncode != 0
    assert "the model was trained on bands ['blue', 'green', 'red', 'nir', 'swir1', 'ndvi', 'slope'], the inputs " \
           "are ['red', 'nir', 'ndvi']" in proc.stdout + proc.stderr


def test_p_intsct_keeps_the_objects_whose_area_best_matches_the_reference():
    shares = np.array([0.9, 0.2, 0.6, 0.05])
    areas = np.array([100.0, 100.0, 50.0, 400.0])
    # by share: 0.9 (100), 0.6 (150), 0.2 (250), 0.05 (650); the reference's 160 m² is closest to 150
    p = seg.p_intsct(shares, areas, 160.0)
    assert 0.2 <= p < 0.6 and set(np.flatnonzero(shares > p)) == {0, 2}
    assert seg.p_intsct(shares, areas, 10.0) == 1.0  # keeping none is closest
    assert (shares > seg.p_intsct(shares, areas, 1e6)).all()  # keep every object
    assert seg.p_intsct(np.array([]), np.array([]), 5.0) == 1.0


def test_refine_objects_measures_each_objects_share_of_network_mine():
    from affine import Affine

    from minerestore.raster.grid import Grid

    grid = Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 200), 20, 20)
    ndvi = np.full((20, 20), 0.8, np.float32)
    ndvi[5:15, 5:15] = 0.1  # a bare square: its own object
    layers = {"ndvi": ndvi, "brightness": 1 - ndvi, "ndvi_range": np.zeros((20, 20), np.float32)}
    mine = np.zeros((20, 20), bool)
    mine[5:15, 5:12] = True  # the network found 70 % of it
    train = np.zeros((20, 20), bool)
    train[6, 6] = True
    objects = seg.refine_objects(layers, np.ones((20, 20), bool), mine, train, np.zeros((20, 20), bool), grid,
                                 segmentation={"scale": 100, "sigma": 0.0, "min_size_px": 5})
    square = objects[objects["area_m2"] == 100 * 100]
    assert len(square) == 1 and square["share"].item() == pytest.approx(0.7) and square["training"].item()
