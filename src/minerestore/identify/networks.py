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
    build : ``build(in_channels, classes, *, encoder, width)`` -> a ``torch.nn.Module`` with random weights,
        mapping (batch, in_channels, h, w) float32 to (batch, classes, h, w) logits. ``width`` sizes a network:
        the channels of the first level of a network written here (:mod:`minerestore.identify.architectures`),
        doubling at each level below, or the decoder of a segmentation-models-pytorch network (its finest level;
        16 gives the library's defaults), whose encoder is ``encoder`` (one of its encoder names).
    encoder : the encoder its study used, taken when ``identify.dl.encoder`` is null (resnet18 where the study gives
        none: the smallest ResNet, which trains on a CPU); unused by the networks written here.
    """

    name: str
    label: str
    reference: str
    build: Callable
    encoder: str = "resnet18"


def smp_builder(architecture: str, decoder: Callable | None = None) -> Callable:
    """A builder of segmentation-models-pytorch's ``architecture`` (its class name, e.g. ``Unet``), no pretrained
    weights (nothing is downloaded). ``decoder``: ``decoder(width)`` -> its ``decoder_channels`` (None: the
    library's default), so ``width`` sizes its decoder as it sizes the networks written here."""

    def build(in_channels: int, classes: int, *, encoder: str, width: int):
        import segmentation_models_pytorch as smp

        extra = {"decoder_channels": decoder(width)} if decoder else {}
        return smp.create_model(architecture, encoder_name=encoder, encoder_weights=None, in_channels=in_channels,
                                classes=classes, **extra)

    return build


def unet_decoder(width: int) -> tuple[int, ...]:
    """U-Net's decoder channels from the coarsest level: 16, 8, 4, 2 and 1 times ``width`` (the library's default
    (256, 128, 64, 32, 16) at width 16; U-Net's own 1024 … 64 at width 64)."""
    return tuple(width * 2**i for i in (4, 3, 2, 1, 0))


def deeplab_decoder(width: int) -> int:
    """DeepLab's decoder channels: 16 times ``width`` (the library's default 256 at width 16)."""
    return 16 * width


def own_builder(name: str) -> Callable:
    """A builder of the network ``name`` of :mod:`minerestore.identify.architectures` (imported, with torch, only
    when a network is built)."""

    def build(in_channels: int, classes: int, *, encoder: str, width: int):
        from minerestore.identify.architectures import ARCHITECTURES

        return ARCHITECTURES[name](in_channels, classes, width)

    return build


NETWORKS: Registry[Network] = Registry("segmentation network")
NETWORKS.add(Network("unet", "U-Net", "Ronneberger, Fischer & Brox (2015), MICCAI",
                     smp_builder("Unet", unet_decoder)))
NETWORKS.add(Network("unetplusplus", "U-Net++", "Zhou et al. (2018), DLMIA",
                     smp_builder("UnetPlusPlus", unet_decoder)))
NETWORKS.add(Network("deeplabv3plus", "DeepLabV3+", "Chen et al. (2018), ECCV",
                     smp_builder("DeepLabV3Plus", deeplab_decoder)))
# the DeepLabV3 / OBIA / SBAS-InSAR mine study (its §2.2.2): DeepLabV3 with a ResNet-50 backbone
NETWORKS.add(Network("deeplabv3", "DeepLabV3", "Chen et al. (2017), arXiv:1706.05587",
                     smp_builder("DeepLabV3", deeplab_decoder), encoder="resnet50"))
NETWORKS.add(Network("fcn8s", "FCN-8s", "Long, Shelhamer & Darrell (2015), CVPR", own_builder("fcn8s")))
NETWORKS.add(Network("segnet", "SegNet", "Badrinarayanan, Kendall & Cipolla (2017), IEEE TPAMI",
                     own_builder("segnet")))
NETWORKS.add(Network("resunet", "ResU-Net", "Zhang, Liu & Wang (2018), IEEE GRSL", own_builder("resunet")))
NETWORKS.add(Network("unetplus", "U-Net+", "Chen, Zheng, Niu & Plaza (2022), IEEE JSTARS", own_builder("unetplus")))
