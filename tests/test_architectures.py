"""The networks written for the U-Net+ study (minerestore.identify.architectures): shapes, the layers each paper
gives them, FCN's bilinear upsampling, U-Net+'s added deeper levels, and the registry's width for every network.
That each learns is tested with the planted squares of tests/test_segmentation.py."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("segmentation_models_pytorch")

from minerestore.identify import architectures as arch  # noqa: E402
from minerestore.identify.networks import NETWORKS  # noqa: E402

OWN = ["fcn8s", "segnet", "resunet", "unetplus"]


def layers(model) -> int:
    """Convolutions and transposed convolutions (what the study's Table I counts as depth)."""
    return sum(isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)) for m in model.modules())


@pytest.mark.parametrize("name", list(NETWORKS))
def test_every_network_maps_bands_to_class_logits_of_the_input_size(name):
    model = NETWORKS[name].build(4, 7, encoder="resnet18", width=4).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 4, 64, 96))
    assert out.shape == (2, 7, 64, 96)


def test_the_layers_of_each_paper():
    """U-Net+ is U-Net's 23 layers plus one fusion convolution per decoder level: the study's depth 27. SegNet has
    VGG-16's 13 convolutions, a mirrored decoder of 13 and a classifier; FCN-8s VGG-16's 13, fc6, fc7, three score
    layers and three upsampling layers."""
    assert layers(arch.UNetPlus(4, 7, 4)) == 27
    assert layers(arch.SegNet(4, 7, 4)) == 13 + 13 + 1
    assert layers(arch.FCN8s(4, 7, 4)) == 13 + 2 + 3 + 3
    assert layers(arch.ResUNet(4, 7, 4)) == 3 + 4 * 3 + 4 * 3 + 1  # stem, encoder and decoder units (2 + shortcut)
    widths = [m.out_channels for m in arch.UNetPlus(4, 7, 8).modules() if isinstance(m, torch.nn.Conv2d)][:10]
    assert widths == [8, 8, 16, 16, 32, 32, 64, 64, 128, 128]  # five levels doubling from the width


def test_fcn_upsampling_starts_bilinear():
    """A transposed convolution with FCN's initial kernel doubles a linear ramp exactly away from the border."""
    up = torch.nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1, bias=False)
    up.weight.data.copy_(arch.bilinear_kernel(1, 4))
    ramp = torch.arange(8, dtype=torch.float32).repeat(8, 1)[None, None]
    out = up(ramp)[0, 0].detach()
    expected = (torch.arange(16, dtype=torch.float32) - 0.5) / 2  # bilinear at the half-pixel centres
    torch.testing.assert_close(out[4:12, 2:14], expected[2:14].repeat(8, 1))


def test_unet_plus_adds_the_deeper_levels():
    """With its fusion convolutions zeroed U-Net+ is a plain U-Net; each level's fusion then changes the output,
    and its input holds the bridge and every decoder level below (16w + 8w … for the finest level)."""
    torch.manual_seed(0)
    model = arch.UNetPlus(3, 5, 4).eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        full = model(x)
        for conv in model.fuse:
            conv.weight.zero_()
            conv.bias.zero_()
        plain = model(x)
        assert not torch.allclose(full, plain)
        assert [c.in_channels for c in model.fuse] == [8 + 16 + 32 + 64, 16 + 32 + 64, 32 + 64, 64]
        model.fuse[0].bias.fill_(1.0)  # the finest level's fusion reaches the output
        assert not torch.allclose(model(x), plain)


def test_the_width_sizes_every_network():
    """Our networks double from ``width``; the segmentation-models-pytorch U-Nets' decoders are 16 … 1 x width
    (16: the library's defaults)."""
    small, large = (sum(p.numel() for p in NETWORKS[n].build(4, 7, encoder="resnet18", width=w).parameters())
                    for n, w in (("unetplus", 4), ("unetplus", 8)))
    assert large > 3 * small
    unet = NETWORKS["unet"].build(4, 7, encoder="resnet18", width=16)
    assert [b.conv2[0].out_channels for b in unet.decoder.blocks] == [256, 128, 64, 32, 16]
    assert NETWORKS["deeplabv3plus"].build(4, 7, encoder="resnet18", width=16).segmentation_head[0].in_channels == 256
