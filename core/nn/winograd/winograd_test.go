package winograd

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestWinogradMatricesF4(t *testing.T) {
	at, g, bt := winogradMatrices(4, 3, []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 1), big.NewRat(-1, 1), big.NewRat(2, 1), big.NewRat(-2, 1)})
	for _, tc := range []struct {
		name      string
		got, want [][]float64
	}{{"AT", at, winoAT}, {"G", g, winoG}, {"BT", bt, winoBT}} {
		for i := range tc.want {
			for j := range tc.want[i] {
				if math.Abs(tc.got[i][j]-tc.want[i][j]) > 1e-15 {
					t.Errorf("%s[%d][%d] = %g, want %g", tc.name, i, j, tc.got[i][j], tc.want[i][j])
				}
			}
		}
	}
}

// TestCombiners checks each Winograd combiner (hand-written and generated) against plain loops
// over its matrix.
func TestCombiners(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 19))
	at6, _, bt6 := winogradMatrices(6, 3, []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 1), big.NewRat(-1, 1),
		big.NewRat(2, 1), big.NewRat(-2, 1), big.NewRat(1, 2), big.NewRat(-1, 2)})
	at6p := padRows(at6, 8)
	for _, tc := range []struct {
		name string
		comb combiner
		m    [][]float64
	}{
		{"F4/BT", combineBT, winoBT},
		{"F4/B", combineB, transpose(winoBT)},
		{"F4/AT", combineAT, winoATPadded},
		{"F4/A", combineA, transpose(winoATPadded)},
		{"F4/matrix-BT", matrixCombiner(winoBT), winoBT},
		{"F4/paired-BT", pairedCombiner(winoBT), winoBT},
		{"F4/paired-B", pairedCombiner(transpose(winoBT)), transpose(winoBT)},
		{"F4/paired-AT", pairedCombiner(winoATPadded), winoATPadded},
		{"F4/paired-A", pairedCombiner(transpose(winoATPadded)), transpose(winoATPadded)},
		{"F6/BT", winoF6.bt, bt6},
		{"F6/B", winoF6.b, transpose(bt6)},
		{"F6/AT", winoF6.atPad, at6p},
		{"F6/A", winoF6.aPad, transpose(at6p)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := len(tc.m)
			const inner = 6
			x := randTensor(rng, k, k, 3, 2)
			var out *tensors.Tensor
			withTimeout(t, time.Minute, func() {
				out = graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node { return transform2D(x, tc.comb) }, x)
			})
			xs := flat64(x)
			ref := make([]float64, len(xs))
			for r := range k {
				for s := range k {
					for i := range k {
						for j := range k {
							c := tc.m[r][i] * tc.m[s][j]
							for e := range inner {
								ref[(r*k+s)*inner+e] += c * xs[(i*k+j)*inner+e]
							}
						}
					}
				}
			}
			if e := relErr(flat64(out), ref); e > 1e-12 {
				t.Errorf("combiner vs loops: relative error %.3g", e)
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
		if got := TileUse(tc.h, tc.w, samePad(tc.d), F4); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("TileUse(%d, %d, d=%d) = %g, want %g", tc.h, tc.w, tc.d, got, tc.want)
		}
	}
}
