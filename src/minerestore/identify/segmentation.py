"""Deep-learning semantic segmentation of mines with the networks of :mod:`minerestore.identify.networks`.

The two deep-learning studies the workflow reproduces (methods.md §5.4): DeepLabV3 with 256 px
patches cut with a 128 px step, rotations of 90/180/270° as augmentation, half of the mines for training; and a
comparison of the U-Net family. The architectures come from segmentation-models-pytorch (not written here); this
module prepares the patches, trains with a class-balanced cross-entropy + Dice loss and early stopping on a
validation share, and predicts by overlapping sliding windows, tile by tile.

Inputs are per-pixel layers of the region (:func:`minerestore.identify.obia.object_layers`: temporal medians of
the composites' bands and NDVI, slope from the DEM), normalised by the mean and standard deviation of the
training pixels; the normalisation, bands and patch size travel with the model in a JSON sidecar, so a model
applied to another region is refused when they differ.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from minerestore.identify.networks import NETWORKS

log = logging.getLogger(__name__)

#: Label of pixels the loss ignores (test mines and their rim, outside the study area).
IGNORE = 255


@dataclass
class ModelCard:
    """What a trained model needs to be applied again (the JSON sidecar of ``model_{method}.pt``)."""

    method: str
    encoder: str
    bands: list[str]
    mean: list[float]
    std: list[float]
    patch_px: int
    resolution_m: float
    seed: int
    epochs: int = 0
    best_epoch: int = 0
    train_seconds: float = 0.0
    metrics: dict = field(default_factory=dict)
    #: probability threshold calibrated on the validation patches (:func:`calibrated_threshold`); None: not done
    threshold: float | None = None
    #: first-level channels of a network of minerestore.identify.architectures (identify.dl.width)
    width: int | None = None

    def check_compatible(self, bands: list[str], mean: list[float] | None = None, std: list[float] | None = None,
                         source: str = "model") -> None:
        """Refuse to apply this model to inputs of other bands or another normalisation.

        Raises
        ------
        ValueError
            Naming ``source`` and the difference (bands, or the band whose mean or std differs by over 1e-6).
        """
        if list(bands) != list(self.bands):
            raise ValueError(f"{source}: the model was trained on bands {self.bands}, the inputs are {list(bands)}; "
                             "use the same identify.dl.bands or train a new model")
        for name, ours, theirs in (("mean", self.mean, mean), ("std", self.std, std)):
            if theirs is not None and not np.allclose(ours, theirs, rtol=0, atol=1e-6):
                band = self.bands[int(np.argmax(np.abs(np.subtract(ours, theirs))))]
                raise ValueError(f"{source}: the model's normalisation {name} of band {band!r} differs from the one "
                                 "given; a model is applied with its own normalisation")


def device(requested: str, key: str = "identify.dl.device"):
    """The torch device for the config ``key`` (``identify.dl.device``, ``landuse.device``): ``auto`` (CUDA when
    present, else CPU), ``cpu`` or ``cuda``.

    Raises
    ------
    RuntimeError
        When ``cuda`` is requested and torch sees no CUDA device (names ``key``, says to use auto or cpu).
    """
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"{key} is 'cuda' but torch sees no CUDA device (torch "
                           f"{torch.__version__}); set it to auto (CUDA when present, else CPU) or cpu")
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def encoder_of(method: str, requested: str | None) -> str:
    """The encoder of a network: ``identify.dl.encoder`` when given, else the network's own (its registry entry:
    ResNet-50 for DeepLabV3, as its study)."""
    return requested or NETWORKS[method].encoder


def build_model(method: str, in_channels: int, encoder: str, encoder_weights: str | None, width: int):
    """A segmentation network of :data:`minerestore.identify.networks.NETWORKS` with two classes (not mine, mine)
    and random weights, or the encoder's weights from a local file.

    Parameters
    ----------
    method : a network name (``unet``, ``unetplusplus``, ``deeplabv3plus``, ``unetplus`` …).
    in_channels : number of input layers.
    encoder : an encoder name of segmentation-models-pytorch (resnet18, resnet34, resnet50 …), for its networks.
    encoder_weights : a local file of encoder weights (a state dict), or None; nothing is downloaded. The first
        convolution is adapted to ``in_channels`` when the file holds three-band weights.
    width : channels of the first level of the networks written here (:mod:`minerestore.identify.architectures`).

    Raises
    ------
    KeyError
        Unknown network (names the known ones); FileNotFoundError for a missing weights file; ValueError for
        encoder weights given to a network without a segmentation-models-pytorch encoder.
    """
    import torch

    model = NETWORKS[method].build(in_channels, 2, encoder=encoder, width=width)
    if encoder_weights:
        path = Path(encoder_weights)
        if not path.exists():
            raise FileNotFoundError(f"identify.dl.encoder_weights: {path} does not exist")
        if not hasattr(model, "encoder") or not hasattr(model.encoder, "load_state_dict"):
            raise ValueError(f"identify.dl.encoder_weights: {method} has no segmentation-models-pytorch encoder to "
                             "load them into; it is trained from scratch (set encoder_weights to null)")
        state = torch.load(path, map_location="cpu", weights_only=True)
        own = model.encoder.state_dict()
        for key, value in state.items():  # three-band first convolution: repeat its mean over the bands
            if key in own and value.ndim == 4 and value.shape[1] != own[key].shape[1]:
                state[key] = value.mean(dim=1, keepdim=True).repeat(1, own[key].shape[1], 1, 1)
        missing, _ = model.encoder.load_state_dict(state, strict=False)
        log.info("encoder weights from %s (%d keys not in the file)", path, len(missing))
    return model


def normalisation(image: np.ndarray, valid: np.ndarray) -> tuple[list[float], list[float]]:
    """Mean and standard deviation of each band (image (bands, ...) float) over the ``valid`` pixels (bool of
    the image's shape without its band axis); a constant band gets std 1."""
    pixels = image[:, valid]
    std = pixels.std(axis=1)
    return pixels.mean(axis=1).tolist(), np.where(std > 0, std, 1.0).tolist()


def normalised(image: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """(image − mean) / std per band, float32, NaN set to 0 (the mean)."""
    out = (image - np.asarray(mean, np.float32)[:, None, None]) / np.asarray(std, np.float32)[:, None, None]
    return np.nan_to_num(out.astype(np.float32), nan=0.0)


def patch_origins(length: int, patch: int, step: int) -> list[int]:
    """Start offsets of patches of ``patch`` px every ``step`` px along an axis of ``length`` px, the last one
    flush with the end so every pixel is covered (a single patch at 0 when the axis is shorter than a patch)."""
    if length <= patch:
        return [0]
    starts = list(range(0, length - patch + 1, step))
    return starts if starts[-1] == length - patch else [*starts, length - patch]


def training_labels(train: np.ndarray, test: np.ndarray, inside: np.ndarray, rim_px: int) -> np.ndarray:
    """Labels of the training image, uint8 (rows, cols): 1 training mine, 0 other land of the study area,
    :data:`IGNORE` on the test mines grown by ``rim_px`` pixels (never seen in training, so every method is
    scored on them alone) and outside the study area."""
    from scipy import ndimage

    labels = np.where(train, 1, 0).astype(np.uint8)
    hidden = ndimage.binary_dilation(test, np.ones((3, 3)), iterations=rim_px) if rim_px and test.any() else test
    labels[hidden | ~inside] = IGNORE
    return labels


def training_patches(image: np.ndarray, labels: np.ndarray, patch: int, step: int,
                     min_known: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Patches (n, bands, patch, patch) and their labels (n, patch, patch) cut every ``step`` px, keeping those
    with at least ``min_known`` of their pixels labelled (not :data:`IGNORE`). An image smaller than a patch is
    padded with ignored pixels.

    Raises
    ------
    ValueError
        When no patch holds a training-mine pixel (names the counts and what to change).
    """
    rows, cols = labels.shape
    pad_r, pad_c = max(0, patch - rows), max(0, patch - cols)
    if pad_r or pad_c:
        image = np.pad(image, ((0, 0), (0, pad_r), (0, pad_c)))
        labels = np.pad(labels, ((0, pad_r), (0, pad_c)), constant_values=IGNORE)
    xs, ys = [], []
    for r in patch_origins(labels.shape[0], patch, step):
        for c in patch_origins(labels.shape[1], patch, step):
            lab = labels[r:r + patch, c:c + patch]
            if np.mean(lab != IGNORE) >= min_known:
                xs.append(image[:, r:r + patch, c:c + patch])
                ys.append(lab)
    with_mine = sum(int((y == 1).any()) for y in ys)
    if with_mine == 0:
        raise ValueError(f"none of the {len(ys)} training patches of {patch} px holds a training-mine pixel "
                         f"({int((labels == 1).sum())} training-mine pixels in the image): give more reference "
                         "mines, a larger identify.train_fraction or a smaller identify.dl.patch_px")
    return np.stack(xs), np.stack(ys)


def _augment(x, y, generator):
    """Random rotation by 0/90/180/270° and horizontal flip of each patch of a batch (torch tensors)."""
    import torch

    k = torch.randint(0, 4, (x.shape[0],), generator=generator)
    flip = torch.rand(x.shape[0], generator=generator) < 0.5
    xs, ys = [], []
    for i in range(x.shape[0]):
        xi, yi = torch.rot90(x[i], int(k[i]), (1, 2)), torch.rot90(y[i], int(k[i]), (0, 1))
        if flip[i]:
            xi, yi = torch.flip(xi, (2,)), torch.flip(yi, (1,))
        xs.append(xi)
        ys.append(yi)
    return torch.stack(xs), torch.stack(ys)


def class_weights(labels: np.ndarray) -> list[float]:
    """Weights of the two classes over the labelled pixels ∝ 1 / √(class frequency), normalised to sum to 2: a
    class-balanced cross-entropy for an imbalanced scene (mines are a few % of the pixels). The square root
    tempers full inverse-frequency weights, which (with the Dice term already rewarding mine recall) made the
    networks paint a halo of mine round every mine on the synthetic study area."""
    known = labels[labels != IGNORE]
    counts = np.array([np.sum(known == 0), np.sum(known == 1)], float)
    weights = 1 / np.sqrt(np.maximum(counts, 1) / counts.sum())
    return (2 * weights / weights.sum()).tolist()


def seeded(seed: int, threads: int) -> None:
    """Seed torch and numpy and make CPU kernels deterministic (same seed and inputs: same model)."""
    import torch

    torch.manual_seed(seed)
    np.random.seed(seed % (2**32))
    torch.set_num_threads(max(1, threads))
    torch.use_deterministic_algorithms(True, warn_only=True)


def train(model, patches: np.ndarray, labels: np.ndarray, *, options: dict, seed: int, dev) -> dict:
    """Train a network on patches with a class-balanced cross-entropy + Dice loss, random rotations and flips, Adam
    with a cosine-annealed learning rate over ``epochs``, and early stopping on a validation share of the patches.

    Parameters
    ----------
    patches : (n, bands, p, p) float32, normalised; labels : (n, p, p) uint8 (0, 1, :data:`IGNORE`).
    options : ``identify.dl`` keys ``epochs``, ``batch_size``, ``learning_rate``, ``validation_fraction``,
        ``patience``.

    Returns
    -------
    dict: ``history`` (epoch, train_loss, val_loss, seconds), ``best_epoch``, ``epochs`` (run), ``seconds``,
    ``validation`` (indexes of the validation patches); the model holds the weights of the best validation epoch.
    """
    import segmentation_models_pytorch as smp
    import torch

    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(patches), generator=generator).numpy()
    n_val = max(1, int(round(options["validation_fraction"] * len(patches)))) if len(patches) > 1 else 0
    val, fit = order[:n_val], order[n_val:]
    x = torch.from_numpy(patches)
    y = torch.from_numpy(labels.astype(np.int64))
    ce = torch.nn.CrossEntropyLoss(weight=torch.tensor(class_weights(labels[fit]), dtype=torch.float32).to(dev),
                                   ignore_index=IGNORE)
    dice = smp.losses.DiceLoss(mode="multiclass", ignore_index=IGNORE)

    def batches():
        perm = fit[torch.randperm(len(fit), generator=generator).numpy()]
        for idx in batch_indexes(perm, options["batch_size"]):
            yield _augment(x[idx], y[idx], generator)

    def evaluate(_):
        return _evaluate(model, x[val], y[val], ce, dice, dev) if len(val) else None

    result = fit_epochs(model, batches, evaluate, lambda out, yb: ce(out, yb) + dice(out, yb), dev=dev,
                        epochs=options["epochs"], learning_rate=options["learning_rate"], cosine=True,
                        patience=options["patience"], min_delta=1e-4)
    return result | {"validation": val}


def batch_indexes(order: np.ndarray, batch_size: int):
    """Consecutive batches of ``order``; a last batch of one patch is left out when there are others (batch
    normalisation needs two patches)."""
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        if len(idx) < 2 and len(order) > 1:
            continue
        yield idx


def fit_epochs(model, batches, evaluate, loss, *, dev, epochs: int, learning_rate: float, cosine: bool,
               patience: int | None, min_delta: float) -> dict:
    """The training loop of the segmentation networks: Adam, one pass of ``batches()`` per epoch, the validation
    loss after each, and the weights of the epoch with the lowest validation loss kept.

    Parameters
    ----------
    batches : callable () -> iterable of (x (b, bands, p, p) float32 tensor, y (b, p, p) int64 tensor) on the CPU,
        the training batches of one epoch (drawn by the caller's seeded generator).
    evaluate : callable (model) -> float or None, the validation loss (None: no validation patches; the epoch's
        training loss stands for it).
    loss : callable (logits, labels) -> a scalar tensor.
    cosine : anneal the learning rate to 0 over ``epochs`` (cosine), else keep it constant.
    patience : stop after this many epochs without a validation loss lower by ``min_delta``; None: run every epoch.

    Returns
    -------
    dict: ``history`` (epoch, train_loss, val_loss, seconds), ``best_epoch``, ``epochs`` (run), ``seconds``; the
    model holds the weights of the best epoch.

    Raises
    ------
    RuntimeError
        When no epoch gives a finite validation loss (a diverged training: says to lower the learning rate).
    """
    import torch

    model.to(dev)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=epochs) if cosine else None
    best, best_state, best_epoch, history, waited = np.inf, None, 0, [], 0
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        tick = time.perf_counter()
        model.train()
        losses = []
        for xb, yb in batches():
            xb, yb = xb.to(dev), yb.to(dev)
            optimiser.zero_grad()
            value = loss(model(xb), yb)
            value.backward()
            optimiser.step()
            losses.append(float(value.detach()))
        if schedule is not None:
            schedule.step()
        val_loss = evaluate(model)
        val_loss = float(np.mean(losses)) if val_loss is None else val_loss
        history.append({"epoch": epoch, "train_loss": float(np.mean(losses)), "val_loss": val_loss,
                        "seconds": time.perf_counter() - tick})
        log.info("epoch %d: train loss %.4f, validation loss %.4f (%.1f s)", epoch, np.mean(losses), val_loss,
                 history[-1]["seconds"])
        if val_loss < best - min_delta:
            best, best_epoch, waited = val_loss, epoch, 0
            best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if patience is not None and waited >= patience:
                log.info("early stop: no better validation loss for %d epochs", waited)
                break
    if best_state is None:
        raise RuntimeError(f"no epoch of {len(history)} gave a finite validation loss (last: {history[-1]['val_loss']}"
                           "): the training diverged; lower the learning rate")
    model.load_state_dict(best_state)
    return {"history": history, "best_epoch": best_epoch, "epochs": len(history),
            "seconds": time.perf_counter() - started}


#: Thresholds :func:`calibrated_threshold` chooses from.
THRESHOLDS = np.round(np.arange(0.1, 0.91, 0.05), 2)


def calibrated_threshold(model, patches: np.ndarray, labels: np.ndarray, dev, batch_size: int = 8) -> float:
    """The mine probability threshold with the best pixel F1 on the validation patches (``identify.dl.threshold:
    auto``): the networks are trained with class-balanced weights, which shifts their probabilities away from the
    0.5 that suits an unweighted loss, by an amount that differs between architectures.

    Parameters
    ----------
    patches : (n, bands, p, p) float32, normalised; labels : (n, p, p) uint8 (0, 1, :data:`IGNORE` not scored).

    Returns
    -------
    float: one of :data:`THRESHOLDS` (the smallest of equal F1), 0.5 when the patches hold no mine pixel.
    """
    import torch

    model.to(dev).eval()
    probs = []
    with torch.no_grad():
        for start in range(0, len(patches), batch_size):
            x = torch.from_numpy(patches[start:start + batch_size]).to(dev)
            probs.append(torch.softmax(model(x), dim=1)[:, 1].cpu().numpy())
    scored = labels != IGNORE
    prob, truth = np.concatenate(probs)[scored], labels[scored] == 1
    if not truth.any():
        return 0.5
    f1 = [2 * np.sum(truth & (prob >= t)) / (truth.sum() + np.sum(prob >= t)) for t in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmax(f1))])


def _evaluate(model, x, y, ce, dice, dev) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        out = model(x.to(dev))
        return float(ce(out, y.to(dev)) + dice(out, y.to(dev)))


def predict(model, image: np.ndarray, *, patch: int, overlap: int, dev, batch_size: int = 8) -> np.ndarray:
    """Mine probability of every pixel of ``image`` (bands, rows, cols; normalised): the second class of
    :func:`class_probabilities`, float32 (rows, cols)."""
    return class_probabilities(model, image, patch=patch, overlap=overlap, dev=dev, batch_size=batch_size)[1]


def class_probabilities(model, image: np.ndarray, *, patch: int, overlap: int, dev,
                        batch_size: int = 8) -> np.ndarray:
    """Probability of each class at every pixel of ``image`` (bands, rows, cols; normalised) by sliding windows of
    ``patch`` px overlapping by ``overlap`` px, the softmax of overlapping windows averaged; an image smaller than
    a patch is padded with zeros (the mean). float32 (classes, rows, cols). Memory is bounded by the image given:
    the callers pass a tile with a margin (:func:`probability_tiles`, :mod:`minerestore.landuse.network`).

    Raises
    ------
    ValueError
        When ``overlap`` is not below ``patch`` (config ``identify.dl.overlap_px`` against the model's patch).
    """
    import torch

    if not 0 <= overlap < patch:
        raise ValueError(f"identify.dl.overlap_px = {overlap}: the windows' overlap must be below their size, "
                         f"{patch} px (the model's patch), or they would advance by one pixel")
    bands, rows, cols = image.shape
    pad_r, pad_c = max(0, patch - rows), max(0, patch - cols)
    padded = np.pad(image, ((0, 0), (0, pad_r), (0, pad_c))) if pad_r or pad_c else image
    total, count = None, np.zeros(padded.shape[1:], np.float32)
    step = patch - overlap
    origins = [(r, c) for r in patch_origins(padded.shape[1], patch, step)
               for c in patch_origins(padded.shape[2], patch, step)]
    model.to(dev).eval()
    with torch.no_grad():
        for start in range(0, len(origins), batch_size):
            batch = origins[start:start + batch_size]
            x = torch.from_numpy(np.stack([padded[:, r:r + patch, c:c + patch] for r, c in batch])).to(dev)
            prob = torch.softmax(model(x), dim=1).cpu().numpy()
            if total is None:
                total = np.zeros((prob.shape[1], *padded.shape[1:]), np.float32)
            for (r, c), p in zip(batch, prob):
                total[:, r:r + patch, c:c + patch] += p
                count[r:r + patch, c:c + patch] += 1
    return (total / np.maximum(count, 1))[:, :rows, :cols]


def save_model(model, card: ModelCard, path: str | os.PathLike) -> None:
    """Write the weights (``path``, torch state dict) and the card (``path`` + ``.json``), each under a temporary
    name renamed when complete."""
    import torch

    from minerestore.io import atomic_path, write_text

    with atomic_path(path) as tmp:
        torch.save(model.state_dict(), tmp)
    write_text(f"{path}.json", json.dumps(asdict(card), indent=1))


def load_model(path: str | os.PathLike):
    """A model and its card from :func:`save_model`'s files.

    Raises
    ------
    FileNotFoundError
        When the weights or the JSON sidecar is missing (names it).
    """
    import torch

    path = Path(path)
    sidecar = Path(f"{path}.json")
    for p in (path, sidecar):
        if not p.exists():
            raise FileNotFoundError(f"identify.dl.model: {p} does not exist (a model is the .pt file with its "
                                    ".pt.json sidecar)")
    card = ModelCard(**json.loads(sidecar.read_text()))
    # a card without a width was written before the networks had one: smp's default decoders, width 16
    model = build_model(card.method, len(card.bands), card.encoder, None, card.width or 16)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model, card


def input_bands(requested: list[str] | None, has_dem: bool) -> list[str]:
    """The layers a network reads: ``identify.dl.bands``, else the composites' blue, green, red, nir, swir1 and
    NDVI, plus slope where the region has a DEM."""
    return list(requested) if requested else ["blue", "green", "red", "nir", "swir1", "ndvi",
                                               *(["slope"] if has_dem else [])]


def region_layers(composites, dem_path, grid, window, bands: list[str]) -> dict[str, np.ndarray]:
    """The per-pixel layers of a window of the region (:func:`minerestore.identify.obia.object_layers`: dict of
    float32 (rows, cols)), checked to hold every input band.

    Raises
    ------
    KeyError
        Naming the band the inputs lack and the bands they have (e.g. a model trained with slope applied to a
        region without DEM).
    """
    from minerestore.identify.obia import object_layers

    layers = object_layers(composites, dem_path, grid, window)
    missing = [b for b in bands if b not in layers or (b in ("slope", "elevation") and not dem_path)]
    if missing:
        have = sorted(k for k in layers if dem_path or k not in ("slope", "elevation"))
        raise KeyError(f"band(s) {missing} of the model are not in the region's inputs (it has {have}; slope and "
                       "elevation need a DEM)")
    return layers


def region_image(composites, dem_path, grid, window, bands: list[str]) -> np.ndarray:
    """The input bands of a window of the region, (bands, rows, cols) float32 (:func:`region_layers`)."""
    return stacked(region_layers(composites, dem_path, grid, window, bands), bands)


def stacked(layers: dict[str, np.ndarray], bands: list[str]) -> np.ndarray:
    """The ``bands`` of a layer dict as one (bands, rows, cols) float32 array."""
    return np.stack([layers[b] for b in bands]).astype(np.float32)


def training_set(composites, dem_path, grid, *, tile_px: int, bands: list[str], zones, train_mines, test_mines,
                 patch: int, step: int, rim_px: int) -> tuple[np.ndarray, np.ndarray, list[float], list[float]]:
    """Normalised training patches and labels of a region, cut tile by tile (memory: one tile and the patches),
    with the mean and std of the training pixels (the labelled pixels of the patches: the study area without the
    hidden test mines).

    Returns
    -------
    patches (n, bands, patch, patch) float32, labels (n, patch, patch) uint8 (0, 1, :data:`IGNORE`), mean and std
    (lists of one float per band).

    Raises
    ------
    ValueError
        When fewer than 2 training mines are given, or no patch holds a training mine (names the numbers).
    """
    from minerestore.raster.tiles import tile_grid, tile_windows
    from minerestore.raster.vector import burn

    if len(train_mines) < 2:
        total = len(train_mines) + len(test_mines)
        raise ValueError(f"{len(train_mines)} training mine(s) (identify.train_fraction of {total} reference mines): "
                         "a network needs at least 2; digitise more mines or raise the fraction")
    xs, ys = [], []
    for window in tile_windows(grid, tile_px).values():
        tgrid = tile_grid(grid, window)
        inside = burn(zones.geometry, tgrid).astype(bool)
        labels = training_labels(burn(train_mines.geometry, tgrid).astype(bool),
                                 burn(test_mines.geometry, tgrid).astype(bool), inside, rim_px)
        if not (labels == 1).any():
            continue
        x, y = training_patches(region_image(composites, dem_path, grid, window, bands), labels, patch, step)
        xs.append(x)
        ys.append(y)
    if not xs:
        raise ValueError(f"none of the {len(train_mines)} training mines has a pixel in the study area")
    x, y = np.concatenate(xs), np.concatenate(ys)
    mean, std = normalisation(np.moveaxis(x, 1, 0), y != IGNORE)
    return np.stack([normalised(p, mean, std) for p in x]), y, mean, std


def probability_tiles(model, card: ModelCard, composites, dem_path, grid, *, tile_px: int, overlap: int, dev):
    """Mine probability of the region tile by tile: yields (window, float32 (rows, cols), the tile's layers
    (:func:`region_layers`, for the refinement, so the composites are read once)). Each tile is read with a margin
    of half a patch, so windows at tile edges see their surroundings (memory: one tile and its margin)."""
    from minerestore.raster.tiles import pad_window, tile_windows

    for window in tile_windows(grid, tile_px).values():
        padded, inner = pad_window(grid, window, card.patch_px // 2)
        layers = region_layers(composites, dem_path, grid, padded, card.bands)
        image = normalised(stacked(layers, card.bands), card.mean, card.std)
        probability = predict(model, image, patch=card.patch_px, overlap=overlap, dev=dev)[inner]
        yield window, probability, {k: v[inner] for k, v in layers.items()}


def p_intsct(intersect_m2: np.ndarray, object_m2: np.ndarray, reference_m2: float) -> float:
    """The p_intsct threshold of the DeepLabV3 / OBIA / SBAS-InSAR mine study (its §2.2.3, steps 1–4;
    docs/methods.md, refinement).

    Each segmentation object that intersects the network's preliminary mines has A_intsct (the area of the
    intersection) and p_intsct = A_intsct / its area. Sorted by p_intsct, from the highest, the intersection areas
    are cumulated (ΣA_intsct: the areas of the intersections, not of the whole objects); p is the p_intsct at which
    |ΣA_intsct − ΣA_ref| is smallest. Objects of equal p_intsct are taken together (a threshold keeps all or none of
    them).

    Parameters
    ----------
    intersect_m2 : float (n,), m²: A_intsct of each object (> 0 for an object that intersects the mines).
    object_m2 : float (n,), m²: each object's area (>= its A_intsct).
    reference_m2 : ΣA_ref, m² (> 0): the area of the reference mines (the workflow: the training mines).

    Returns
    -------
    float p in (0, 1]: keep the objects with p_intsct >= p.

    Raises
    ------
    ValueError
        When there is no object, the arrays differ in shape, an area is negative, an intersection exceeds its
        object, or ``reference_m2`` is not positive.
    """
    inter, area = np.asarray(intersect_m2, float), np.asarray(object_m2, float)
    if inter.shape != area.shape or inter.ndim != 1:
        raise ValueError(f"p_intsct: intersect_m2 {inter.shape} and object_m2 {area.shape} must be two 1-d arrays "
                         "of one value per object")
    if not len(inter):
        raise ValueError("p_intsct: no segmentation object intersects the network's mines, so no threshold can be "
                         "chosen")
    if (inter < 0).any() or (area <= 0).any() or (inter > area * (1 + 1e-9)).any() or not reference_m2 > 0:
        raise ValueError("p_intsct: areas must be positive, each intersection at most its object's area and the "
                         f"reference area positive (got reference {reference_m2} m²)")
    share = inter / area
    levels, group = np.unique(-share, return_inverse=True)  # p_intsct from the highest; ties in one group
    cumulated = np.cumsum(np.bincount(group, weights=inter))
    return float(-levels[int(np.argmin(np.abs(cumulated - reference_m2)))])


#: Smallest refined mine of the study (its §2.2.3, step 7), m².
STUDY_MIN_OBJECT_M2 = 50.0


def refine_objects(layers: dict, inside: np.ndarray, mine: np.ndarray, train: np.ndarray, excluded: np.ndarray,
                   grid, *, segmentation: dict, bounds: dict | None = None):
    """Segmentation objects of a tile that intersect the network's mines (the refinement's step 1).

    Objects: felzenszwalb segments of the study area (:func:`minerestore.identify.obia.segment`), its layers
    scaled by ``bounds`` (:func:`study_area_bounds`; None: on the tile).

    Parameters
    ----------
    layers : dict of float32 (rows, cols) (:func:`region_layers`); inside, mine, train, excluded : bool (rows,
        cols): the study area, the network's mine pixels, the training mines, the excluded land-cover classes.
    segmentation : the ``identify.segmentation`` keys scale, sigma, min_size_px.

    Returns
    -------
    (GeoDataFrame, int): the objects with a network mine pixel, with ``intersect_m2`` (A_intsct), ``area_m2``,
    ``training`` (it touches a training mine), ``excluded_m2`` (its area on the excluded classes), and the number
    of objects the tile was segmented into.
    """
    from scipy import ndimage

    from minerestore.identify.obia import label_polygons, segment

    labels = segment(layers, inside, scale=segmentation["scale"], sigma=segmentation["sigma"],
                     min_size=segmentation["min_size_px"], bounds=bounds)
    index = np.arange(1, int(labels.max()) + 1)
    pixel = grid.resolution**2
    intersect = ndimage.sum(mine.astype(float), labels, index) * pixel if len(index) else np.array([])
    keep = index[intersect > 0]
    objects = label_polygons(np.where(np.isin(labels, keep), labels, 0), grid)
    ids = objects["object"].to_numpy()
    objects["intersect_m2"] = intersect[ids - 1] if len(ids) else []
    objects["area_m2"] = ndimage.sum(np.ones_like(labels, float), labels, ids) * pixel if len(ids) else []
    objects["training"] = ndimage.maximum(train.astype(float), labels, ids) > 0 if len(ids) else []
    objects["excluded_m2"] = ndimage.sum(excluded.astype(float), labels, ids) * pixel if len(ids) else []
    return objects, len(index)


def study_area_bounds(composites, dem_path, grid, tile_px: int, zones) -> dict:
    """2nd/98th percentile bounds of the segmentation layers over the whole study area, read tile by tile
    (:func:`minerestore.identify.obia.segmentation_windows`), so every tile's objects are scaled alike."""
    from minerestore.identify.obia import segmentation_windows

    return segmentation_windows("study_area", patches=None, zones=zones, grid=grid, size_px=tile_px,
                                composites=composites, dem_path=dem_path)[0]


def refine_tile(sources, layers, tgrid, inside, mine, train_mines, *, dl, segmentation, bounds):
    """The segmentation objects of one tile (its ``layers`` from :func:`probability_tiles`) that intersect the
    network's mines, with the land-cover codes of the tile.

    Returns
    -------
    (GeoDataFrame, int, set): :func:`refine_objects`' objects and object count, and the land-cover codes found in
    the tile's study area (empty without a land-cover raster), for the check of ``refine_exclude_classes``.
    """
    from rasterio.enums import Resampling

    from minerestore.raster.read import read_on_grid
    from minerestore.raster.vector import burn

    excluded, codes = np.zeros(inside.shape, bool), set()
    if "landcover" in sources:
        classes = read_on_grid(sources["landcover"], tgrid, 1, resampling=Resampling.nearest, fill=0)
        excluded = np.isin(classes, dl["refine_exclude_classes"]) & inside
        codes = set(np.unique(classes[inside]).tolist())
    train = burn(train_mines.geometry, tgrid).astype(bool)
    objects, count = refine_objects(layers, inside, mine, train, excluded, tgrid, segmentation=segmentation,
                                    bounds=bounds)
    return objects, count, codes


def missing_classes(requested: list[int], found: set, source: str | None) -> list[int]:
    """The codes of ``identify.dl.refine_exclude_classes`` that the land-cover raster does not hold in the study
    area, each logged as a warning (a wrong code, or another product's codes, would exclude nothing), or all of them
    when the region has no land-cover raster."""
    if source is None:
        log.warning("identify.dl.refine_exclude_classes %s: the region has no landcover raster, so the refinement "
                    "excludes no object by land cover (set regions.<name>.landcover)", list(requested))
        return list(requested)
    absent = sorted(set(requested) - set(found))
    if absent:
        log.warning("identify.dl.refine_exclude_classes: codes %s are not in %s over the study area (it holds %s): "
                    "they exclude nothing; check that the codes are this product's", absent, source, sorted(found))
    return absent


def refine(objects, train_mines, zones, *, segmented: int, min_mine_area_m2: float, exclude_overlap: float, grid):
    """The network's mines refined by segmentation objects, the p_intsct rule of the DeepLabV3 / OBIA / SBAS-InSAR
    mine study step by step (its §2.2.3; docs/methods.md, refinement).

    1. ``objects``: the objects intersecting the network's mines (:func:`refine_tile`), ``segmented`` in all;
    2. ΣA_ref = the area of the training mines in the study area, and the objects that touch them calibrate p
       (:func:`p_intsct`; the test mines stay unseen);
    3.–5. every object with p_intsct >= p is kept;
    6. neighbouring kept objects (an edge or a corner in common) are merged;
    7. merged objects intersecting the excluded land cover (more than ``exclude_overlap`` of their area on it; 0:
       any overlap, the study) are dropped, then those under 50 m² (:data:`STUDY_MIN_OBJECT_M2`);
    8. (every method) mines under ``min_mine_area_m2`` (config ``identify.min_mine_area_m2``) are dropped.

    The refined mines' share of the training mines' area is recorded (``training_covered_pct``) and warned when
    under half: a network whose mines match the training mines well gets a p near 0 (the intersections add up to
    ΣA_ref only with the last objects), so large objects beside the mines are kept, merged with them, and the
    merged mines dropped for touching the excluded land cover (measured on the synthetic study area: U-Net's test
    F1 0.90 -> 0.17).

    Returns
    -------
    (GeoDataFrame of the refined mine polygons, dict: p, its inputs and the count kept and dropped at each step,
    the content of ``refine.json``).

    Raises
    ------
    ValueError
        When no object touching a training mine intersects the network's mines (p cannot be calibrated: the network
        found none of its training mines; train it longer, or set identify.dl.refine to false).
    """
    import geopandas as gpd

    from minerestore.mask.patches import join_tiles

    study = zones.geometry.union_all()
    reference = float(train_mines.geometry.intersection(study).area.sum())
    calibration = objects[objects["training"]]
    if calibration.empty:
        raise ValueError("p_intsct refinement: no segmentation object on a training mine intersects the network's "
                         "mines, so p cannot be calibrated (the network found none of its training mines); train "
                         "it longer or set identify.dl.refine to false")
    p = p_intsct(calibration["intersect_m2"].to_numpy(), calibration["area_m2"].to_numpy(), reference)
    share = objects["intersect_m2"] / objects["area_m2"]
    kept = objects[share >= p]
    merged = join_tiles([kept[["geometry"]]], 0.0, grid.resolution, grid.crs)[["geometry"]]
    points = gpd.GeoDataFrame(kept[["area_m2", "excluded_m2"]], geometry=kept.geometry.representative_point(),
                              crs=grid.crs)
    totals = gpd.sjoin(points, merged, predicate="within").groupby("index_right")[["area_m2", "excluded_m2"]].sum()
    on_excluded = (totals["excluded_m2"] / totals["area_m2"]).reindex(merged.index).fillna(0) > exclude_overlap
    clear = merged[~on_excluded.to_numpy()]
    large = clear[clear.geometry.area >= STUDY_MIN_OBJECT_M2 - 1e-6]
    mines = large[large.geometry.area >= min_mine_area_m2 - 0.5 * grid.resolution**2].reset_index(drop=True)
    steps = [("segmented objects of the study area", segmented, None),
             ("objects intersecting the network's mines (step 1)", len(objects), segmented - len(objects)),
             ("objects with p_intsct >= p (step 5)", len(kept), len(objects) - len(kept)),
             ("merged neighbouring objects (step 6)", len(merged), None),
             ("not on excluded land cover (step 7)", len(clear), len(merged) - len(clear)),
             (f"at least {STUDY_MIN_OBJECT_M2:g} m² (step 7)", len(large), len(clear) - len(large)),
             ("at least identify.min_mine_area_m2", len(mines), len(large) - len(mines))]
    record = {"p": p, "p_pct": round(100 * p, 2), "reference_m2": reference,
              "calibration_objects": len(calibration),
              "calibration_intersect_m2": float(calibration.loc[calibration["intersect_m2"] / calibration["area_m2"]
                                                                >= p, "intersect_m2"].sum()),
              "exclude_overlap": exclude_overlap,
              "steps": [{"step": name, "count": count, "dropped": dropped} for name, count, dropped in steps]}
    covered = mines.geometry.union_all().intersection(train_mines.geometry.union_all()).area if len(mines) else 0.0
    record["training_covered_pct"] = round(100 * covered / reference, 2) if reference > 0 else float("nan")
    log.info("p_intsct refinement: p = %.3f (objects on the training mines cumulate %.0f m² of intersection against "
             "%.0f m² of training mines); %s", p, record["calibration_intersect_m2"], reference,
             "; ".join(f"{name}: {count}" for name, count, _ in steps))
    if covered < reference / 2:
        log.warning("p_intsct refinement: the refined mines cover %.0f %% of the training mines' area (p = %.3f; "
                    "step 7 dropped %d of %d merged objects for touching the excluded land cover): the refinement "
                    "loses most of what the network found; compare the network's own mines (methods table, "
                    "refinement 'network'), or set identify.dl.refine_exclude_overlap (e.g. 0.5) or "
                    "identify.dl.refine: false", record["training_covered_pct"], p, len(merged) - len(clear),
                    len(merged))
    return mines, record
