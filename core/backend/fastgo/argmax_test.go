package fastgo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestArgMaxMatchesSimplego computes ArgMax over the last, a middle and the first axis of
// float32 values with ties and NaNs through execArgMax and through simplego's executor: the
// indices must be the same. ArgMin, and an int64 result, stay simplego's.
func TestArgMaxMatchesSimplego(t *testing.T) {
	b := installedBackend(t)
	rng := rand.New(rand.NewPCG(21, 22))
	dims := []int{4, 33, 40, 19}
	x := make([]float32, 4*33*40*19)
	for i := range x {
		x[i] = float32(rng.IntN(7)) // many ties
		if rng.IntN(500) == 0 {
			x[i] = float32(math.NaN())
		}
	}
	input := tensors.FromFlatDataAndDimensions(x, dims...)
	for _, tc := range []struct {
		name string
		fn   func(x *graph.Node) *graph.Node
		fast bool
	}{
		{"last_axis", func(x *graph.Node) *graph.Node { return graph.ArgMax(x, -1, dtypes.Int32) }, true},
		{"middle_axis", func(x *graph.Node) *graph.Node { return graph.ArgMax(x, 2, dtypes.Int32) }, true},
		{"first_axis", func(x *graph.Node) *graph.Node { return graph.ArgMax(x, 0, dtypes.Int32) }, true},
		{"argmin", func(x *graph.Node) *graph.Node { return graph.ArgMin(x, -1, dtypes.Int32) }, false},
		{"int64", func(x *graph.Node) *graph.Node {
			return graph.ConvertDType(graph.ArgMax(x, -1, dtypes.Int64), dtypes.Int32)
		}, false},
	} {
		h0 := hits.elementwise.Load()
		fast := tensors.MustCopyFlatData[int32](graph.MustNewExec(b, tc.fn).MustExec1(input))
		if used := hits.elementwise.Load() != h0; used != tc.fast {
			t.Errorf("%s: execArgMax used %v, want %v", tc.name, used, tc.fast)
		}
		var stock []int32
		h1 := hits.elementwise.Load()
		withSimplego(func() { stock = tensors.MustCopyFlatData[int32](graph.MustNewExec(b, tc.fn).MustExec1(input)) })
		if hits.elementwise.Load() != h1 {
			t.Fatalf("%s: execArgMax ran in place of simplego's executor", tc.name)
		}
		if !slices.Equal(fast, stock) {
			t.Errorf("%s: indices differ from simplego's", tc.name)
		}
	}
}
