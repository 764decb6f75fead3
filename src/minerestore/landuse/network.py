"""One land-use network: trained on the training patches, its best epoch kept, the whole area predicted by sliding
windows tile by tile, and scored on the validation patches (Chen et al. 2022, §III-C; docs/methods.md,
"Land-use mapping of an open-pit mining area").

The study's training: cross-entropy, Adam at a learning rate of 1e-4, 20 epochs, the model of the lowest
validation loss. Class-weighted cross-entropy (median frequency balancing, as SegNet's paper) and Dice are
options. The loop is the segmentation networks' one (:func:`minerestore.identify.segmentation.fit_epochs`); the
patches are read from the image and the labels batch by batch, so memory holds one batch, not the sample set.
A model travels with its card (JSON): the classes, bands, normalisation and patch size it needs, how it was
trained and its scores; applying it to an image of other bands is refused.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from minerestore.identify.networks import NETWORKS
from minerestore.landuse.classes import NODATA, LandUseClass, as_dicts, class_table, codes, colormap, index_lookup
from minerestore.landuse.samples import read_image

log = logging.getLogger(__name__)

#: ``landuse.loss`` values.
LOSSES = ("cross_entropy", "weighted_cross_entropy", "dice")


@dataclass
class LandUseCard:
    """What a trained land-use model needs to be applied again, and how it was made (``model.pt.json``)."""

    network: str
    encoder: str
    width: int
    classes: list[dict]
    bands: list[str]
    mean: list[float]
    std: list[float]
    patch_px: int
    seed: int
    loss: str
    learning_rate: float
    batch_size: int
    epochs: int = 0
    best_epoch: int = 0
    train_seconds: float = 0.0
    scores: dict = field(default_factory=dict)

    def check_bands(self, bands: list[str], source: str) -> None:
        """Refuse an image whose bands differ from the model's.

        Raises
        ------
        ValueError
            Naming ``source``, the first band that differs (or is missing or extra) and both lists.
        """
        if list(bands) == list(self.bands):
            return
        for i in range(max(len(bands), len(self.bands))):
            ours = self.bands[i] if i < len(self.bands) else None
            theirs = bands[i] if i < len(bands) else None
            if ours != theirs:
                break
        raise ValueError(f"{source}: band {i + 1} of the image is {theirs!r} where the model was trained on "
                         f"{ours!r} (model bands {self.bands}, image bands {list(bands)}); give an image of the "
                         "model's bands or train a new model")

    def check_classes(self, table: list[LandUseClass], source: str) -> None:
        """Refuse a model of other classes than the config's table.

        Raises
        ------
        ValueError
            Naming ``source`` and both class lists (codes and abbreviations).
        """
        theirs = [(c.code, c.abbreviation) for c in table]
        ours = [(c["code"], c["abbreviation"]) for c in self.classes]
        if ours != theirs:
            raise ValueError(f"{source}: the model maps classes {ours}, landuse.classes are {theirs}; use the model's "
                             "class table or train a new model")


def build(network: str, n_bands: int, n_classes: int, *, encoder: str, width: int):
    """A network of the registry with random weights (:data:`minerestore.identify.networks.NETWORKS`)."""
    return NETWORKS[network].build(n_bands, n_classes, encoder=encoder, width=width)


class PatchReader:
    """Normalised image patches and their class indexes, read from the files window by window.

    Parameters
    ----------
    image, indexes : the image and its 1-based bands the networks read.
    labels : the labels on the image grid (uint8 codes, :func:`minerestore.landuse.samples.write_labels`).
    """

    def __init__(self, image, indexes: list[int], labels, table: list[LandUseClass], mean: list[float],
                 std: list[float], patch: int) -> None:
        self.image, self.labels = rasterio.open(image), rasterio.open(labels)
        self.indexes, self.lut, self.patch = indexes, index_lookup(table), patch
        self.mean = np.asarray(mean, np.float32)[:, None, None]
        self.std = np.asarray(std, np.float32)[:, None, None]

    def read(self, origins) -> tuple[np.ndarray, np.ndarray]:
        """x float32 (n, bands, p, p), normalised with NaN set to 0 (the mean), and y int64 (n, p, p) class
        indexes with :data:`NODATA` where unlabelled or without image data, for patches at (row, col)
        ``origins``."""
        xs, ys = [], []
        for row, col in origins:
            window = Window(col, row, self.patch, self.patch)
            x = read_image(self.image, self.indexes, window)
            y = self.lut[self.labels.read(1, window=window)]
            y[np.isnan(x).any(axis=0)] = NODATA
            xs.append(np.nan_to_num((x - self.mean) / self.std, nan=0.0))
            ys.append(y)
        return np.stack(xs).astype(np.float32), np.stack(ys).astype(np.int64)


def class_weights(train_pixels: np.ndarray) -> np.ndarray:
    """Median frequency balancing (Eigen & Fergus 2015; SegNet's paper, §4): weight of a class = median of the
    class frequencies / its frequency, over the classes with training pixels; 0 for a class without any."""
    counts = np.asarray(train_pixels, float)
    present = counts > 0
    weights = np.zeros(len(counts))
    if present.any():
        freq = counts[present] / counts[present].sum()
        weights[present] = np.median(freq) / freq
    return weights


def loss_function(kind: str, train_pixels: np.ndarray, dev):
    """The loss of ``landuse.loss``: ``cross_entropy`` (the study's), ``weighted_cross_entropy``
    (:func:`class_weights`) or ``dice`` (segmentation-models-pytorch's multi-class Dice); unlabelled pixels are
    ignored. Returns a callable (logits, labels) -> scalar tensor."""
    import torch

    if kind == "dice":
        import segmentation_models_pytorch as smp

        return smp.losses.DiceLoss(mode="multiclass", ignore_index=NODATA)
    weight = None
    if kind == "weighted_cross_entropy":
        weight = torch.tensor(class_weights(train_pixels), dtype=torch.float32).to(dev)
    return torch.nn.CrossEntropyLoss(weight=weight, ignore_index=NODATA)


def train(model, reader: PatchReader, train_origins, val_origins, *, loss, epochs: int, batch_size: int,
          learning_rate: float, seed: int, dev) -> dict:
    """Train ``model`` on the patches at ``train_origins`` ((row, col) pairs) for ``epochs`` with Adam at a constant
    ``learning_rate``, in batches drawn in a seeded random order each epoch, and keep the weights of the epoch with
    the lowest loss on the patches at ``val_origins``.

    Returns
    -------
    dict of :func:`minerestore.identify.segmentation.fit_epochs`: history, best_epoch, epochs, seconds.
    """
    import torch

    from minerestore.identify.segmentation import batch_indexes, fit_epochs

    generator = torch.Generator().manual_seed(seed)
    train_origins, val_origins = np.asarray(train_origins), np.asarray(val_origins)

    def batches():
        order = torch.randperm(len(train_origins), generator=generator).numpy()
        for idx in batch_indexes(order, batch_size):
            x, y = reader.read(train_origins[idx])
            yield torch.from_numpy(x), torch.from_numpy(y)

    def evaluate(model):
        if not len(val_origins):
            return None
        model.eval()
        total, weight = 0.0, 0
        with torch.no_grad():
            for start in range(0, len(val_origins), batch_size):
                x, y = reader.read(val_origins[start:start + batch_size])
                n = int(np.sum(y != NODATA))
                if n:
                    total += float(loss(model(torch.from_numpy(x).to(dev)), torch.from_numpy(y).to(dev))) * n
                    weight += n
        return total / weight if weight else None

    return fit_epochs(model, batches, evaluate, loss, dev=dev, epochs=epochs, learning_rate=learning_rate,
                      cosine=False, patience=None, min_delta=0.0)


def predict_map(model, card: LandUseCard, image, indexes: list[int], grid, path: str | os.PathLike, *,
                tile_px: int, overlap: int, dev) -> float:
    """Predict the class of every pixel of the image and write it (uint8 class codes, :data:`NODATA` where the
    image has no data, the class table as colour map and in the ``classes`` tag), tile by tile: each tile is read
    with a margin of half a patch so windows at its edges see their surroundings (memory: one tile, its margin and
    its class probabilities). Returns the seconds it took."""
    import time

    from minerestore.identify.segmentation import class_probabilities
    from minerestore.raster.tiles import pad_window, tile_windows
    from minerestore.raster.write import raster_writer

    started = time.perf_counter()
    table = class_table(card.classes)
    code = codes(table)
    mean = np.asarray(card.mean, np.float32)[:, None, None]
    std = np.asarray(card.std, np.float32)[:, None, None]
    tags = {"classes": json.dumps(card.classes), "network": card.network}
    with rasterio.open(image) as src, raster_writer(path, grid.profile(1, "uint8", NODATA), ["class_code"],
                                                    tags) as dst:
        dst.write_colormap(1, colormap(table))  # before the pixels: GDAL sets the palette first
        for window in tile_windows(grid, tile_px).values():
            padded, inner = pad_window(grid, window, card.patch_px // 2)
            x = read_image(src, indexes, padded)
            nodata = np.isnan(x).any(axis=0)[inner]
            prob = class_probabilities(model, np.nan_to_num((x - mean) / std, nan=0.0), patch=card.patch_px,
                                       overlap=overlap, dev=dev)
            out = code[np.argmax(prob[(slice(None), *inner)], axis=0)]
            out[nodata] = NODATA
            dst.write(out[None], window=window)
    return time.perf_counter() - started


def validation_confusion(prediction, labels, table: list[LandUseClass], origins, patch: int) -> np.ndarray:
    """The confusion matrix (rows labels, columns prediction; :func:`minerestore.landuse.scores.confusion`) over
    the patches at ``origins`` ((row, col) pairs)."""
    from minerestore.landuse.scores import confusion

    lut = index_lookup(table)
    matrix = np.zeros((len(table), len(table)), np.int64)
    with rasterio.open(prediction) as pred, rasterio.open(labels) as lab:
        for row, col in origins:
            window = Window(col, row, patch, patch)
            matrix += confusion(lut[lab.read(1, window=window)], lut[pred.read(1, window=window)], len(table))
    return matrix


def load(path: str | os.PathLike) -> tuple:
    """A model and its card from :func:`minerestore.identify.segmentation.save_model`'s files.

    Raises
    ------
    FileNotFoundError
        When the weights or the ``.json`` card is missing (names it).
    """
    import torch

    path, sidecar = Path(path), Path(f"{path}.json")
    for p in (path, sidecar):
        if not p.exists():
            raise FileNotFoundError(f"regions.<name>.landuse.models: {p} does not exist (a model is the .pt file with "
                                    "its .pt.json card)")
    card = LandUseCard(**json.loads(sidecar.read_text()))
    model = build(card.network, len(card.bands), len(card.classes), encoder=card.encoder, width=card.width)
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model, card


def new_card(network: str, *, encoder: str, width: int, table: list[LandUseClass], bands: list[str], mean, std,
             options: dict, seed: int) -> LandUseCard:
    """The card of a model about to be trained with the ``landuse`` ``options`` (patch_px, loss, learning_rate,
    batch_size)."""
    return LandUseCard(network, encoder, width, as_dicts(table), list(bands), list(mean), list(std),
                       options["patch_px"], seed, options["loss"], options["learning_rate"], options["batch_size"])
