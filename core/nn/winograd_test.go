package nn

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestCombiners checks each hand-written Winograd combiner against its matrix.
func TestCombiners(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 19))
	for _, tc := range []struct {
		name string
		comb combiner
		m    [][]float64
	}{
		{"BT", combineBT, winoBT},
		{"B", combineB, transpose(winoBT)},
		{"AT", combineAT, winoATPadded},
		{"A", combineA, transpose(winoATPadded)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := randTensor(rng, 6, 6, 3, 2)
			run := func(c combiner) []float64 {
				var out *tensors.Tensor
				withTimeout(t, time.Minute, func() {
					out = graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node { return transform2D(x, c) }, x)
				})
				return flat64(out)
			}
			got, want := run(tc.comb), run(matrixCombiner(tc.m))
			// Reference: plain loops, m x mᵀ on each [6,6] slice.
			xs := flat64(x)
			ref := make([]float64, len(xs))
			const inner = 6
			for r := range 6 {
				for s := range 6 {
					for i := range 6 {
						for j := range 6 {
							c := tc.m[r][i] * tc.m[s][j]
							for e := range inner {
								ref[(r*6+s)*inner+e] += c * xs[(i*6+j)*inner+e]
							}
						}
					}
				}
			}
			if e := relErr(want, ref); e > 1e-12 {
				t.Errorf("matrixCombiner vs loops: relative error %.3g", e)
			}
			if e := relErr(got, ref); e > 1e-12 {
				t.Errorf("hand-written combiner vs loops: relative error %.3g", e)
			}
		})
	}
}

func TestWinogradTileUse(t *testing.T) {
	for _, tc := range []struct {
		h, w, d int
		want    float64
	}{
		{128, 128, 1, 1},
		{128, 128, 2, 1},
		{6, 6, 1, 36.0 / 64}, // 2x2 tiles of 4 for 6 outputs per axis
		{65, 129, 24, 65.0 * 129 / (24 * 4 * 24 * 8)},
	} {
		if got := winogradTileUse(tc.h, tc.w, SamePad(3, 1, tc.d)); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("winogradTileUse(%d, %d, d=%d) = %g, want %g", tc.h, tc.w, tc.d, got, tc.want)
		}
	}
}
