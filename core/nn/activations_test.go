package nn

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestActivations(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	const c = 4
	x := randTensor(rng, 2, 3, 3, c)
	xs := flat64(x)
	softmaxRef := func(x []float64, log bool) []float64 {
		y := make([]float64, len(x))
		for i := 0; i < len(x); i += c {
			m := math.Inf(-1)
			for _, v := range x[i : i+c] {
				m = math.Max(m, v)
			}
			var s float64
			for _, v := range x[i : i+c] {
				s += math.Exp(v - m)
			}
			for j := i; j < i+c; j++ {
				if log {
					y[j] = x[j] - m - math.Log(s)
				} else {
					y[j] = math.Exp(x[j]-m) / s
				}
			}
		}
		return y
	}
	elementwise := func(f func(float64) float64) []float64 {
		y := make([]float64, len(xs))
		for i, v := range xs {
			y[i] = f(v)
		}
		return y
	}
	for _, tc := range []struct {
		name string
		f    func(*graph.Node) *graph.Node
		want []float64
	}{
		{"relu", ReLU, elementwise(func(v float64) float64 { return math.Max(v, 0) })},
		{"leaky0.2", func(x *graph.Node) *graph.Node { return LeakyReLU(x, 0.2) },
			elementwise(func(v float64) float64 {
				if v > 0 {
					return v
				}
				return 0.2 * v
			})},
		{"softmax", Softmax, softmaxRef(xs, false)},
		{"logsoftmax", LogSoftmax, softmaxRef(xs, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withTimeout(t, time.Minute, func() {
				y := graph.MustExecOnce(testBackend(t), tc.f, x)
				if e := relErr(flat64(y), tc.want); e > 1e-12 {
					t.Errorf("forward relative error %.3g", e)
				}
				checkGradients(t, func(in []*graph.Node) *graph.Node { return tc.f(in[0]) }, []*tensors.Tensor{x}, 24, 1e-6)
			})
		})
	}
}

func TestFrozenBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	const c, eps = 3, 1e-5
	x := randTensor(rng, 2, 2, 3, c)
	mean, gamma, beta := randTensor(rng, c), randTensor(rng, c), randTensor(rng, c)
	vr := randTensor(rng, c)
	vd := flat64(vr)
	for i := range vd {
		vd[i] = vd[i]*vd[i] + 0.1
	}
	variance := tensors.FromFlatDataAndDimensions(vd, c)
	xs, m, g, b := flat64(x), flat64(mean), flat64(gamma), flat64(beta)
	want := make([]float64, len(xs))
	for i, v := range xs {
		k := i % c
		want[i] = (v-m[k])/math.Sqrt(vd[k]+eps)*g[k] + b[k]
	}
	bn := func(in []*graph.Node) *graph.Node { return FrozenBatchNorm(in[0], in[1], in[2], in[3], in[4], eps) }
	in := []*tensors.Tensor{x, mean, variance, gamma, beta}
	withTimeout(t, time.Minute, func() {
		y := graph.MustExecOnce(testBackend(t), bn, anySlice(in)...)
		if e := relErr(flat64(y), want); e > 1e-12 {
			t.Errorf("forward relative error %.3g", e)
		}
		checkGradients(t, bn, in, 12, 1e-6)
	})
}
