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


def test_each_network_has_its_studys_encoder_unless_one_is_given():
    from minerestore.identify.networks import NETWORKS

    assert seg.encoder_of("deeplabv3", None) == "resnet50"  # the DeepLabV3 study's backbone (its §2.2.2)
    assert seg.encoder_of("unet", None) == "resnet18" and seg.encoder_of("deeplabv3", "resnet18") == "resnet18"
    model = seg.build_model("deeplabv3", 3, seg.encoder_of("deeplabv3", None), None, 16)
    assert type(model).__name__ == "DeepLabV3" and type(model.encoder).__name__ == "ResNetEncoder"
    assert sum(p.numel() for p in model.encoder.parameters()) > 20e6  # ResNet-50, not ResNet-18 (11 M)
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 2, 64, 64)
    assert NETWORKS["deeplabv3"].label == "DeepLabV3"


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


@pytest.mark.parametrize("method", ["unet", "deeplabv3plus", "deeplabv3", "fcn8s", "segnet", "resunet", "unetplus"])
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
    extra = {"identify": {"compare": ["object_rf", "unet"],  # the DeepLabVs share the code path (unit tests above)
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

    import geopandas as gpd
    import pandas as pd
    import rasterio

    _, mines = compared
    table = pd.read_csv(mines / "methods.csv")
    assert table["method"].tolist() == ["object_rf", "unet", "unet"]
    assert table["refinement"].tolist() == ["none", "network", "p_intsct"]  # the network's own mines, then refined
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
    record = json.loads((mines / "unet" / "refine.json").read_text())
    assert record["refined"] and 0 < record["p"] <= 1 and record["p_pct"] == round(100 * record["p"], 2)
    counts = [step["count"] for step in record["steps"]]
    assert counts[0] >= counts[1] >= counts[2] and counts[3] >= counts[4] >= counts[5] >= counts[6]
    assert counts[-1] == len(gpd.read_file(mines / "unet" / "mines.gpkg"))
    assert record["network_mines"] == len(gpd.read_file(mines / "unet" / "network_mines.gpkg"))
    assert record["exclude_classes_absent"] == [] or "are not in" in log


@pytest.mark.workflow
def test_a_trained_model_is_applied_to_another_region_or_refused_for_other_bands(compared):
    import yaml
    from conftest import REPO, snakemake

    tmp, mines = compared
    model = mines / "model_unet.pt"
    other = yaml.safe_load((REPO / "config" / "tiny.yaml").read_text())
    other["regions"] = {"tiny_b": other["regions"]["tiny"] | {"synthetic": other["regions"]["tiny"]["synthetic"]
                                                                           | {"seed": 8}}}
    other |= {"identify": {"method": "unet", "dl": {"model": str(model), "patch_px": 64, "overlap_px": 16}},
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


def test_p_intsct_cumulates_the_intersections_by_hand():
    """Objects by p_intsct: 0.9 (A_intsct 90 of 100 m²), 0.6 (30 of 50), 0.2 (20 of 100), 0.05 (20 of 400).
    ΣA_intsct: 90, 120, 140, 160; against ΣA_ref = 135 the closest is 140 (|5| < |15|), so p = 0.2 and the
    first three objects are kept. Cumulating the whole objects (100, 150, 250, 650) would have stopped at 150,
    p = 0.6."""
    intersect, area = np.array([90.0, 20.0, 30.0, 20.0]), np.array([100.0, 100.0, 50.0, 400.0])
    p = seg.p_intsct(intersect, area, 135.0)
    assert p == pytest.approx(0.2)
    assert set(np.flatnonzero(intersect / area >= p)) == {0, 1, 2}
    assert seg.p_intsct(intersect, area, 10.0) == pytest.approx(0.9)  # the first object is the closest
    assert seg.p_intsct(intersect, area, 1e6) == pytest.approx(0.05)  # keep every object


def test_p_intsct_on_the_studys_figure_4_ordering():
    """The study's Fig. 4: six objects R1..R6 with p_intsct 99, 2, 15, 7, 5, 12 %, sorted R1, R3, R6, R4, R5, R2.
    With 1000 m² objects, ΣA_intsct runs 990, 1140, 1260, 1330, 1380, 1400 m²; a reference of 1250 m² is closest to
    1260, so p = 12 %: R1, R3 and R6 kept, R4, R5 and R2 dropped."""
    shares = {"R1": 0.99, "R2": 0.02, "R3": 0.15, "R4": 0.07, "R5": 0.05, "R6": 0.12}
    area = np.full(6, 1000.0)
    intersect = np.array(list(shares.values())) * area
    p = seg.p_intsct(intersect, area, 1250.0)
    assert p == pytest.approx(0.12)
    assert [k for k, v in shares.items() if v >= p] == ["R1", "R3", "R6"]
    ties = seg.p_intsct(np.array([50.0, 50.0, 10.0]), np.array([100.0, 100.0, 100.0]), 60.0)
    assert ties == pytest.approx(0.5)  # equal p_intsct go together: 100 (both) beats 50 (one alone is no option)


@pytest.mark.bad_input
def test_p_intsct_refuses_what_it_cannot_threshold():
    with pytest.raises(ValueError, match="no segmentation object intersects the network's mines"):
        seg.p_intsct(np.array([]), np.array([]), 5.0)
    with pytest.raises(ValueError, match="each intersection at most its object's area"):
        seg.p_intsct(np.array([20.0]), np.array([10.0]), 5.0)
    with pytest.raises(ValueError, match="reference area positive"):
        seg.p_intsct(np.array([5.0]), np.array([10.0]), 0.0)


def _objects_grid():
    from affine import Affine

    from minerestore.raster.grid import Grid

    return Grid("EPSG:32650", Affine(10, 0, 0, 0, -10, 200), 20, 20)


def test_refine_objects_measures_each_objects_intersection_with_network_mine():
    grid = _objects_grid()
    ndvi = np.full((20, 20), 0.8, np.float32)
    ndvi[5:15, 5:15] = 0.1  # a bare square: its own object
    layers = {"ndvi": ndvi, "brightness": 1 - ndvi, "ndvi_range": np.zeros((20, 20), np.float32)}
    mine = np.zeros((20, 20), bool)
    mine[5:15, 5:12] = True  # the network found 70 % of it
    train = np.zeros((20, 20), bool)
    train[6, 6] = True
    excluded = np.zeros((20, 20), bool)
    excluded[14, 14] = True  # one pixel of cropland in the square
    objects, count = seg.refine_objects(layers, np.ones((20, 20), bool), mine, train, excluded, grid,
                                        segmentation={"scale": 100, "sigma": 0.0, "min_size_px": 5})
    square = objects[objects["area_m2"] == 100 * 100]
    assert count >= 2 and len(objects) == 1 and len(square) == 1  # the vegetated object does not touch the mines
    assert square["intersect_m2"].item() == 70 * 100 and square["training"].item()
    assert square["excluded_m2"].item() == 100


def test_refine_keeps_merges_and_drops_objects_on_excluded_land_cover():
    """Four objects of 100 m² pixels: A (10 px, 9 in network mines, on a training mine), B (next to A, 6 of 10),
    C (apart, 5 of 10, one pixel of cropland) and D (apart, 1 of 10). Training mines 1500 m²: ΣA_intsct 900, 1500,
    2000, 2100 -> p = 0.6; A and B merge into one mine, C (0.5) and D are below p. With p forced lower by a
    larger reference, C is kept but dropped for its pixel of cropland (any overlap), unless exclude_overlap allows
    a tenth of it."""
    import geopandas as gpd
    from shapely.geometry import box

    def obj(x0, inter, training=False, excluded=0.0):
        return {"geometry": box(x0, 0, x0 + 100, 10), "intersect_m2": inter * 100.0, "area_m2": 1000.0,
                "training": training, "excluded_m2": excluded}

    grid = _objects_grid()
    objects = gpd.GeoDataFrame([obj(0, 9, True), obj(100, 6, True), obj(300, 5, True, excluded=100.0),
                                obj(500, 1, True)], crs=grid.crs)
    zones = gpd.GeoDataFrame(geometry=[box(-1000, -1000, 2000, 1000)], crs=grid.crs)
    train = gpd.GeoDataFrame(geometry=[box(0, 0, 150, 10)], crs=grid.crs)  # 1500 m²
    mines, record = seg.refine(objects, train, zones, segmented=9, min_mine_area_m2=0, exclude_overlap=0.0,
                               grid=grid)
    assert record["p"] == pytest.approx(0.6) and len(mines) == 1 and mines.area.item() == pytest.approx(2000)
    assert [s["count"] for s in record["steps"]] == [9, 4, 2, 1, 1, 1, 1] and record["training_covered_pct"] == 100
    train = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 10)], crs=grid.crs)  # 2000 m²: p = 0.5, C kept
    mines, record = seg.refine(objects, train, zones, segmented=9, min_mine_area_m2=0, exclude_overlap=0.0,
                               grid=grid)
    assert record["p"] == pytest.approx(0.5) and len(mines) == 1
    assert record["steps"][4] == {"step": "not on excluded land cover (step 7)", "count": 1, "dropped": 1}
    mines, _ = seg.refine(objects, train, zones, segmented=9, min_mine_area_m2=0, exclude_overlap=0.1, grid=grid)
    assert len(mines) == 2  # a tenth of C on cropland is allowed
    mines, record = seg.refine(objects, train, zones, segmented=9, min_mine_area_m2=1500, exclude_overlap=0.1,
                               grid=grid)
    assert len(mines) == 1 and record["steps"][-1]["dropped"] == 1


