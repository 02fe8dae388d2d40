// Command residual is an example dast discriminator plugin with residual blocks (as in the
// SNGAN and BigGAN discriminators): each block is LeakyReLU, 3x3 conv, LeakyReLU, 3x3 conv and
// 2x2 average pooling, plus a shortcut of a 1x1 conv and the same pooling, summed. An optional
// SAGAN self-attention block follows the first residual block; a 3x3 conv to one channel
// gives per-patch logits. Convs are spectrally normalised by default.
//
// It uses only the plugin SDK module, so it also builds outside the dast repository:
//
//	go build -o plugins.d/residual ./plugins/examples/residual
//	# config.yaml
//	plugin_dirs: [plugins.d]
//	discriminators:
//	  corrector: {name: residual.residual, options: {width: 32, blocks: 3, attention: true}}
package main

import (
	"fmt"

	"github.com/dast-uda/dast/plugins/sdk"
)

func main() {
	sdk.Serve(sdk.Discriminator{
		Name:        "residual",
		Description: "residual discriminator: pooled residual blocks, optional self-attention",
		Options: []sdk.Option{
			{Name: "width", Type: sdk.Int, Default: 64, Doc: "channels of the first block (doubled per block, at most 8x)"},
			{Name: "blocks", Type: sdk.Int, Default: 3, Doc: "residual blocks, each halving the resolution"},
			{Name: "attention", Type: sdk.Bool, Default: false, Doc: "self-attention after the first block"},
			{Name: "slope", Type: sdk.Float, Default: 0.2, Doc: "negative slope of the LeakyReLU"},
			{Name: "spectral_norm", Type: sdk.Bool, Default: true, Doc: "spectrally normalise every conv"},
		},
		Build: build,
	})
}

// build returns the layer graph for the options.
func build(o sdk.Options, _ int) ([]sdk.Layer, error) {
	width, blocks, slope := o.Int("width"), o.Int("blocks"), o.Float("slope")
	if width < 1 {
		return nil, fmt.Errorf("width %d must be >= 1", width)
	}
	if blocks < 1 || blocks > 6 {
		return nil, fmt.Errorf("blocks %d must be in [1, 6]", blocks)
	}
	var layers []sdk.Layer
	prev := sdk.InputName
	for i := range blocks {
		w := width << min(i, 3)
		main, skip, sum := fmt.Sprintf("block%d_main", i+1), fmt.Sprintf("block%d_skip", i+1), fmt.Sprintf("block%d", i+1)
		layers = append(layers,
			sdk.LeakyReLU(slope).From(prev), sdk.Conv(w, 3, 1, 1), sdk.LeakyReLU(slope), sdk.Conv(w, 3, 1, 1),
			sdk.AvgPool(2, 2, 0).Named(main),
			sdk.Conv(w, 1, 1, 0).From(prev), sdk.AvgPool(2, 2, 0).Named(skip),
			sdk.Add(main, skip).Named(sum))
		prev = sum
		if i == 0 && o.Bool("attention") {
			layers = append(layers, sdk.SelfAttention(0).Named("attention"))
			prev = "attention"
		}
	}
	layers = append(layers, sdk.LeakyReLU(slope).From(prev), sdk.Conv(1, 3, 1, 1))
	if o.Bool("spectral_norm") {
		for i := range layers {
			layers[i].SpectralNorm = layers[i].Type == sdk.TypeConv
		}
	}
	return layers, nil
}
