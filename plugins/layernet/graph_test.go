package layernet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dast-uda/dast/plugins/sdk"
)

func TestCompileGraphErrors(t *testing.T) {
	conv := sdk.Conv
	tests := []struct {
		name    string
		layers  []sdk.Layer
		h       int // input size (0: unknown)
		wantErr string
	}{
		{"cycle", []sdk.Layer{
			conv(4, 3, 1, 1).Named("a").From("c"),
			conv(4, 3, 1, 1).Named("b"),
			conv(4, 3, 1, 1).Named("c"),
			conv(1, 1, 1, 0).From("c"),
		}, 8, `cycle: layer 0 (conv "a") -> layer 1 (conv "b") -> layer 2 (conv "c") -> layer 0 (conv "a")`},
		{"self loop", []sdk.Layer{conv(4, 3, 1, 1), sdk.Add("me", "input").Named("me"), conv(1, 1, 1, 0)}, 8,
			`cycle: layer 1 (add "me") -> layer 1 (add "me")`},
		{"size_of cycle", []sdk.Layer{sdk.UpsampleTo("b", false).Named("a"), conv(1, 1, 1, 0).Named("b")}, 8,
			`cycle: layer 0 (upsample "a") -> layer 1 (conv "b") -> layer 0 (upsample "a")`},
		{"add shape mismatch", []sdk.Layer{
			conv(4, 3, 2, 1).Named("down"),
			conv(4, 3, 1, 1).From("input").Named("same"),
			sdk.Add("down", "same"),
			conv(1, 1, 1, 0),
		}, 8, `layer 2 (add): shape mismatch: input "down" is 4x4x4, input "same" is 8x8x4`},
		{"add channel mismatch without a size", []sdk.Layer{
			conv(4, 3, 1, 1).Named("a"),
			conv(2, 3, 1, 1).From("input").Named("b"),
			sdk.Add("a", "b"),
			conv(1, 1, 1, 0),
		}, 0, `layer 2 (add): shape mismatch: input "a" is 4 channels, input "b" is 2 channels`},
		{"concat shape mismatch", []sdk.Layer{
			sdk.AvgPool(3, 2, 1).Named("half"),
			sdk.Concat("input", "half"),
			conv(1, 1, 1, 0),
		}, 8, `layer 1 (concat): shape mismatch: input input is 8x8x3, input "half" is 4x4x3`},
		{"dangling input", []sdk.Layer{conv(4, 3, 1, 1).Named("a"), sdk.Add("a", "skip"), conv(1, 1, 1, 0)}, 0,
			`layer 1 (add): dangling input: "skip" names no layer`},
		{"dangling size_of", []sdk.Layer{conv(1, 3, 2, 1), sdk.UpsampleTo("full", true)}, 0,
			`layer 1 (upsample): dangling size_of: "full" names no layer`},
		{"unused branch", []sdk.Layer{conv(4, 3, 1, 1).Named("side"), conv(1, 3, 1, 1).From("input")}, 0,
			`layer 0 (conv "side"): its output is never used (the last layer is the network's only output)`},
		{"duplicate name", []sdk.Layer{conv(4, 3, 1, 1).Named("a"), conv(1, 3, 1, 1).Named("a")}, 0, `layer 1 (conv "a"): name "a" already names layer 0`},
		{"reserved name", []sdk.Layer{conv(1, 3, 1, 1).Named("input")}, 0, `layer 0 (conv "input"): bad name "input"`},
		{"bad name", []sdk.Layer{conv(1, 3, 1, 1).Named("Block-1")}, 0, `bad name "Block-1"`},
		{"add of one", []sdk.Layer{conv(1, 3, 1, 1), sdk.Add("input")}, 0, "layer 1 (add): needs at least 2 inputs, has 1"},
		{"conv of two", []sdk.Layer{conv(1, 3, 1, 1).From("input", "input")}, 0, "layer 0 (conv): reads one input, names 2 (input, input)"},
		{"too many inputs", []sdk.Layer{sdk.Concat(strings.Split(strings.Repeat("input,", MaxInputs+1), ",")[:MaxInputs+1]...), conv(1, 1, 1, 0)}, 0,
			"layer 0 (concat): 17 inputs exceed the limit of 16"},
		{"output channels", []sdk.Layer{conv(1, 3, 1, 1).Named("a"), sdk.Concat("a", "input")}, 0, "layer 1 (concat): the output has 4 channels, want 1 (the logits)"},
		{"pool padding", []sdk.Layer{sdk.MaxPool(3, 2, 2), conv(1, 1, 1, 0)}, 0, "layer 0 (max_pool): padding 2 out of range [0, 1]"},
		{"pool window too big", []sdk.Layer{sdk.AvgPool(5, 1, 0), conv(1, 1, 1, 0)}, 4, "layer 0 (avg_pool): a 4x4 input map is smaller than the 5x5 window"},
		{"upsample factor 0", []sdk.Layer{sdk.Upsample(0, false), conv(1, 1, 1, 0)}, 0, "layer 0 (upsample): factor 0 out of range [1, 16]"},
		{"upsample both", []sdk.Layer{{Type: sdk.TypeUpsample, Factor: 2, SizeOf: "input"}, conv(1, 1, 1, 0)}, 0, `factor 2 and size_of "input" both set`},
		{"size_of on conv", []sdk.Layer{{Type: sdk.TypeConv, Out: 1, Kernel: 1, Stride: 1, Dilation: 1, SizeOf: "input"}}, 0, `layer 0 (conv): size_of "input" is for upsample layers`},
		{"map too large", []sdk.Layer{sdk.Upsample(16, false), sdk.Upsample(16, false), conv(1, 1, 1, 0)}, 128, "layer 1 (upsample): the output map 32768x32768 exceeds the size limit of 16384"},
		{"attention too large", []sdk.Layer{sdk.SelfAttention(0), conv(1, 1, 1, 0)}, 129, "layer 0 (self_attention): a 129x129 input map has 16641 positions, over the limit of 16384"},
		{"attention key channels", []sdk.Layer{sdk.SelfAttention(-1), conv(1, 1, 1, 0)}, 0, "layer 0 (self_attention): key_channels -1 out of range"},
		{"instance norm of one pixel", []sdk.Layer{conv(4, 8, 1, 0), sdk.InstanceNorm(false), conv(1, 1, 1, 0)}, 8, "layer 1 (instance_norm): a 1x1 input map: instance normalisation needs at least 2 pixels"},
		{"instance norm eps", []sdk.Layer{{Type: sdk.TypeInstanceNorm, Eps: -1}, conv(1, 1, 1, 0)}, 0, "layer 0 (instance_norm): eps -1 must be in [0, 1]"},
		{"concat channels limit", []sdk.Layer{conv(MaxChannels, 1, 1, 0).Named("a"), sdk.Concat("a", "a"), conv(1, 1, 1, 0)}, 0, "layer 1 (concat): 131072 output channels exceed the limit of 65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.layers, 3, tt.h, tt.h)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check error %v\nwant %q", err, tt.wantErr)
			}
		})
	}
}