@pytest.mark.bad_input
def test_a_refinement_that_drops_most_of_the_training_mines_is_warned(caplog):
    """One object on the training mine, touching one pixel of cropland: the study's any-overlap rule drops it, and
    the refined mines cover 0 % of the training mines: warned with the keys to change."""
    import geopandas as gpd
    from shapely.geometry import box

    grid = _objects_grid()
    objects = gpd.GeoDataFrame({"intersect_m2": [1000.0], "area_m2": [1000.0], "training": [True],
                                "excluded_m2": [100.0]}, geometry=[box(0, 0, 100, 10)], crs=grid.crs)
    zones = gpd.GeoDataFrame(geometry=[box(-1000, -1000, 2000, 1000)], crs=grid.crs)
    mines, record = seg.refine(objects, objects, zones, segmented=1, min_mine_area_m2=0, exclude_overlap=0.0,
                               grid=grid)
    assert mines.empty and record["training_covered_pct"] == 0
    assert "the refined mines cover 0 % of the training mines' area" in caplog.text
    assert "step 7 dropped 1 of 1 merged objects" in caplog.text
    caplog.clear()
    seg.refine(objects, objects, zones, segmented=1, min_mine_area_m2=0, exclude_overlap=0.5, grid=grid)
    assert "refined mines cover" not in caplog.text


