#!/usr/bin/python3
"""An example dast discriminator plugin in Python: the same PatchGAN as the Go example
plugins/examples/patchgan (4x4 stride-2 convs with LeakyReLU, a 4x4 stride-1 conv and a 4x4
stride-1 conv to one channel of per-patch logits, optionally spectrally normalised), with the
same options and the same layers.

Make it executable and point a configuration at it (the plugin is named after the file's stem,
"patchgan"):

    plugins:
      - {path: plugins/sdk/python/examples/patchgan.py}
    discriminators:
      corrector: {name: patchgan.patchgan, options: {width: 32, downsamples: 3}}
"""

import os
import sys

try:
    import dast_plugin as dp
except ImportError:  # run from the repository: the package sits beside this directory
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), ".."))
    import dast_plugin as dp


def build(o, in_channels):
    width, n, slope = o["width"], o["downsamples"], o["slope"]
    if width < 1:
        raise ValueError(f"width {width} must be >= 1")
    if n < 1 or n > 8:
        raise ValueError(f"downsamples {n} must be in [1, 8]")
    layers = []
    for i in range(n):
        layers += [dp.conv(width << min(i, 3), 4, 2, 1), dp.leaky_relu(slope)]
    layers += [dp.conv(width << min(n, 3), 4, 1, 1), dp.leaky_relu(slope), dp.conv(1, 4, 1, 1)]
    if o["spectral_norm"]:
        for l in layers:
            l.spectral_norm = l.type == "conv"
    return layers


if __name__ == "__main__":
    dp.serve(dp.Discriminator(
        name="patchgan",
        description="PatchGAN: 4x4 stride-2 convs with LeakyReLU, per-patch logits",
        options=[
            dp.Option("width", dp.INT, 64, "channels of the first conv (doubled per downsampling, at most 8x)"),
            dp.Option("downsamples", dp.INT, 3, "number of 4x4 stride-2 convs"),
            dp.Option("slope", dp.FLOAT, 0.2, "negative slope of the LeakyReLU"),
            dp.Option("spectral_norm", dp.BOOL, False, "spectrally normalise every conv"),
        ],
        build=build,
    ))
