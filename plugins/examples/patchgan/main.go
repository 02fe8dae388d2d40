// Command patchgan is an example dast discriminator plugin: a PatchGAN-style discriminator
// (pix2pix) of 4x4 stride-2 convolutions with LeakyReLU, then a 4x4 stride-1 conv and a 4x4
// stride-1 conv to one channel of per-patch logits, optionally with spectral normalisation.
//
// Build it and point a configuration at it:
//
//	go build -o plugins.d/patchgan ./plugins/examples/patchgan
//	# config.yaml
//	plugin_dirs: [plugins.d]
//	discriminators:
//	  corrector: {name: patchgan.patchgan, options: {width: 32, downsamples: 3}}
package main

import (
	"fmt"

	"github.com/dast-uda/dast/plugins/sdk"
)

func main() {
	sdk.Serve(sdk.Discriminator{
		Name:        "patchgan",
		Description: "PatchGAN: 4x4 stride-2 convs with LeakyReLU, per-patch logits",
		Options: []sdk.Option{
			{Name: "width", Type: sdk.Int, Default: 64, Doc: "channels of the first conv (doubled per downsampling, at most 8x)"},
			{Name: "downsamples", Type: sdk.Int, Default: 3, Doc: "number of 4x4 stride-2 convs"},
			{Name: "slope", Type: sdk.Float, Default: 0.2, Doc: "negative slope of the LeakyReLU"},
			{Name: "spectral_norm", Type: sdk.Bool, Default: false, Doc: "spectrally normalise every conv"},
		},
		Build: build,
	})
}

// build returns the PatchGAN layers for the options.
func build(o sdk.Options, _ int) ([]sdk.Layer, error) {
	width, n, slope := o.Int("width"), o.Int("downsamples"), o.Float("slope")
	if width < 1 {
		return nil, fmt.Errorf("width %d must be >= 1", width)
	}
	if n < 1 || n > 8 {
		return nil, fmt.Errorf("downsamples %d must be in [1, 8]", n)
	}
	var layers []sdk.Layer
	for i := range n {
		layers = append(layers, sdk.Conv(width<<min(i, 3), 4, 2, 1), sdk.LeakyReLU(slope))
	}
	layers = append(layers, sdk.Conv(width<<min(n, 3), 4, 1, 1), sdk.LeakyReLU(slope), sdk.Conv(1, 4, 1, 1))
	if o.Bool("spectral_norm") {
		for i := range layers {
			layers[i].SpectralNorm = layers[i].Type == sdk.TypeConv
		}
	}
	return layers, nil
}
