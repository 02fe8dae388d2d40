// Package corrector registers "discriminator.corrector", the output-level discriminator C of
// DAST: AdaptSegNet's fully convolutional discriminator. Four hidden 4x4 stride-2 pad-1
// convolutions (64, 128, 256, 512 channels by default) with LeakyReLU between them, then a 4x4
// stride-2 pad-1 convolution to one channel; every conv has a bias, there is no normalisation
// and no sigmoid. Its input is the softmax of the segmentor's logits upsampled to the image
// size (the strategy prepares it); the output is at 1/32 of that size (16x32 for 512x1024).
package corrector

import (
	"fmt"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/discriminators"
	"github.com/dast-uda/dast/registry"
)

func init() { registry.Register(Config{}) }

// Config is the YAML block of discriminator.corrector.
type Config struct {
	Channels []int   `koanf:"channels" doc:"hidden widths of the 4x4 stride-2 convs (AdaptSegNet: 64,128,256,512); a final 1-channel conv follows"`
	Slope    float64 `koanf:"slope" doc:"negative slope of the LeakyReLU between convs"`
}

// Module implements registry.Module.
func (Config) Module() registry.Info {
	return registry.Info{
		ID:          "discriminator.corrector",
		Description: "AdaptSegNet output-level discriminator C: 4x4 stride-2 convs on the softmax map, output at 1/32 of the image",
		New:         func() registry.Module { return &Config{Channels: []int{64, 128, 256, 512}, Slope: 0.2} },
	}
}

// Validate implements registry.Validator.
func (c *Config) Validate() error {
	if err := discriminators.CheckWidths("channels", c.Channels); err != nil {
		return err
	}
	return discriminators.CheckActivation(discriminators.LeakyReLU, c.Slope)
}

// NewDiscriminator implements model.DiscriminatorBuilder; inChannels is the number of classes.
// It returns a *discriminators.Net.
func (c *Config) NewDiscriminator(inChannels int) (model.Discriminator, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("discriminator.corrector: %w", err)
	}
	if inChannels < 1 {
		return nil, fmt.Errorf("discriminator.corrector: input channels %d must be >= 1", inChannels)
	}
	layers := make([]nn.ConvLayer, 0, len(c.Channels)+1)
	for _, w := range append(append([]int(nil), c.Channels...), 1) {
		// PyTorch's default nn.Conv2d init: AdaptSegNet's FCDiscriminator sets no init of its own.
		layers = append(layers, nn.ConvLayer{Out: w, Kernel: 4, Stride: 2, Padding: 1, Bias: true, Init: nn.InitTorchDefault})
	}
	return &discriminators.Net{Layers: layers, Activation: discriminators.LeakyReLU, Slope: c.Slope}, nil
}
