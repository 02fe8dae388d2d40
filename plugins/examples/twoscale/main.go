// Command twoscale is an example dast discriminator plugin with two scales (as pix2pixHD's
// multi-scale discriminator): one PatchGAN sees the input, a second sees it average-pooled by
// 2 (3x3 window, padding not counted); the coarse logits are resized bilinearly to the fine
// logits' size and the two summed into one map of per-patch logits. Instance normalisation
// follows every conv but the first and the last, optionally.
//
// It uses only the plugin SDK module, so it also builds outside the dast repository:
//
//	go build -o plugins.d/twoscale ./plugins/examples/twoscale
//	# config.yaml
//	plugin_dirs: [plugins.d]
//	discriminators:
//	  corrector: {name: twoscale.twoscale, options: {width: 32, downsamples: 2}}
package main

import (
	"fmt"

	"github.com/dast-uda/dast/plugins/sdk"
)

func main() {
	sdk.Serve(sdk.Discriminator{
		Name:        "twoscale",
		Description: "two-scale PatchGAN: full and half resolution, logits resized and summed",
		Options: []sdk.Option{
			{Name: "width", Type: sdk.Int, Default: 64, Doc: "channels of the first conv of each scale (doubled per downsampling, at most 8x)"},
			{Name: "downsamples", Type: sdk.Int, Default: 3, Doc: "4x4 stride-2 convs per scale"},
			{Name: "slope", Type: sdk.Float, Default: 0.2, Doc: "negative slope of the LeakyReLU"},
			{Name: "instance_norm", Type: sdk.Bool, Default: true, Doc: "instance normalisation after the inner convs"},
			{Name: "align_corners", Type: sdk.Bool, Default: false, Doc: "bilinear rule of the coarse logits' resize"},
		},
		Build: build,
	})
}

// build returns the layer graph for the options.
func build(o sdk.Options, _ int) ([]sdk.Layer, error) {
	width, n := o.Int("width"), o.Int("downsamples")
	if width < 1 {
		return nil, fmt.Errorf("width %d must be >= 1", width)
	}
	if n < 1 || n > 6 {
		return nil, fmt.Errorf("downsamples %d must be in [1, 6]", n)
	}
	fine := patchGAN(o, sdk.InputName, "fine")
	down := sdk.AvgPool(3, 2, 1).From(sdk.InputName).Named("half")
	down.CountIncludePad = false
	coarse := patchGAN(o, "half", "coarse_logits")
	layers := append(fine, down)
	layers = append(layers, coarse...)
	return append(layers,
		sdk.UpsampleTo("fine", o.Bool("align_corners")).Named("coarse"),
		sdk.Add("fine", "coarse")), nil
}

// patchGAN returns one scale's PatchGAN reading layer from, its logits named out.
func patchGAN(o sdk.Options, from, out string) []sdk.Layer {
	width, n, slope, norm := o.Int("width"), o.Int("downsamples"), o.Float("slope"), o.Bool("instance_norm")
	layers := []sdk.Layer{sdk.Conv(width, 4, 2, 1).From(from), sdk.LeakyReLU(slope)}
	for i := 1; i <= n; i++ {
		stride := 2
		if i == n {
			stride = 1
		}
		layers = append(layers, sdk.Conv(width<<min(i, 3), 4, stride, 1))
		if norm {
			layers = append(layers, sdk.InstanceNorm(false))
		}
		layers = append(layers, sdk.LeakyReLU(slope))
	}
	return append(layers, sdk.Conv(1, 4, 1, 1).Named(out))
}
