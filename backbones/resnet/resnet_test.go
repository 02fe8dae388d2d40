package resnet

import (
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/describe"
	"github.com/dast-uda/dast/core/backend"
	"github.com/gomlx/gomlx/backends"
)

func goBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// TestParameterCounts compares the variables dast creates with the parameters and BN buffers of
// the same architectures built in PyTorch (bench/params.py, 19 classes).
func TestParameterCounts(t *testing.T) {
	b := goBackend(t)
	tests := []struct {
		name            string
		cfg             Config
		eParams, eStats int64
		pParams, pStats int64
	}{
		{"resnet101", defaults(3, 4, 23, 3), 38037568, 99200, 5863500, 6144},
		{"resnet101_projection", withShortcut(defaults(3, 4, 23, 3), "projection"), 38037568, 99200, 10061900, 10240},
		{"resnet50", defaults(3, 4, 6, 3), 19045440, 46976, 5863500, 6144},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg, err := tt.cfg.NewSegmentor(19)
			if err != nil {
				t.Fatal(err)
			}
			r, err := describe.Segmentor(b, seg, []int{1, 33, 33})
			if err != nil {
				t.Fatal(err)
			}
			if r.E.Params != tt.eParams || r.E.Stats != tt.eStats || r.P.Params != tt.pParams || r.P.Stats != tt.pStats {
				t.Errorf("E params %d stats %d, P params %d stats %d; PyTorch: E %d %d, P %d %d",
					r.E.Params, r.E.Stats, r.P.Params, r.P.Stats, tt.eParams, tt.eStats, tt.pParams, tt.pStats)
			}
			// Frozen BN: only convolutions (and the classifier) train.
			if r.E.Trainable >= r.E.Params {
				t.Errorf("E trainable %d should exclude BN gamma/beta (params %d)", r.E.Trainable, r.E.Params)
			}
		})
	}
}

func withShortcut(c Config, s string) Config { c.Res5cShortcut = s; return c }

// TestOutputStride checks the paper's feature sizes: 512x1024 -> 65x129, 720x1280 -> 91x161.
func TestOutputStride(t *testing.T) {
	if testing.Short() {
		t.Skip("builds full-size graphs")
	}
	b := goBackend(t)
	cfg := defaults(3, 4, 23, 3)
	seg, err := cfg.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	r, err := describe.Segmentor(b, seg, []int{1, 512, 1024}, []int{1, 720, 1280})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{1, 65, 129, 2048}, {1, 91, 161, 2048}}
	for i, w := range want {
		if got := r.E.Outputs[i].Dimensions; !slices.Equal(got, w) {
			t.Errorf("feature %d: got %v, want %v", i, got, w)
		}
		wl := []int{w[0], w[1], w[2], 19}
		if got := r.P.Outputs[i].Dimensions; !slices.Equal(got, wl) {
			t.Errorf("logits %d: got %v, want %v", i, got, wl)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string // substring of the error, "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"two", func(c *Config) { c.ASPP = "two" }, ""},
		{"blocks", func(c *Config) { c.Blocks = []int{3, 4} }, "blocks"},
		{"layer4", func(c *Config) { c.Blocks = []int{3, 4, 6, 1} }, "E/P split"},
		{"aspp", func(c *Config) { c.ASPP = "half" }, "aspp"},
		{"shortcut", func(c *Config) { c.Res5cShortcut = "conv" }, "res5c_shortcut"},
		{"batch stats", func(c *Config) { c.BN = "batch_stats" }, ""},
		{"bn", func(c *Config) { c.BN = "group" }, "bn"},
		{"dilation", func(c *Config) { c.ASPPDilations = []int{6, 0} }, "aspp_dilations[1]"},
		{"missing file", func(c *Config) { c.Pretrained = "/nonexistent/r101.safetensors" }, "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaults(3, 4, 23, 3)
			tt.edit(&c)
			_, err := c.NewSegmentor(19)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
