"""The segmentation networks of the U-Net+ study that the libraries do not have in the form it used: FCN-8s, SegNet,
ResU-Net and U-Net+ (Chen et al. 2022, IEEE JSTARS, Table I; docs/methods.md, "Land-use mapping of an open-pit
mining area"). U-Net and U-Net++ come from segmentation-models-pytorch (:mod:`minerestore.identify.networks`).

segmentation-models-pytorch builds its networks on pretrained-style encoders (ResNet, VGG …) and has no FCN-8s,
SegNet, residual U-Net or U-Net+; torchvision's FCN is the ResNet variant without the 8s skips. So each is written
here once, from its paper's figure, to be trained from scratch. Every network maps (batch, in_channels, h, w)
float32 to (batch, classes, h, w) logits and is built from one ``width``: the channels of its first level (the
papers' 64), doubling at each level below, so tests can use small ones. Sides must be multiples of 32 (FCN-8s and
SegNet pool five times; ResU-Net and U-Net+ four times).

Every convolution is followed by batch normalisation and ReLU (the study: "ReLU everywhere"; it does not say
whether it normalised batches; SegNet and ResU-Net do in their papers, and from-scratch training at the study's
learning rate of 1e-4 for 20 epochs needs it for the others too).

This module imports PyTorch; :mod:`minerestore.identify.networks` imports it only when a network is built.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def conv_bn_relu(c_in: int, c_out: int, kernel: int = 3) -> nn.Sequential:
    """A ``kernel`` x ``kernel`` convolution (padded to keep the size), batch normalisation and ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


def conv_stack(c_in: int, c_out: int, n: int) -> nn.Sequential:
    """``n`` 3 x 3 conv-BN-ReLU layers, the first from ``c_in`` to ``c_out`` channels."""
    return nn.Sequential(*[conv_bn_relu(c_in if i == 0 else c_out, c_out) for i in range(n)])


#: Convolutions per block of VGG-16 (Simonyan & Zisserman 2015, Table 1, configuration D), the encoder of FCN-8s and
#: SegNet; channels w, 2w, 4w, 8w, 8w.
VGG16_BLOCKS = (2, 2, 3, 3, 3)


def vgg16_widths(width: int) -> list[int]:
    return [width, 2 * width, 4 * width, 8 * width, 8 * width]


def bilinear_kernel(channels: int, size: int) -> torch.Tensor:
    """Weights (channels, channels, size, size) of a transposed convolution that upsamples each channel bilinearly:
    FCN's initialisation of its upsampling layers (Long et al. 2015, §3.3)."""
    factor = (size + 1) // 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    ramp = 1 - torch.abs(torch.arange(size, dtype=torch.float32) - centre) / factor
    weight = torch.zeros(channels, channels, size, size)
    weight[range(channels), range(channels)] = ramp[:, None] * ramp[None, :]
    return weight


