package nn

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// testBackend is the pure-Go backend in its deadlock-free sequential mode.
func testBackend(t testing.TB) backends.Backend { return testutil.GoBackend(t) }

// withTimeout fails the test when fn panics or runs longer than d (guard against hangs).
func withTimeout(t *testing.T, d time.Duration, fn func()) { testutil.WithTimeout(t, d, fn) }

// randTensor returns a float64 tensor of the given dimensions with N(0,1) entries.
func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	return testutil.RandNormal(rng, dims...)
}

func flat64(t *tensors.Tensor) []float64 {
	return tensors.MustCopyFlatData[float64](t)
}

// relErr is the norm-wise relative error ||a-b|| / max(||b||, tiny).
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num) / math.Max(math.Sqrt(den), 1e-300)
}

// checkGradients compares the autodiff gradient of sum(f(inputs) * probe) (probe a fixed random
// tensor) with central finite differences in float64, on up to `samples` coordinates of each
// input. It fails when the relative error of the sampled gradient exceeds tol.
func checkGradients(t *testing.T, f func(in []*graph.Node) *graph.Node, inputs []*tensors.Tensor, samples int, tol float64) {
	t.Helper()
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(7, 11))
	// Output shape, to build the probe.
	outT := graph.MustExecOnce(b, func(in []*graph.Node) *graph.Node { return f(in) }, anySlice(inputs)...)
	probe := randTensor(rng, outT.Shape().Dimensions...)
	loss := func(in []*graph.Node) *graph.Node {
		y := f(in[:len(in)-1])
		return graph.ReduceAllSum(graph.Mul(y, in[len(in)-1]))
	}
	lossExec := graph.MustNewExec(b, loss)
	gradExec := graph.MustNewExec(b, func(in []*graph.Node) []*graph.Node {
		return graph.Gradient(loss(in), in[:len(in)-1]...)
	})
	args := append(anySlice(inputs), probe)
	grads := gradExec.MustExec(args...)
	const eps = 1e-6
	for k, in := range inputs {
		data := flat64(in)
		g := flat64(grads[k])
		var got, want []float64
		for s := 0; s < samples && s < len(data); s++ {
			i := rng.IntN(len(data))
			if samples >= len(data) {
				i = s
			}
			eval := func(delta float64) float64 {
				d := append([]float64(nil), data...)
				d[i] += delta
				a := append([]any(nil), args...)
				a[k] = tensors.FromFlatDataAndDimensions(d, in.Shape().Dimensions...)
				return flat64(lossExec.MustExec(a...)[0])[0]
			}
			want = append(want, (eval(eps)-eval(-eps))/(2*eps))
			got = append(got, g[i])
		}
		if e := relErr(got, want); e > tol || math.IsNaN(e) {
			t.Errorf("input %d %s: gradient relative error %.3g > %.3g\n got  %v\n want %v", k, in.Shape(), e, tol, got, want)
		}
	}
}

func anySlice(ts []*tensors.Tensor) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t
	}
	return out
}

func newRNG() *rand.Rand { return rand.New(rand.NewPCG(21, 22)) }
