package plugininfo

import (
	"testing"

	"github.com/dast-uda/dast/plugins/sdk"
)

func TestDescribeLayer(t *testing.T) {
	tests := []struct {
		l    sdk.Layer
		want string
	}{
		{sdk.Layer{Type: sdk.TypeConv, Kernel: 4, Out: 64, Stride: 2, Padding: 1, Bias: true}, "conv 4x4 -> 64, stride 2, padding 1"},
		{sdk.Layer{Type: sdk.TypeConv, Kernel: 3, Out: 8, Stride: 1, Padding: 2, Dilation: 2, SpectralNorm: true, Name: "c1"},
			"conv 3x3 -> 8, stride 1, padding 2, dilation 2, no bias, spectral norm  [c1]"},
		{sdk.Layer{Type: sdk.TypeLeakyReLU, Slope: 0.2}, "leaky_relu 0.2"},
		{sdk.Layer{Type: sdk.TypeAvgPool, Kernel: 3, Stride: 2, Padding: 1, CeilMode: true}, "avg_pool 3x3, stride 2, padding 1, ceil, padding not counted"},
		{sdk.Layer{Type: sdk.TypeMaxPool, Kernel: 2, Stride: 2}, "max_pool 2x2, stride 2, padding 0"},
		{sdk.Layer{Type: sdk.TypeUpsample, Factor: 2, AlignCorners: true}, "upsample bilinear x2, align corners"},
		{sdk.Layer{Type: sdk.TypeUpsample, SizeOf: "input"}, "upsample bilinear to the size of input"},
		{sdk.Layer{Type: sdk.TypeSelfAttention, KeyChannels: 8}, "self_attention, 8 key channels"},
		{sdk.Layer{Type: sdk.TypeInstanceNorm, Affine: true, Eps: 1e-5}, "instance_norm, affine, eps 1e-05"},
		{sdk.Layer{Type: sdk.TypeAdd, Inputs: []string{"a", "b"}, Name: "sum"}, "add <- a, b  [sum]"},
	}
	for _, tt := range tests {
		if got := describeLayer(tt.l); got != tt.want {
			t.Errorf("describeLayer(%+v) = %q, want %q", tt.l, got, tt.want)
		}
	}
}
