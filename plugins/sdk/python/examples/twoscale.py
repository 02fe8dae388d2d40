#!/usr/bin/python3
"""The two-scale example of plugins/examples/twoscale in Python (pix2pixHD-style): a PatchGAN
on the input and one on the input average-pooled by 2, the coarse logits resized to the fine
ones and summed; the same options and the same layer graph as the Go example."""

import os
import sys

try:
    import dast_plugin as dp
except ImportError:  # run from the repository: the package sits beside this directory
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
    import dast_plugin as dp


def patchgan(o, src, out):
    width, n, slope, norm = o["width"], o["downsamples"], o["slope"], o["instance_norm"]
    layers = [dp.conv(width, 4, 2, 1).takes(src), dp.leaky_relu(slope)]
    for i in range(1, n + 1):
        layers.append(dp.conv(width << min(i, 3), 4, 1 if i == n else 2, 1))
        if norm:
            layers.append(dp.instance_norm(False))
        layers.append(dp.leaky_relu(slope))
    return layers + [dp.conv(1, 4, 1, 1).named(out)]


def build(o, in_channels):
    if o["width"] < 1:
        raise ValueError(f"width {o['width']} must be >= 1")
    if o["downsamples"] < 1 or o["downsamples"] > 6:
        raise ValueError(f"downsamples {o['downsamples']} must be in [1, 6]")
    down = dp.avg_pool(3, 2, 1).takes(dp.INPUT).named("half")
    down.count_include_pad = False
    return (patchgan(o, dp.INPUT, "fine") + [down] + patchgan(o, "half", "coarse_logits") +
            [dp.upsample_to("fine", o["align_corners"]).named("coarse"), dp.add("fine", "coarse")])


if __name__ == "__main__":
    dp.serve(dp.Discriminator(
        name="twoscale",
        description="two-scale PatchGAN: full and half resolution, logits resized and summed",
        options=[
            dp.Option("width", dp.INT, 64, "channels of the first conv of each scale (doubled per downsampling, at most 8x)"),
            dp.Option("downsamples", dp.INT, 3, "4x4 stride-2 convs per scale"),
            dp.Option("slope", dp.FLOAT, 0.2, "negative slope of the LeakyReLU"),
            dp.Option("instance_norm", dp.BOOL, True, "instance normalisation after the inner convs"),
            dp.Option("align_corners", dp.BOOL, False, "bilinear rule of the coarse logits' resize"),
        ],
        build=build,
    ))
