package vgg

import (
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/describe"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/registry"
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

func defaults(t *testing.T) Config {
	t.Helper()
	return *Config{}.Module().New().(*Config)
}

var _ registry.Module = Config{}

// TestParameterCounts compares with bench/params.py's PyTorch DeepLab VGG-16 (19 classes):
// E 14714688 (torchvision's vgg16().features), P 14858316, no BN.
func TestParameterCounts(t *testing.T) {
	b := goBackend(t)
	for _, pool := range []string{"caffe", "torch"} {
		t.Run(pool, func(t *testing.T) {
			c := defaults(t)
			c.Pool = pool
			seg, err := c.NewSegmentor(19)
			if err != nil {
				t.Fatal(err)
			}
			r, err := describe.Segmentor(b, seg, []int{1, 40, 40})
			if err != nil {
				t.Fatal(err)
			}
			if r.E.Params != 14714688 || r.P.Params != 14858316 || r.E.Stats+r.P.Stats != 0 {
				t.Errorf("E %d P %d stats %d; PyTorch E 14714688 P 14858316 stats 0", r.E.Params, r.P.Params, r.E.Stats+r.P.Stats)
			}
			if r.E.Trainable != r.E.Params || r.E.Variables != 26 {
				t.Errorf("E: %d trainable of %d values, %d variables (want all trainable, 26 variables)", r.E.Trainable, r.E.Params, r.E.Variables)
			}
		})
	}
}

// TestOutputStride checks stride 8 for both pool variants at the paper's sizes.
func TestOutputStride(t *testing.T) {
	if testing.Short() {
		t.Skip("builds full-size graphs")
	}
	b := goBackend(t)
	tests := []struct {
		pool string
		want [][]int
	}{
		{"caffe", [][]int{{1, 65, 129, 512}, {1, 91, 161, 512}}},
		{"torch", [][]int{{1, 64, 128, 512}, {1, 90, 160, 512}}},
	}
	for _, tt := range tests {
		t.Run(tt.pool, func(t *testing.T) {
			c := defaults(t)
			c.Pool = tt.pool
			seg, err := c.NewSegmentor(19)
			if err != nil {
				t.Fatal(err)
			}
			r, err := describe.Segmentor(b, seg, []int{1, 512, 1024}, []int{1, 720, 1280})
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tt.want {
				if got := r.E.Outputs[i].Dimensions; !slices.Equal(got, w) {
					t.Errorf("feature %d: got %v, want %v", i, got, w)
				}
				if got, wl := r.P.Outputs[i].Dimensions, []int{w[0], w[1], w[2], 19}; !slices.Equal(got, wl) {
					t.Errorf("logits %d: got %v, want %v", i, got, wl)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"pool", func(c *Config) { c.Pool = "avg" }, "pool"},
		{"aspp", func(c *Config) { c.ASPP = "one" }, "aspp"},
		{"no branches", func(c *Config) { c.ASPPDilations = nil }, "aspp_dilations"},
		{"missing file", func(c *Config) { c.Pretrained = "/nonexistent/vgg.npz" }, "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaults(t)
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
