// Package sdk is for authors of dast discriminator plugins: executables that describe one or
// more discriminators as declarative layer graphs (convolutions, activations, pooling,
// upsampling, residual additions, concatenations, self-attention, instance normalisation)
// which dast validates and builds itself. It is a Go module of its own, depending on
// go-plugin, gRPC and protobuf only. A plugin's main is a call to Serve:
//
//	func main() {
//		sdk.Serve(sdk.Discriminator{
//			Name:        "patchgan",
//			Description: "PatchGAN: 4x4 stride-2 convs with LeakyReLU",
//			Options: []sdk.Option{
//				{Name: "width", Type: sdk.Int, Default: 64, Doc: "channels of the first conv"},
//			},
//			Build: func(o sdk.Options, inChannels int) ([]sdk.Layer, error) {
//				w := o.Int("width")
//				return []sdk.Layer{sdk.Conv(w, 4, 2, 1), sdk.LeakyReLU(0.2), sdk.Conv(1, 4, 1, 1)}, nil
//			},
//		})
//	}
//
// dast starts the executable through hashicorp/go-plugin (gRPC), calls Describe once and Build
// whenever a configuration uses one of the discriminators. A layer reads the previous layer
// unless From names others: a residual block is
//
//	sdk.Conv(w, 3, 1, 1).Named("a"), sdk.LeakyReLU(0.2), sdk.Conv(w, 3, 1, 1).Named("b"), sdk.Add("a", "b")
//
// See docs/PLUGINS.md.
package sdk

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginpb "github.com/dast-uda/dast/plugins/sdk/pluginpb"
)

// Layer types. Protocol version 1 knows conv, relu, leaky_relu and tanh in a sequence;
// version 2 adds the layer graph (Name, Inputs) and the other types.
const (
	TypeConv          = "conv"
	TypeReLU          = "relu"
	TypeLeakyReLU     = "leaky_relu"
	TypeTanh          = "tanh"
	TypeAdd           = "add"
	TypeConcat        = "concat"
	TypeAvgPool       = "avg_pool"
	TypeMaxPool       = "max_pool"
	TypeUpsample      = "upsample"
	TypeSelfAttention = "self_attention"
	TypeInstanceNorm  = "instance_norm"
)

// InputName names the discriminator's input in Layer.Inputs and Layer.SizeOf.
const InputName = "input"

// Layer is one node of a declarative network. A layer reads the previous layer's output
// (the discriminator's input for the first layer) unless Inputs names others; the last
// layer's output is the discriminator's output and must have one channel (the logits).
type Layer struct {
	// Type is one of the Type constants.
	Type string
	// Name lets later (or earlier) layers use this layer's output: a lower-case letter
	// followed by lower-case letters, digits or '_', unique, not InputName. Optional.
	Name string
	// Inputs names the layers (or InputName) this layer reads; empty means the previous
	// layer. Add and Concat read two or more, every other type exactly one.
	Inputs []string
	// Out, Kernel, Stride, Padding, Dilation and Bias describe a convolution (square kernel,
	// zero padding on every side). Stride and Dilation must be >= 1. Kernel, Stride and
	// Padding also describe a pooling window (padding at most Kernel/2, as in PyTorch).
	Out, Kernel, Stride, Padding, Dilation int
	Bias                                   bool
	// SpectralNorm asks for spectral normalisation of the conv weights (one power iteration
	// per forward pass, as torch.nn.utils.spectral_norm).
	SpectralNorm bool
	// Slope is the negative slope of TypeLeakyReLU.
	Slope float64
	// CeilMode rounds a pooling's output size up (PyTorch's ceil_mode).
	CeilMode bool
	// CountIncludePad divides an average pooling's windows by their size including the
	// padding (PyTorch's count_include_pad; AvgPool sets it, as PyTorch's default).
	CountIncludePad bool
	// Factor is the integer scale of TypeUpsample; SizeOf instead names the layer (or
	// InputName) whose spatial size to resize to. Exactly one of them is set.
	Factor int
	SizeOf string
	// AlignCorners selects the bilinear rule of TypeUpsample (PyTorch's align_corners).
	AlignCorners bool
	// KeyChannels is the query and key width of TypeSelfAttention; 0 means max(1, C/8)
	// for C input channels (SAGAN's choice).
	KeyChannels int
	// Affine gives TypeInstanceNorm a learned per-channel scale and shift.
	Affine bool
	// Eps is TypeInstanceNorm's epsilon; 0 means 1e-5 (PyTorch's default).
	Eps float64
}

// Conv returns a biased convolution with out channels, a kernel x kernel window, the given
// stride and zero padding, and dilation 1.
func Conv(out, kernel, stride, padding int) Layer {
	return Layer{Type: TypeConv, Out: out, Kernel: kernel, Stride: stride, Padding: padding, Dilation: 1, Bias: true}
}

// ReLU returns a ReLU activation.
func ReLU() Layer { return Layer{Type: TypeReLU} }

// LeakyReLU returns a LeakyReLU activation with the given negative slope.
func LeakyReLU(slope float64) Layer { return Layer{Type: TypeLeakyReLU, Slope: slope} }

