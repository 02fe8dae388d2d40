// Package discoverer registers "discriminator.discoverer", DAST's feature-level discriminator
// D: a stack of 3x3 stride-1 pad-1 convolutions with bias on the segmentor's feature f, then a
// final 3x3 convolution to one channel. No normalisation and no sigmoid: the output is one
// logit per feature position, at the feature resolution. Its |tanh| is the discriminator
// attention (package strategies/adversarial/attention).
//
// Hidden widths: the paper's {256, 128, 64} (channels_from: list, the default, reading the
// channels option) or the public release's {Cin/2, Cin/4, Cin/8} (channels_from: input; 1024,
// 512, 256 for ResNet-101's 2048-channel feature).
package discoverer

import (
	"fmt"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Config{}) }

// Values of Config.ChannelsFrom.
const (
	// FromList takes the hidden widths from Config.Channels.
	FromList = "list"
	// FromInput derives the hidden widths from the input channels: Cin/2, Cin/4, Cin/8.
	FromInput = "input"
)

// inputDivisors are the divisors of the input channels giving the release's hidden widths.
var inputDivisors = []int{2, 4, 8}

// Config is the YAML block of discriminator.discoverer.
type Config struct {
	Channels     []int   `koanf:"channels" doc:"hidden widths when channels_from is list (paper: 256,128,64); a final 1-channel conv follows"`
	ChannelsFrom string  `koanf:"channels_from" doc:"list: hidden widths from channels (paper); input: Cin/2,Cin/4,Cin/8 of the input feature (public release)"`
	Activation   string  `koanf:"activation" doc:"activation between convs: leaky_relu (release) or relu (the paper's text)"`
	Slope        float64 `koanf:"slope" doc:"negative slope of leaky_relu"`
}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "discriminator.discoverer",
		Description: "DAST feature-level discriminator D: 3x3 convs on the feature f, one logit per feature position",
		New: func() registry.Module {
			return &Config{Channels: []int{256, 128, 64}, ChannelsFrom: FromList, Activation: discriminators.LeakyReLU, Slope: 0.2}
		},
	}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	switch c.ChannelsFrom {
	case FromList:
		if err := discriminators.CheckWidths("channels", c.Channels); err != nil {
			return err
		}
	case FromInput:
	default:
		return fmt.Errorf("channels_from: %q must be %s or %s", c.ChannelsFrom, FromList, FromInput)
	}
	return discriminators.CheckActivation(c.Activation, c.Slope)
}

// Widths returns the hidden widths for an input with inChannels channels.
func (c *Config) Widths(inChannels int) ([]int, error) {
	if inChannels < 1 {
		return nil, fmt.Errorf("discriminator.discoverer: input channels %d must be >= 1", inChannels)
	}
	if c.ChannelsFrom != FromInput {
		return append([]int(nil), c.Channels...), nil
	}
	widths := make([]int, len(inputDivisors))
	for i, d := range inputDivisors {
		widths[i] = inChannels / d
		if widths[i] < 1 {
			return nil, fmt.Errorf("discriminator.discoverer: channels_from input needs at least %d input channels, got %d", inputDivisors[len(inputDivisors)-1], inChannels)
		}
	}
	return widths, nil
}

// NewDiscriminator implements model.DiscriminatorBuilder; inChannels is the feature's channel
// count. It returns a *discriminators.Net.
func (c *Config) NewDiscriminator(inChannels int) (model.Discriminator, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("discriminator.discoverer: %w", err)
	}
	widths, err := c.Widths(inChannels)
	if err != nil {
		return nil, err
	}
	layers := make([]nn.ConvLayer, 0, len(widths)+1)
	for _, w := range append(widths, 1) {
		// PyTorch's default nn.Conv2d init, as in the public release.
		layers = append(layers, nn.ConvLayer{Out: w, Kernel: 3, Stride: 1, Padding: 1, Bias: true, Init: nn.InitTorchDefault})
	}
	return &discriminators.Net{Layers: layers, Activation: c.Activation, Slope: c.Slope}, nil
}
