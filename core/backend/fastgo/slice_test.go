package fastgo

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestSliceMatchesDefinition(t *testing.T) {
	b := installedBackend(t)
	dims := []int{3, 4, 5, 6}
	x := make([]float32, 3*4*5*6)
	for i := range x {
		x[i] = float32(i)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	s0 := hits.slice.Load()
	for trial := 0; trial < 40; trial++ {
		starts, limits := make([]int, 4), make([]int, 4)
		for a, d := range dims {
			starts[a] = rng.IntN(d)
			limits[a] = starts[a] + 1 + rng.IntN(d-starts[a])
			if rng.IntN(3) == 0 { // often keep whole axes, the contiguous case
				starts[a], limits[a] = 0, d
			}
		}
		e, err := graph.NewExec(b, func(v *graph.Node) *graph.Node {
			return graph.Slice(v, graph.AxisRange(starts[0], limits[0]), graph.AxisRange(starts[1], limits[1]),
				graph.AxisRange(starts[2], limits[2]), graph.AxisRange(starts[3], limits[3]))
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Exec1(tensors.FromFlatDataAndDimensions(x, dims...))
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](out)
		k := 0
		for i := starts[0]; i < limits[0]; i++ {
			for j := starts[1]; j < limits[1]; j++ {
				for l := starts[2]; l < limits[2]; l++ {
					for m := starts[3]; m < limits[3]; m++ {
						want := x[((i*4+j)*5+l)*6+m]
						if got[k] != want {
							t.Fatalf("slice %v..%v: element %d = %v, want %v", starts, limits, k, got[k], want)
						}
						k++
					}
				}
			}
		}
		if k != len(got) {
			t.Fatalf("slice %v..%v: %d values, want %d", starts, limits, len(got), k)
		}
	}
	if hits.slice.Load() == s0 {
		t.Error("the fast slice path was never used")
	}
}
