#!/usr/bin/python3
"""The residual example of plugins/examples/residual in Python: pooled residual blocks (as in
the SNGAN and BigGAN discriminators), optional self-attention after the first block, spectral
norm by default; the same options and the same layer graph as the Go example."""

import os
import sys

try:
    import dast_plugin as dp
except ImportError:  # run from the repository: the package sits beside this directory
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
    import dast_plugin as dp


def build(o, in_channels):
    width, blocks, slope = o["width"], o["blocks"], o["slope"]
    if width < 1:
        raise ValueError(f"width {width} must be >= 1")
    if blocks < 1 or blocks > 6:
        raise ValueError(f"blocks {blocks} must be in [1, 6]")
    layers, prev = [], dp.INPUT
    for i in range(blocks):
        w = width << min(i, 3)
        main, skip, total = f"block{i + 1}_main", f"block{i + 1}_skip", f"block{i + 1}"
        layers += [dp.leaky_relu(slope).takes(prev), dp.conv(w, 3, 1, 1), dp.leaky_relu(slope), dp.conv(w, 3, 1, 1),
                   dp.avg_pool(2, 2, 0).named(main),
                   dp.conv(w, 1, 1, 0).takes(prev), dp.avg_pool(2, 2, 0).named(skip),
                   dp.add(main, skip).named(total)]
        prev = total
        if i == 0 and o["attention"]:
            layers.append(dp.self_attention(0).named("attention"))
            prev = "attention"
    layers += [dp.leaky_relu(slope).takes(prev), dp.conv(1, 3, 1, 1)]
    if o["spectral_norm"]:
        for l in layers:
            l.spectral_norm = l.type == "conv"
    return layers


if __name__ == "__main__":
    dp.serve(dp.Discriminator(
        name="residual",
        description="residual discriminator: pooled residual blocks, optional self-attention",
        options=[
            dp.Option("width", dp.INT, 64, "channels of the first block (doubled per block, at most 8x)"),
            dp.Option("blocks", dp.INT, 3, "residual blocks, each halving the resolution"),
            dp.Option("attention", dp.BOOL, False, "self-attention after the first block"),
            dp.Option("slope", dp.FLOAT, 0.2, "negative slope of the LeakyReLU"),
            dp.Option("spectral_norm", dp.BOOL, True, "spectrally normalise every conv"),
        ],
        build=build,
    ))