// Tanh returns a tanh activation.
func Tanh() Layer { return Layer{Type: TypeTanh} }

// Add returns the elementwise sum of the named layers (same shapes): a residual connection.
func Add(inputs ...string) Layer { return Layer{Type: TypeAdd, Inputs: inputs} }

// Concat returns the concatenation along channels of the named layers (same spatial size).
func Concat(inputs ...string) Layer { return Layer{Type: TypeConcat, Inputs: inputs} }

// AvgPool returns an average pooling (kernel x kernel window, stride, zero padding) that
// counts the padding, as PyTorch's nn.AvgPool2d by default.
func AvgPool(kernel, stride, padding int) Layer {
	return Layer{Type: TypeAvgPool, Kernel: kernel, Stride: stride, Padding: padding, CountIncludePad: true}
}

// MaxPool returns a max pooling (kernel x kernel window, stride, padding that never wins).
func MaxPool(kernel, stride, padding int) Layer {
	return Layer{Type: TypeMaxPool, Kernel: kernel, Stride: stride, Padding: padding}
}

// Upsample returns a bilinear resize by an integer factor.
func Upsample(factor int, alignCorners bool) Layer {
	return Layer{Type: TypeUpsample, Factor: factor, AlignCorners: alignCorners}
}

// UpsampleTo returns a bilinear resize to the spatial size of the named layer (or InputName),
// up or down.
func UpsampleTo(layer string, alignCorners bool) Layer {
	return Layer{Type: TypeUpsample, SizeOf: layer, AlignCorners: alignCorners}
}

// SelfAttention returns a SAGAN self-attention block with keyChannels-wide queries and keys
// (0: C/8) and a learned gamma starting at 0.
func SelfAttention(keyChannels int) Layer {
	return Layer{Type: TypeSelfAttention, KeyChannels: keyChannels}
}

// InstanceNorm returns an instance normalisation, with a learned scale and shift when affine.
func InstanceNorm(affine bool) Layer { return Layer{Type: TypeInstanceNorm, Affine: affine} }

// Named returns l with the given name.
func (l Layer) Named(name string) Layer {
	l.Name = name
	return l
}

// From returns l reading the named layers.
func (l Layer) From(inputs ...string) Layer {
	l.Inputs = append([]string(nil), inputs...)
	return l
}

// Version1 reports whether l is expressible in protocol version 1: one of its four types,
// no name and no inputs.
func (l Layer) Version1() bool {
	switch l.Type {
	case TypeConv, TypeReLU, TypeLeakyReLU, TypeTanh:
		return l.Name == "" && len(l.Inputs) == 0
	}
	return false
}

// Discriminator describes one discriminator of a plugin. dast registers it as
// "discriminator.<plugin>.<Name>", where <plugin> is the executable's file name.
type Discriminator struct {
	// Name is a lower-case letter followed by lower-case letters, digits or '_'.
	Name string
	// Description is one line shown by "dast registry".
	Description string
	// Options is the option schema; configs set them under the block's "options" key.
	Options []Option
	// Build returns the layers for the option values (every option present, defaults filled
	// in) and the input channel count. The last layer's output must have one channel.
	Build func(opts Options, inChannels int) ([]Layer, error)
}

// ProtocolVersion is the newest protocol version this SDK speaks. Serve offers versions 1
// and 2; go-plugin picks the newest the host speaks too. On a host that speaks only version
// 1, Build refuses a layer list with version-2 vocabulary with an error saying so.
const ProtocolVersion = 2

// Handshake is the go-plugin handshake shared by dast and its plugins. Its ProtocolVersion is
// the version of a plugin or host that does not list versions (dast's first plugin SDK and
// host); the versions actually spoken are negotiated (see Serve and ProtocolVersion).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "DAST_DISCRIMINATOR_PLUGIN",
	MagicCookieValue: "7f3c1d0e-dast-discriminators-v1",
}

// PluginKey is the name under which the Discriminators service is dispensed.
const PluginKey = "discriminators"

// Serve serves the discriminators over gRPC until dast stops the plugin, offering protocol
// versions 1 and 2 (see ProtocolVersion). Run directly (not by dast) it prints an explanation
// and exits with status 1; with an invalid description it prints the error and exits with
// status 2.
func Serve(ds ...Discriminator) {
	versions := make(map[int]plugin.PluginSet, ProtocolVersion)
	for v := 1; v <= ProtocolVersion; v++ {
		srv, err := NewServerVersion(v, ds...)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dast plugin: %v\n", err)
			os.Exit(2)
		}
		versions[v] = plugin.PluginSet{PluginKey: &GRPCPlugin{Impl: srv}}
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: versions,
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}

// GRPCPlugin is the go-plugin glue of the Discriminators service. Plugins set Impl; dast
// uses GRPCClient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl pluginpb.DiscriminatorsServer
}

// GRPCServer implements plugin.GRPCPlugin.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterDiscriminatorsServer(s, p.Impl)
	return nil
}

// GRPCClient implements plugin.GRPCPlugin; it returns a pluginpb.DiscriminatorsClient.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return pluginpb.NewDiscriminatorsClient(c), nil
}