func TestCompileGraphShapes(t *testing.T) {
	conv, lrelu := sdk.Conv, sdk.LeakyReLU(0.2)
	tests := []struct {
		name         string
		layers       []sdk.Layer
		h, w         int
		wantH, wantW int
		wantOrder    []int
	}{
		{"residual", []sdk.Layer{
			conv(8, 4, 2, 1).Named("stem"), lrelu,
			conv(8, 3, 1, 1), lrelu, conv(8, 3, 1, 1).Named("body"),
			sdk.Add("stem", "body"), sdk.InstanceNorm(true), lrelu,
			sdk.SelfAttention(0), conv(1, 4, 1, 1),
		}, 16, 20, 7, 9, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
		// Two scales: the full input and an average-pooled copy, each through a conv to one
		// channel, the coarse logits resized to the fine ones' size and summed.
		{"two scales", []sdk.Layer{
			conv(4, 4, 2, 1).From("input"), lrelu, conv(1, 4, 1, 1).Named("fine"),
			sdk.AvgPool(3, 2, 1).From("input"), conv(4, 4, 2, 1), lrelu, conv(1, 4, 1, 1),
			sdk.UpsampleTo("fine", false).Named("coarse"),
			sdk.Add("fine", "coarse"),
		}, 32, 48, 15, 23, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		// Declared out of order: the evaluation order follows the data.
		{"forward reference", []sdk.Layer{
			sdk.Concat("up", "input").Named("cat"),
			conv(3, 3, 2, 1).From("input").Named("down"),
			sdk.Upsample(2, true).Named("up"),
			conv(1, 3, 1, 1).From("cat"),
		}, 8, 10, 8, 10, []int{1, 2, 0, 3}},
		{"pooling", []sdk.Layer{sdk.MaxPool(3, 2, 0), conv(1, 1, 1, 0)}, 8, 9, 3, 4, []int{0, 1}},
		{"ceil pooling", []sdk.Layer{{Type: sdk.TypeAvgPool, Kernel: 3, Stride: 2, CeilMode: true}, conv(1, 1, 1, 0)}, 8, 9, 4, 4, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := compile(tt.layers, 3, tt.h, tt.w, true)
			if err != nil {
				t.Fatal(err)
			}
			if out := p.out(); out.h != tt.wantH || out.w != tt.wantW || out.c != 1 {
				t.Errorf("output %dx%dx%d, want %dx%dx1", out.h, out.w, out.c, tt.wantH, tt.wantW)
			}
			if !reflect.DeepEqual(p.order, tt.wantOrder) {
				t.Errorf("order %v, want %v", p.order, tt.wantOrder)
			}
		})
	}
}
