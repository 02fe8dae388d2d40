package plugins

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/plugins/sdk"
)

// Limits of a plugin network, checked by CheckLayers.
const (
	MaxLayers   = 64
	MaxChannels = 1 << 16
	MaxKernel   = 64
	MaxStride   = 64
	MaxDilation = 64
	MaxPadding  = 256
)

// CheckLayers validates a plugin's layer list for an input with inChannels channels: known
// layer types, positive channels, kernel, stride and dilation, non-negative padding, the
// limits above, at least one conv, and a last layer that is a conv with one output channel.
// With h, w > 0 (the input size, when known) it also rejects a stride chain that shrinks the
// map below one pixel. Errors name the layer.
func CheckLayers(layers []sdk.Layer, inChannels, h, w int) error {
	if len(layers) == 0 {
		return fmt.Errorf("no layers")
	}
	if len(layers) > MaxLayers {
		return fmt.Errorf("%d layers exceed the limit of %d", len(layers), MaxLayers)
	}
	if inChannels < 1 || inChannels > MaxChannels {
		return fmt.Errorf("input channels %d out of range [1, %d]", inChannels, MaxChannels)
	}
	for i, l := range layers {
		if err := checkLayer(l); err != nil {
			return fmt.Errorf("layer %d (%s): %w", i, l.Type, err)
		}
		if l.Type == sdk.TypeConv && h > 0 && w > 0 {
			oh, ow := convOut(l, h), convOut(l, w)
			if oh < 1 || ow < 1 {
				return fmt.Errorf("layer %d (conv): a %dx%d input map shrinks to %dx%d (kernel %d, stride %d, padding %d, dilation %d)",
					i, h, w, oh, ow, l.Kernel, l.Stride, l.Padding, l.Dilation)
			}
			h, w = oh, ow
		}
	}
	last := layers[len(layers)-1]
	if last.Type != sdk.TypeConv || last.Out != 1 {
		return fmt.Errorf("layer %d (%s): the last layer must be a conv with 1 output channel (the logits)", len(layers)-1, last.Type)
	}
	return nil
}

func checkLayer(l sdk.Layer) error {
	switch l.Type {
	case sdk.TypeConv:
		checks := []struct {
			ok       bool
			name     string
			v, lo, h int
		}{
			{l.Out >= 1 && l.Out <= MaxChannels, "out_channels", l.Out, 1, MaxChannels},
			{l.Kernel >= 1 && l.Kernel <= MaxKernel, "kernel", l.Kernel, 1, MaxKernel},
			{l.Stride >= 1 && l.Stride <= MaxStride, "stride", l.Stride, 1, MaxStride},
			{l.Dilation >= 1 && l.Dilation <= MaxDilation, "dilation", l.Dilation, 1, MaxDilation},
			{l.Padding >= 0 && l.Padding <= MaxPadding, "padding", l.Padding, 0, MaxPadding},
		}
		for _, c := range checks {
			if !c.ok {
				return fmt.Errorf("%s %d out of range [%d, %d]", c.name, c.v, c.lo, c.h)
			}
		}
	case sdk.TypeLeakyReLU:
		if !(l.Slope >= 0 && l.Slope < 1) {
			return fmt.Errorf("slope %v must be in [0, 1)", l.Slope)
		}
	case sdk.TypeReLU, sdk.TypeTanh:
	default:
		return fmt.Errorf("unknown layer type %q (supported: %s, %s, %s, %s)", l.Type, sdk.TypeConv, sdk.TypeReLU, sdk.TypeLeakyReLU, sdk.TypeTanh)
	}
	return nil
}

// Net is a discriminator built from a validated plugin layer list. It implements
// model.Discriminator.
type Net struct {
	// ID is the module ID, used in error messages.
	ID string
	// InChannels is the input channel count the layers were built for.
	InChannels int
	// Layers passed CheckLayers.
	Layers []sdk.Layer
}

// ConvScope returns the scope of conv number k (0-based) of n convs: "conv1", "conv2", ...,
// and "classifier" for the last, as in package discriminators.
func ConvScope(k, n int) string {
	if k == n-1 {
		return "classifier"
	}
	return fmt.Sprintf("conv%d", k+1)
}

// OutputSize returns the spatial size of the output for an h x w input, or an error when the
// map shrinks below one pixel.
func (n *Net) OutputSize(h, w int) (int, int, error) {
	if err := CheckLayers(n.Layers, n.InChannels, h, w); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", n.ID, err)
	}
	for _, l := range n.Layers {
		if l.Type == sdk.TypeConv {
			h, w = convOut(l, h), convOut(l, w)
		}
	}
	return h, w, nil
}

// NumParams returns the number of weights and biases.
func (n *Net) NumParams() int {
	total, cin := 0, n.InChannels
	for _, l := range n.Layers {
		if l.Type != sdk.TypeConv {
			continue
		}
		total += l.Kernel * l.Kernel * cin * l.Out
		if l.Bias {
			total += l.Out
		}
		cin = l.Out
	}
	return total
}

// Apply runs the layers on x [N,H,W,InChannels] and returns logits [N,h,w,1]. Conv variables
// live in the sub-scopes ConvScope of ctx's current scope (PyTorch default init). It panics,
// the GoMLX way, on an input of another channel count or one the stride chain would shrink
// below one pixel.
func (n *Net) Apply(ctx *context.Context, x *graph.Node) *graph.Node {
	if x.Rank() != 4 || x.Shape().Dimensions[3] != n.InChannels {
		panic(fmt.Sprintf("%s: input %s, want [N,H,W,%d]", n.ID, x.Shape(), n.InChannels))
	}
	if _, _, err := n.OutputSize(x.Shape().Dimensions[1], x.Shape().Dimensions[2]); err != nil {
		panic(err.Error())
	}
	convs := 0
	for _, l := range n.Layers {
		if l.Type == sdk.TypeConv {
			convs++
		}
	}
	k := 0
	for _, l := range n.Layers {
		switch l.Type {
		case sdk.TypeConv:
			scope := ctx.In(ConvScope(k, convs))
			if l.SpectralNorm {
				x = spectralConv(scope, x, l)
			} else {
				x = nn.Conv(scope, x, nn.ConvLayer{Out: l.Out, Kernel: l.Kernel, Stride: l.Stride,
					Dilation: l.Dilation, Padding: l.Padding, Bias: l.Bias, Init: nn.InitTorchDefault})
			}
			k++
		case sdk.TypeReLU:
			x = nn.ReLU(x)
		case sdk.TypeLeakyReLU:
			x = nn.LeakyReLU(x, l.Slope)
		case sdk.TypeTanh:
			x = graph.Tanh(x)
		}
	}
	return x
}

// convOut returns the output size of conv layer l along an input dimension of size n: 0 when
// the dilated kernel does not fit in the padded input.
func convOut(l sdk.Layer, n int) int {
	span := l.Dilation*(l.Kernel-1) + 1
	if n+2*l.Padding < span {
		return 0
	}
	return (n+2*l.Padding-span)/l.Stride + 1
}