@pytest.mark.bad_input
def test_refine_without_a_network_mine_on_the_training_mines_says_so(caplog):
    import geopandas as gpd
    from shapely.geometry import box

    grid = _objects_grid()
    objects = gpd.GeoDataFrame({"intersect_m2": [100.0], "area_m2": [1000.0], "training": [False],
                                "excluded_m2": [0.0]}, geometry=[box(0, 0, 100, 10)], crs=grid.crs)
    zones = gpd.GeoDataFrame(geometry=[box(-1000, -1000, 2000, 1000)], crs=grid.crs)
    with pytest.raises(ValueError, match="p cannot be calibrated .* set identify.dl.refine to false"):
        seg.refine(objects, zones, zones, segmented=1, min_mine_area_m2=0, exclude_overlap=0.0, grid=grid)
    assert seg.missing_classes([40, 50, 80], {10, 40, 60}, "lc.tif") == [50, 80]
    assert "codes [50, 80] are not in lc.tif" in caplog.text
    assert seg.missing_classes([40], set(), None) == [40] and "has no landcover raster" in caplog.text


@pytest.mark.bad_input
def test_windows_overlapping_by_their_size_are_refused():
    model = seg.build_model("unet", 2, "resnet18", None, 16)
    with pytest.raises(ValueError, match="identify.dl.overlap_px = 32: the windows' overlap must be below their size"):
        seg.predict(model, np.zeros((2, 40, 40), np.float32), patch=32, overlap=32, dev=torch.device("cpu"))
