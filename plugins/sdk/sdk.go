// Package sdk is for authors of dast discriminator plugins: executables that describe one or
// more discriminators as declarative networks (convolutions and activations) which dast
// validates and builds itself. A plugin's main is a call to Serve:
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
// whenever a configuration uses one of the discriminators. See docs/PLUGINS.md.
package sdk

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pluginpb "github.com/dast-uda/dast/plugins/proto"
)

// Layer types.
const (
	TypeConv      = "conv"
	TypeReLU      = "relu"
	TypeLeakyReLU = "leaky_relu"
	TypeTanh      = "tanh"
)

// Layer is one step of a declarative network: a convolution or an activation.
type Layer struct {
	// Type is TypeConv, TypeReLU, TypeLeakyReLU or TypeTanh.
	Type string
	// Out, Kernel, Stride, Padding, Dilation and Bias describe a convolution (square kernel,
	// zero padding on every side). Stride and Dilation must be >= 1.
	Out, Kernel, Stride, Padding, Dilation int
	Bias                                   bool
	// SpectralNorm asks for spectral normalisation of the conv weights (one power iteration
	// per forward pass, as torch.nn.utils.spectral_norm).
	SpectralNorm bool
	// Slope is the negative slope of TypeLeakyReLU.
	Slope float64
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
	// in) and the input channel count. The last layer must be a conv with one output channel.
	Build func(opts Options, inChannels int) ([]Layer, error)
}

// Handshake is the go-plugin handshake shared by dast and its plugins. A plugin built
// against another protocol version is refused at start.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  1,
	MagicCookieKey:   "DAST_DISCRIMINATOR_PLUGIN",
	MagicCookieValue: "7f3c1d0e-dast-discriminators-v1",
}

// PluginKey is the name under which the Discriminators service is dispensed.
const PluginKey = "discriminators"

// Serve serves the discriminators over gRPC until dast stops the plugin. Run directly (not
// by dast) it prints an explanation and exits with status 1; with an invalid description it
// prints the error and exits with status 2.
func Serve(ds ...Discriminator) {
	srv, err := NewServer(ds...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dast plugin: %v\n", err)
		os.Exit(2)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{PluginKey: &GRPCPlugin{Impl: srv}},
		GRPCServer:      plugin.DefaultGRPCServer,
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
