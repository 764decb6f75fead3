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


def test_class_weights_balance_the_classes():
    labels = np.array([0] * 90 + [1] * 10 + [seg.IGNORE] * 50, np.uint8)
    w0, w1 = seg.class_weights(labels)
    assert w0 + w1 == pytest.approx(2) and w1 / w0 == pytest.approx(9)


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
    with pytest.raises(ValueError, match="'fcn' is not a network"):
        seg.build_model("fcn", 3)


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
    model = seg.build_model(method, 2, "resnet18")
    x, y = squares()
    fit = seg.train(model, x, y, OPTIONS | {"epochs": epochs}, seed, torch.device("cpu"))
    return model, fit


def test_training_is_deterministic_on_cpu():
    (a, fit_a), (b, fit_b) = fitted("unet", epochs=3), fitted("unet", epochs=3)
    assert [h["val_loss"] for h in fit_a["history"]] == [h["val_loss"] for h in fit_b["history"]]
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


@pytest.mark.parametrize("method", ["unet", "deeplabv3plus"])
def test_a_network_learns_the_planted_squares_and_round_trips(method, tmp_path):
    model, fit = fitted(method)
    assert fit["history"][-1]["train_loss"] < fit["history"][0]["train_loss"]
    x, y = squares(n=2, seed=9)
    prob = seg.predict(model, x[0], 32, 8, torch.device("cpu"))
    predicted = prob >= 0.5
    iou = np.sum(predicted & (y[0] == 1)) / np.sum(predicted | (y[0] == 1))
    assert iou > 0.5, iou
    card = seg.ModelCard(method, "resnet18", ["a", "b"], [0.0, 0.0], [1.0, 1.0], 32, 10.0, 3, fit["epochs"])
    seg.save_model(model, card, tmp_path / f"model_{method}.pt")
    again, card_again = seg.load_model(tmp_path / f"model_{method}.pt")
    assert card_again == card
    np.testing.assert_allclose(seg.predict(again, x[0], 32, 8, torch.device("cpu")), prob, atol=1e-6)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        seg.load_model(tmp_path / "other.pt")
