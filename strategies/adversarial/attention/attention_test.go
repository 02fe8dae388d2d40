package attention

import (
	"math"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(b)) }

func flat(t *tensors.Tensor) []float64 {
	v := tensors.MustCopyFlatData[float32](t)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// TestAlphaApply checks alpha = |tanh(d)| and f' = f*(1+alpha) with alpha broadcast over the
// channels, and the gradients of sum(f' * probe): into d they flow only without stopGradient,
// into f always (d/df = 1 + alpha).
func TestAlphaApply(t *testing.T) {
	const c = 2
	for _, tc := range []struct {
		name string
		d    []float32 // [1,1,len,1]
		stop bool
	}{
		{"known values", []float32{-2, 0, 0.5}, false},
		{"gradient flows", []float32{-2, 0.3, 0.5, -0.1}, false},
		{"gradient stopped", []float32{-2, 0.3, 0.5, -0.1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.d)
			f := make([]float32, n*c)
			probe := make([]float32, n*c)
			for i := range f {
				f[i] = float32(i) - 2.5
				probe[i] = 1 + 0.25*float32(i%3)
			}
			var alpha, out, gradD, gradF []float64
			testutil.WithTimeout(t, 30*time.Second, func() {
				res := graph.MustExecOnceN(testutil.Backend(t), func(d, f, probe *graph.Node) []*graph.Node {
					a := Alpha(d)
					y := Apply(f, a, tc.stop)
					loss := graph.ReduceAllSum(graph.Mul(y, probe))
					grads := graph.Gradient(loss, d, f)
					return []*graph.Node{a, y, grads[0], grads[1]}
				}, tensors.FromFlatDataAndDimensions(tc.d, 1, 1, n, 1),
					tensors.FromFlatDataAndDimensions(f, 1, 1, n, c),
					tensors.FromFlatDataAndDimensions(probe, 1, 1, n, c))
				alpha, out, gradD, gradF = flat(res[0]), flat(res[1]), flat(res[2]), flat(res[3])
			})
			for i, d := range tc.d {
				th := math.Tanh(float64(d))
				if want := math.Abs(th); !near(alpha[i], want) {
					t.Errorf("alpha[%d] = %g, want |tanh(%g)| = %g", i, alpha[i], d, want)
				}
				var wantGD float64
				for k := range c {
					j := i*c + k
					fv, pv := float64(f[j]), float64(probe[j])
					if want := fv * (1 + math.Abs(th)); !near(out[j], want) {
						t.Errorf("f'[%d,%d] = %g, want %g", i, k, out[j], want)
					}
					if want := pv * (1 + math.Abs(th)); !near(gradF[j], want) {
						t.Errorf("dL/df[%d,%d] = %g, want %g", i, k, gradF[j], want)
					}
					// d|tanh d|/dd = sign(d) * (1 - tanh^2 d); sum over the channels alpha scales.
					wantGD += pv * fv * math.Copysign(1, float64(d)) * (1 - th*th)
				}
				if tc.stop || d == 0 {
					// Stopped: no gradient at all. d = 0: |.| has no derivative; not checked.
					if tc.stop && gradD[i] != 0 {
						t.Errorf("dL/dd[%d] = %g with stopGradient, want 0", i, gradD[i])
					}
					continue
				}
				if !near(gradD[i], wantGD) {
					t.Errorf("dL/dd[%d] = %g, want %g", i, gradD[i], wantGD)
				}
			}
		})
	}
}

// TestToGrid resizes a 2x2 alpha with align_corners: corners stay, midpoints average.
func TestToGrid(t *testing.T) {
	in := []float32{0, 1, 2, 3} // [[0,1],[2,3]]
	for _, tc := range []struct {
		name string
		h, w int
		want []float64
	}{
		{"3x3", 3, 3, []float64{0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3}},
		{"2x3", 2, 3, []float64{0, 0.5, 1, 2, 2.5, 3}},
		{"same size", 2, 2, []float64{0, 1, 2, 3}},
		{"1x1", 1, 1, []float64{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *tensors.Tensor
			testutil.WithTimeout(t, 30*time.Second, func() {
				got = graph.MustExecOnce(testutil.Backend(t), func(a *graph.Node) *graph.Node {
					return ToGrid(a, tc.h, tc.w)
				}, tensors.FromFlatDataAndDimensions(in, 1, 2, 2, 1))
			})
			if d := got.Shape().Dimensions; d[0] != 1 || d[1] != tc.h || d[2] != tc.w || d[3] != 1 {
				t.Fatalf("shape %v, want [1 %d %d 1]", d, tc.h, tc.w)
			}
			for i, v := range flat(got) {
				if !near(v, tc.want[i]) {
					t.Errorf("value %d = %g, want %g", i, v, tc.want[i])
				}
			}
		})
	}
}

// TestShapeErrors checks that malformed inputs panic while building, with the function named.
func TestShapeErrors(t *testing.T) {
	mk := func(g *graph.Graph, name string, dims ...int) *graph.Node {
		return graph.Parameter(g, name, shapes.Make(dtypes.Float32, dims...))
	}
	for _, tc := range []struct {
		name  string
		build func(g *graph.Graph)
	}{
		{"alpha of many channels", func(g *graph.Graph) { Alpha(mk(g, "d", 1, 4, 4, 3)) }},
		{"alpha of rank 3", func(g *graph.Graph) { Alpha(mk(g, "d", 1, 4, 4)) }},
		{"apply spatial mismatch", func(g *graph.Graph) { Apply(mk(g, "f", 1, 4, 4, 8), mk(g, "a", 1, 4, 5, 1), false) }},
		{"apply batch mismatch", func(g *graph.Graph) { Apply(mk(g, "f", 2, 4, 4, 8), mk(g, "a", 1, 4, 4, 1), false) }},
		{"togrid empty", func(g *graph.Graph) { ToGrid(mk(g, "a", 1, 4, 4, 1), 0, 3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			tc.build(graph.NewGraph(testutil.Backend(t), "errors"))
		})
	}
}
