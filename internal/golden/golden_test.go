package golden

import (
	"math"
	"path/filepath"
	"testing"
)

func TestLoadFixtures(t *testing.T) {
	for _, tc := range []struct {
		path   string
		prefix string
		min    int
	}{
		{"../../core/nn/testdata/golden_nn.npz", "conv_", 5},
		{"../../core/losses/testdata/golden_losses.npz", "bce_", 6},
		{"../../core/optim/testdata/golden_optim.npz", "sgd_step", 3},
	} {
		s, err := Load(filepath.FromSlash(tc.path))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(s.Cases(tc.prefix)); n < tc.min {
			t.Errorf("%s: %d cases with prefix %q, want >= %d", tc.path, n, tc.prefix, tc.min)
		}
	}
}

func TestRelErrFlat(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want []float64
		rel       float64
	}{
		{"equal", []float64{1, -2}, []float64{1, -2}, 0},
		{"scaled by max", []float64{1.5, -2}, []float64{1, -2}, 0.25},
		{"nan", []float64{math.NaN()}, []float64{1}, math.Inf(1)},
		{"length", []float64{1}, []float64{1, 2}, math.Inf(1)},
	} {
		if got := RelErrFlat(tc.got, tc.want); got != tc.rel {
			t.Errorf("%s: RelErrFlat = %g, want %g", tc.name, got, tc.rel)
		}
	}
}
