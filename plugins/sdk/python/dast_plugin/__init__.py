"""dast_plugin: write dast discriminator plugins in Python.

A plugin is an executable that describes discriminators as declarative layer graphs; dast
validates them and builds the network itself (plugins never run in the training loop). This
package is the Python counterpart of the Go module github.com/dast-uda/dast/plugins/sdk: the
same go-plugin handshake (magic cookie, protocol versions 1 and 2, automatic mutual TLS), the
same gRPC service with the health service go-plugin expects, the same describe API, option
schema and validation. It needs Debian's python3-grpcio, python3-protobuf and
python3-cryptography. A plugin's main is a call to serve():

    #!/usr/bin/python3
    import dast_plugin as dp

    def build(o, in_channels):
        w = o["width"]
        return [dp.conv(w, 4, 2, 1), dp.leaky_relu(0.2), dp.conv(1, 4, 1, 1)]

    dp.serve(dp.Discriminator(
        name="patchgan", description="PatchGAN", build=build,
        options=[dp.Option("width", dp.INT, 64, "channels of the first conv")]))

See docs/PLUGINS.md.
"""

from .layers import (  # noqa: F401
    INPUT,
    Layer,
    add,
    avg_pool,
    concat,
    conv,
    instance_norm,
    leaky_relu,
    max_pool,
    relu,
    self_attention,
    tanh,
    upsample,
    upsample_to,
)
from .options import BOOL, FLOAT, FLOAT_LIST, INT, INT_LIST, STRING, Option, normalize  # noqa: F401
from .server import PROTOCOL_VERSION, Discriminator, Servicer, serve  # noqa: F401
