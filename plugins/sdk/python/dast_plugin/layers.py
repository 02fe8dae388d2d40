"""Layers of a declarative discriminator network (the Go SDK's sdk.Layer)."""

import dataclasses
from typing import List

from . import discriminator_pb2 as pb

# INPUT names the discriminator's input in Layer.inputs and Layer.size_of.
INPUT = "input"

VERSION1_TYPES = ("conv", "relu", "leaky_relu", "tanh")


@dataclasses.dataclass
class Layer:
    """One node of the network; the fields are those of the protocol's Layer message.

    A layer reads the previous layer's output (the input for the first) unless inputs names
    others; the last layer's output is the discriminator's and must have one channel.
    """

    type: str
    name: str = ""
    inputs: List[str] = dataclasses.field(default_factory=list)
    out: int = 0
    kernel: int = 0
    stride: int = 0
    padding: int = 0
    dilation: int = 0
    bias: bool = False
    spectral_norm: bool = False
    slope: float = 0.0
    ceil_mode: bool = False
    count_include_pad: bool = False
    factor: int = 0
    size_of: str = ""
    align_corners: bool = False
    key_channels: int = 0
    affine: bool = False
    eps: float = 0.0

    def named(self, name):
        """Returns a copy of the layer with the given name."""
        return dataclasses.replace(self, name=name)

    def takes(self, *inputs):
        """Returns a copy of the layer reading the named layers (or INPUT)."""
        return dataclasses.replace(self, inputs=list(inputs))

    def version1(self):
        """Whether protocol version 1 can express the layer."""
        return self.type in VERSION1_TYPES and not self.name and not self.inputs

    def to_proto(self):
        return pb.Layer(type=self.type, out_channels=self.out, kernel=self.kernel, stride=self.stride,
                        padding=self.padding, dilation=self.dilation, bias=self.bias,
                        spectral_norm=self.spectral_norm, slope=self.slope, name=self.name,
                        inputs=list(self.inputs), ceil_mode=self.ceil_mode,
                        count_include_pad=self.count_include_pad, factor=self.factor,
                        size_of=self.size_of, align_corners=self.align_corners,
                        key_channels=self.key_channels, affine=self.affine, eps=self.eps)


def conv(out, kernel, stride, padding):
    """A biased convolution, square kernel, zero padding, dilation 1."""
    return Layer("conv", out=out, kernel=kernel, stride=stride, padding=padding, dilation=1, bias=True)


def relu():
    return Layer("relu")


def leaky_relu(slope):
    return Layer("leaky_relu", slope=slope)


def tanh():
    return Layer("tanh")


def add(*inputs):
    """The elementwise sum of the named layers (same shapes): a residual connection."""
    return Layer("add", inputs=list(inputs))


def concat(*inputs):
    """The channel concatenation of the named layers (same spatial size)."""
    return Layer("concat", inputs=list(inputs))


def avg_pool(kernel, stride, padding):
    """Average pooling counting the padding (PyTorch's nn.AvgPool2d default)."""
    return Layer("avg_pool", kernel=kernel, stride=stride, padding=padding, count_include_pad=True)


def max_pool(kernel, stride, padding):
    return Layer("max_pool", kernel=kernel, stride=stride, padding=padding)


def upsample(factor, align_corners):
    """Bilinear resize by an integer factor."""
    return Layer("upsample", factor=factor, align_corners=align_corners)


def upsample_to(layer, align_corners):
    """Bilinear resize to the spatial size of the named layer (or INPUT)."""
    return Layer("upsample", size_of=layer, align_corners=align_corners)


def self_attention(key_channels=0):
    """SAGAN self-attention (key_channels 0: C/8), learned gamma starting at 0."""
    return Layer("self_attention", key_channels=key_channels)


def instance_norm(affine):
    return Layer("instance_norm", affine=affine)