class FCN8s(nn.Module):
    """FCN-8s: Long, Shelhamer & Darrell (2015), "Fully convolutional networks for semantic segmentation", CVPR,
    Fig. 3.

    A VGG-16 encoder (five blocks of 3 x 3 convolutions, each ending in 2 x 2 max pooling), its fully connected
    layers as convolutions (fc6: 7 x 7 with 64·``width`` channels, the paper's 4096 at width 64; fc7: 1 x 1; both
    with dropout 0.5), class scores (1 x 1) at 1/32, upsampled by transposed convolutions (initialised bilinear)
    x2 and added to the scores of pool4, x2 again and added to those of pool3, then x8 to the input size.
    Padded convolutions replace the paper's 100 px padding and crop (same sizes, no offset).
    """

    def __init__(self, in_channels: int, classes: int, width: int) -> None:
        super().__init__()
        widths, blocks, c_in = vgg16_widths(width), [], in_channels
        for n, c_out in zip(VGG16_BLOCKS, widths):
            blocks.append(nn.Sequential(conv_stack(c_in, c_out, n), nn.MaxPool2d(2)))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        fc = 64 * width
        self.fc = nn.Sequential(conv_bn_relu(widths[4], fc, 7), nn.Dropout2d(0.5), conv_bn_relu(fc, fc, 1),
                                nn.Dropout2d(0.5))
        self.score_fr = nn.Conv2d(fc, classes, 1)
        self.score_pool4 = nn.Conv2d(widths[3], classes, 1)
        self.score_pool3 = nn.Conv2d(widths[2], classes, 1)
        self.up2 = nn.ConvTranspose2d(classes, classes, 4, stride=2, padding=1, bias=False)
        self.up_pool4 = nn.ConvTranspose2d(classes, classes, 4, stride=2, padding=1, bias=False)
        self.up8 = nn.ConvTranspose2d(classes, classes, 16, stride=8, padding=4, bias=False)
        for up in (self.up2, self.up_pool4, self.up8):
            up.weight.data.copy_(bilinear_kernel(classes, up.kernel_size[0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pools = []
        for block in self.blocks:
            x = block(x)
            pools.append(x)
        score = self.up2(self.score_fr(self.fc(x)))
        score = self.up_pool4(score + self.score_pool4(pools[3]))
        return self.up8(score + self.score_pool3(pools[2]))


class SegNet(nn.Module):
    """SegNet: Badrinarayanan, Kendall & Cipolla (2017), "SegNet: a deep convolutional encoder-decoder architecture
    for image segmentation", IEEE TPAMI, Figs. 2-3.

    The 13 convolutions of VGG-16 as encoder, each block ending in 2 x 2 max pooling that keeps its indices; a
    mirrored decoder whose blocks start by max-unpooling with those indices (no learnt upsampling, no skip of
    features) followed by convolutions; a 1 x 1 convolution to the class scores.
    """

    def __init__(self, in_channels: int, classes: int, width: int) -> None:
        super().__init__()
        widths = vgg16_widths(width)
        ins = [in_channels, *widths[:-1]]
        self.encoder = nn.ModuleList(conv_stack(c_in, c_out, n) for n, c_in, c_out in zip(VGG16_BLOCKS, ins, widths))
        # decoder block k mirrors encoder block k: n - 1 convolutions at its width, the last to the width above
        outs = [width, *widths[:-1]]
        self.decoder = nn.ModuleList(
            nn.Sequential(conv_stack(c, c, n - 1), conv_bn_relu(c, c_out))
            for n, c, c_out in zip(VGG16_BLOCKS, widths, outs))
        self.classifier = nn.Conv2d(width, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        indices = []
        for block in self.encoder:
            x, idx = F.max_pool2d(block(x), 2, return_indices=True)
            indices.append(idx)
        for block, idx in zip(reversed(self.decoder), reversed(indices)):
            x = block(F.max_unpool2d(x, idx, 2))
        return self.classifier(x)


class ResidualUnit(nn.Module):
    """A pre-activation residual unit of ResU-Net (Zhang et al. 2018, Fig. 1c): BN-ReLU-conv 3 x 3 (the first with
    ``stride``) twice, plus a 1 x 1 convolution (with the stride) and BN of the input as shortcut. ``first``: the
    stem, whose first convolution sees the input directly (no BN-ReLU before it)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, first: bool = False) -> None:
        super().__init__()
        pre = [] if first else [nn.BatchNorm2d(c_in), nn.ReLU(inplace=False)]
        self.body = nn.Sequential(*pre, nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                                  nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                                  nn.Conv2d(c_out, c_out, 3, padding=1, bias=False))
        self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + self.shortcut(x)


class ResUNet(nn.Module):
    """ResU-Net: Zhang, Liu & Wang (2018), "Road extraction by deep residual U-Net", IEEE GRSL 15(5), Fig. 2.

    U-Net's shape with residual units (:class:`ResidualUnit`) for its plain blocks: a residual stem, encoder units
    that halve the size by a stride-2 convolution (not pooling), a bridge unit, and decoder units that take the
    bilinear x2 upsampling of the level below concatenated with the encoder unit of their level; a 1 x 1
    convolution to the class scores. Built with U-Net's five levels (w … 16w; the paper's road network has four),
    so it is U-Net with residual blocks, as the U-Net+ study describes it.
    """

    def __init__(self, in_channels: int, classes: int, width: int) -> None:
        super().__init__()
        widths = [width * 2**i for i in range(5)]
        self.encoder = nn.ModuleList([ResidualUnit(in_channels, widths[0], first=True),
                                      *[ResidualUnit(widths[i - 1], widths[i], stride=2) for i in range(1, 5)]])
        self.decoder = nn.ModuleList(ResidualUnit(widths[i + 1] + widths[i], widths[i]) for i in range(4))
        self.head = nn.Sequential(nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True), nn.Conv2d(widths[0], classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for unit in self.encoder:
            x = unit(x)
            skips.append(x)
        for i in reversed(range(4)):
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = self.decoder[i](torch.cat([x, skips[i]], dim=1))
        return self.head(x)


class UNetPlus(nn.Module):
    """U-Net+: Chen, Zheng, Niu & Plaza (2022), "Open-pit mine area mapping with Gaofen-2 satellite images using
    U-Net+", IEEE JSTARS 15, Fig. 8 and Table I (depth 27, feature fusion "Add").

    U-Net (Ronneberger et al. 2015: two 3 x 3 convolutions per level, 2 x 2 max pooling, 2 x 2 transposed
    convolutions up, the encoder's maps concatenated into the decoder; five levels w … 16w) in which every decoder
    level also receives the maps of all the deeper levels (the bridge and the decoder levels below it), "inspired
    by ResNet and DenseNet": they are upsampled (bilinear) to the level's size, concatenated (dense) and brought to
    its channels by one 1 x 1 convolution, whose output is added element-wise (residual) to the level's U-Net
    output. U-Net has 23 layers (18 convolutions, 4 up-convolutions, the 1 x 1 classifier); the four fusion
    convolutions make the 27 of the study's Table I. The study's text and figure do not give the fusion's
    operator more exactly; this is our reading of them (docs/methods.md).
    """

    def __init__(self, in_channels: int, classes: int, width: int) -> None:
        super().__init__()
        widths = [width * 2**i for i in range(5)]
        self.encoder = nn.ModuleList(conv_stack(c_in, c, 2) for c_in, c in zip([in_channels, *widths[:-1]], widths))
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in range(4))
        self.decoder = nn.ModuleList(conv_stack(2 * widths[i], widths[i], 2) for i in range(4))
        # the fusion of level i sees the bridge and the decoder levels i + 1 … 3
        self.fuse = nn.ModuleList(nn.Conv2d(sum(widths[i + 1:]), widths[i], 1) for i in range(4))
        self.classifier = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.encoder):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        deeper = [x]  # the bridge, then each decoder level's output
        for i in reversed(range(4)):
            x = self.decoder[i](torch.cat([self.up[i](x), skips[i]], dim=1))
            size = x.shape[-2:]
            dense = torch.cat([F.interpolate(d, size=size, mode="bilinear", align_corners=False) for d in deeper], 1)
            x = x + self.fuse[i](dense)
            deeper.append(x)
        return self.classifier(x)


#: The networks of this module by registry name (minerestore.identify.networks).
ARCHITECTURES = {"fcn8s": FCN8s, "segnet": SegNet, "resunet": ResUNet, "unetplus": UNetPlus}
