// Package pixel registers "discriminator.pixel", a pixel-level domain discriminator: 1x1
// convolutions (256 and 128 channels by default) with LeakyReLU between them, then a 1x1
// convolution to one channel. It judges every position of its input on its own, so its logits
// have the input's resolution. Every conv has a bias; there is no normalisation and no
// sigmoid. It is also the in-tree example of a discriminator module registered the Go way
// (compare the out-of-process plugins of docs/PLUGINS.md).
package pixel

import (
	"fmt"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Config{}) }

// Config is the YAML block of discriminator.pixel.
type Config struct {
	Channels []int   `koanf:"channels" doc:"hidden widths of the 1x1 convs; a final 1-channel 1x1 conv follows"`
	Slope    float64 `koanf:"slope" doc:"negative slope of the LeakyReLU between convs"`
}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "discriminator.pixel",
		Description: "pixel-level discriminator: 1x1 convs with LeakyReLU, logits at the input's resolution",
		New:         func() registry.Module { return &Config{Channels: []int{256, 128}, Slope: 0.2} },
	}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if err := discriminators.CheckWidths("channels", c.Channels); err != nil {
		return err
	}
	return discriminators.CheckActivation(discriminators.LeakyReLU, c.Slope)
}

// NewDiscriminator implements model.DiscriminatorBuilder. It returns a *discriminators.Net.
func (c *Config) NewDiscriminator(inChannels int) (model.Discriminator, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("discriminator.pixel: %w", err)
	}
	if inChannels < 1 {
		return nil, fmt.Errorf("discriminator.pixel: input channels %d must be >= 1", inChannels)
	}
	layers := make([]nn.ConvLayer, 0, len(c.Channels)+1)
	for _, w := range append(append([]int(nil), c.Channels...), 1) {
		layers = append(layers, nn.ConvLayer{Out: w, Kernel: 1, Stride: 1, Bias: true, Init: nn.InitTorchDefault})
	}
	return &discriminators.Net{Layers: layers, Activation: discriminators.LeakyReLU, Slope: c.Slope}, nil
}
