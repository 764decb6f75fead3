"""The segmentation networks the workflow can train, by name: the only list of them (:data:`NETWORKS`).

The binary mine networks (``identify.method``, ``identify.compare``) and any land-use mapping read this registry;
the config check, the Snakefile's ``{network}`` wildcard and the identification methods
(:mod:`minerestore.identify.methods`) take their names from it. Adding a network is one :class:`Network` entry
here (with a builder) and its test (docs/contributing.md, "add a network").

Nothing here imports PyTorch: the Snakefile reads the names when it plans a run, and torch is imported by the
builders only when a network is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from minerestore.registry import Registry


@dataclass(frozen=True)
class Network:
    """A segmentation network.

    Attributes
    ----------
    name : the config name (``unet``).
    label : its name in words, for tables and figures (``U-Net``).
    reference : the paper that defined it.
    build : ``build(in_channels, classes, encoder)`` -> a ``torch.nn.Module`` with random weights, mapping
        (batch, in_channels, h, w) float32 to (batch, classes, h, w) logits.
    encoder : the encoder its study used, taken when ``identify.dl.encoder`` is null (resnet18 where the study gives
        none: the smallest ResNet, which trains on a CPU).
    """

    name: str
    label: str
    reference: str
    build: Callable
    encoder: str = "resnet18"


def smp_builder(architecture: str) -> Callable:
    """A builder of segmentation-models-pytorch's ``architecture`` (its class name, e.g. ``Unet``), no pretrained
    weights (nothing is downloaded)."""

    def build(in_channels: int, classes: int, encoder: str):
        import segmentation_models_pytorch as smp

        return smp.create_model(architecture, encoder_name=encoder, encoder_weights=None, in_channels=in_channels,
                                classes=classes)

    return build


NETWORKS: Registry[Network] = Registry("segmentation network")
NETWORKS.add(Network("unet", "U-Net", "Ronneberger, Fischer & Brox (2015), MICCAI", smp_builder("Unet")))
NETWORKS.add(Network("unetplusplus", "U-Net++", "Zhou et al. (2018), DLMIA", smp_builder("UnetPlusPlus")))
NETWORKS.add(Network("deeplabv3plus", "DeepLabV3+", "Chen et al. (2018), ECCV", smp_builder("DeepLabV3Plus")))
# the DeepLabV3 / OBIA / SBAS-InSAR mine study (its §2.2.2): DeepLabV3 with a ResNet-50 backbone
NETWORKS.add(Network("deeplabv3", "DeepLabV3", "Chen et al. (2017), arXiv:1706.05587", smp_builder("DeepLabV3"),
                     encoder="resnet50"))
