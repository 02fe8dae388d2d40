package fastgo

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestBroadcastBinary checks the four ops on broadcast operands (every axis pattern of a rank-3
// pair, same shapes included) against a direct computation, at a small size and at one large
// enough to be split across goroutines.
func TestBroadcastBinary(t *testing.T) {
	b := installedBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	h0 := hits.binary.Load()
	ops := []struct {
		name string
		fn   func(x, y *graph.Node) *graph.Node
		ref  func(a, b float32) float32
	}{
		{"add", graph.Add, func(a, b float32) float32 { return a + b }},
		{"sub", graph.Sub, func(a, b float32) float32 { return a - b }},
		{"mul", graph.Mul, func(a, b float32) float32 { return a * b }},
		{"div", graph.Div, func(a, b float32) float32 { return a / b }},
	}
	for _, full := range [][]int{{3, 4, 5}, {40, 37, 50}} {
		for mask := 0; mask < 8; mask++ {
			for swap := 0; swap < 2; swap++ {
				ld := append([]int{}, full...)
				rd := append([]int{}, full...)
				for a := 0; a < 3; a++ {
					if mask&(1<<a) != 0 {
						if swap == 0 {
							rd[a] = 1
						} else {
							ld[a] = 1
						}
					}
				}
				fill := func(d []int) []float32 {
					x := make([]float32, d[0]*d[1]*d[2])
					for i := range x {
						x[i] = rng.Float32() + 0.5
					}
					return x
				}
				l, r := fill(ld), fill(rd)
				for _, op := range ops {
					e, err := graph.NewExec(b, op.fn)
					if err != nil {
						t.Fatal(err)
					}
					out, err := e.Exec1(tensors.FromFlatDataAndDimensions(l, ld...), tensors.FromFlatDataAndDimensions(r, rd...))
					if err != nil {
						t.Fatal(err)
					}
					got := tensors.MustCopyFlatData[float32](out)
					at := func(x []float32, d []int, i, j, k int) float32 {
						if d[0] == 1 {
							i = 0
						}
						if d[1] == 1 {
							j = 0
						}
						if d[2] == 1 {
							k = 0
						}
						return x[(i*d[1]+j)*d[2]+k]
					}
					for i := 0; i < full[0]; i++ {
						for j := 0; j < full[1]; j++ {
							for k := 0; k < full[2]; k++ {
								want := op.ref(at(l, ld, i, j, k), at(r, rd, i, j, k))
								if g := got[(i*full[1]+j)*full[2]+k]; g != want {
									t.Fatalf("%s %v %v at (%d,%d,%d): %v, want %v", op.name, ld, rd, i, j, k, g, want)
								}
							}
						}
					}
				}
			}
		}
	}
	if hits.binary.Load() == h0 {
		t.Error("the broadcast fast path was never used")
	}
}
