package layernet

import (
	"strings"
	"testing"

	"github.com/dast-uda/dast/plugins/sdk"
)

func TestCheckLayers(t *testing.T) {
	conv := sdk.Conv
	many := make([]sdk.Layer, MaxLayers+1)
	for i := range many {
		many[i] = conv(1, 1, 1, 0)
	}
	tests := []struct {
		name    string
		layers  []sdk.Layer
		in, h   int
		wantErr string
	}{
		{"ok", []sdk.Layer{conv(8, 3, 2, 1), sdk.ReLU(), conv(1, 3, 1, 1)}, 3, 0, ""},
		{"ok with size", []sdk.Layer{conv(8, 4, 2, 1), sdk.Tanh(), conv(1, 4, 2, 1)}, 3, 4, ""},
		{"empty", nil, 3, 0, "no layers"},
		{"too many", many, 3, 0, "65 layers exceed the limit of 64"},
		{"zero input channels", []sdk.Layer{conv(1, 1, 1, 0)}, 0, 0, "input channels 0 out of range"},
		{"kernel 0", []sdk.Layer{conv(1, 0, 1, 0)}, 3, 0, "layer 0 (conv): kernel 0 out of range [1, 64]"},
		{"stride 0", []sdk.Layer{conv(1, 1, 0, 0)}, 3, 0, "layer 0 (conv): stride 0 out of range [1, 64]"},
		{"dilation 0", []sdk.Layer{{Type: sdk.TypeConv, Out: 1, Kernel: 1, Stride: 1}}, 3, 0, "layer 0 (conv): dilation 0 out of range [1, 64]"},
		{"negative padding", []sdk.Layer{conv(1, 3, 1, -1)}, 3, 0, "layer 0 (conv): padding -1 out of range [0, 256]"},
		{"negative channels", []sdk.Layer{conv(-2, 3, 1, 1), conv(1, 1, 1, 0)}, 3, 0, "layer 0 (conv): out_channels -2 out of range"},
		{"leaky slope", []sdk.Layer{conv(2, 1, 1, 0), sdk.LeakyReLU(1.5), conv(1, 1, 1, 0)}, 3, 0, "layer 1 (leaky_relu): slope 1.5 must be in [0, 1)"},
		{"unknown type", []sdk.Layer{{Type: "dropout"}, conv(1, 1, 1, 0)}, 3, 0, `layer 0 (dropout): unknown layer type "dropout"`},
		{"spectral norm", []sdk.Layer{{Type: sdk.TypeConv, Out: 1, Kernel: 1, Stride: 1, Dilation: 1, SpectralNorm: true}}, 3, 0, ""},
		{"last not logits", []sdk.Layer{conv(2, 1, 1, 0)}, 3, 0, "layer 0 (conv): the output has 2 channels, want 1 (the logits)"},
		{"trailing activation", []sdk.Layer{conv(1, 1, 1, 0), sdk.ReLU()}, 3, 0, ""},
		// 5 -> (5+0-4)/2+1 = 1 -> a 4x4 kernel no longer fits in 1 pixel.
		{"shrinks", []sdk.Layer{conv(4, 4, 2, 0), sdk.ReLU(), conv(1, 4, 2, 0)}, 3, 5, "layer 2 (conv): a 1x1 input map shrinks to 0x0"},
		// Dilation 2 makes a 3x3 kernel span 5 pixels: a 4x4 map does not hold it.
		{"dilated kernel does not fit", []sdk.Layer{{Type: sdk.TypeConv, Out: 1, Kernel: 3, Stride: 1, Dilation: 2, Bias: true}}, 3, 4, "a 4x4 input map shrinks to 0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.layers, tt.in, tt.h, tt.h)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check error %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckVersion1(t *testing.T) {
	conv := sdk.Conv
	for _, tt := range []struct {
		name    string
		layers  []sdk.Layer
		wantErr string
	}{
		{"sequence", []sdk.Layer{conv(8, 3, 2, 1), sdk.LeakyReLU(0.2), conv(1, 3, 1, 1)}, ""},
		{"trailing activation", []sdk.Layer{conv(1, 1, 1, 0), sdk.ReLU()}, "layer 1 (relu): the last layer must be a conv with 1 output channel"},
		{"named", []sdk.Layer{conv(1, 1, 1, 0).Named("a")}, `layer 0 (conv "a"): the plugin speaks protocol version 1`},
		{"inputs", []sdk.Layer{conv(2, 1, 1, 0), conv(1, 1, 1, 0).From("input")}, `layer 1 (conv): the plugin speaks protocol version 1`},
		{"pooling", []sdk.Layer{sdk.AvgPool(2, 2, 0), conv(1, 1, 1, 0)}, `layer 0 (avg_pool): the plugin speaks protocol version 1`},
	} {
		err := CheckVersion1(tt.layers)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: CheckVersion1 error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestConvOut(t *testing.T) {
	for _, tt := range []struct{ n, k, s, p, d, want int }{
		{64, 4, 2, 1, 1, 32},
		{63, 4, 2, 1, 1, 31},
		{3, 4, 2, 0, 1, 0}, // the kernel does not fit: not (3-4)/2+1 = 1 with truncation
		{7, 3, 1, 2, 2, 7},
		{1, 1, 1, 0, 1, 1},
	} {
		l := sdk.Layer{Type: sdk.TypeConv, Out: 1, Kernel: tt.k, Stride: tt.s, Padding: tt.p, Dilation: tt.d}
		if got := convOut(l, tt.n); got != tt.want {
			t.Errorf("convOut(n=%d k=%d s=%d p=%d d=%d) = %d, want %d", tt.n, tt.k, tt.s, tt.p, tt.d, got, tt.want)
		}
	}
}
