package losses

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/internal/golden"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

const fixture = "testdata/golden_losses.npz"

// maxRelErr is the largest relative error (infinity norm) accepted against PyTorch.
const maxRelErr = 1e-4

// newBackend is the package tests' shared pure-Go backend.
func newBackend(t *testing.T) backends.Backend { return testutil.Backend(t) }

// withTimeout fails the test when fn panics or runs longer than d (guard against hangs).
func withTimeout(t *testing.T, d time.Duration, fn func()) { testutil.WithTimeout(t, d, fn) }

// lossFn builds a scalar loss from the first input (differentiated) and the others.
type lossFn func(x *graph.Node, rest []*graph.Node) *graph.Node

// lossAndGrad evaluates loss and d loss / d inputs[0].
func lossAndGrad(t *testing.T, b backends.Backend, fn lossFn, inputs ...*tensors.Tensor) (loss float64, grad *tensors.Tensor) {
	t.Helper()
	withTimeout(t, time.Minute, func() {
		exec := graph.MustNewExec(b, func(in []*graph.Node) []*graph.Node {
			l := fn(in[0], in[1:])
			return []*graph.Node{l, graph.Gradient(l, in[0])[0]}
		})
		args := make([]any, len(inputs))
		for i, x := range inputs {
			args[i] = x
		}
		out := exec.MustExec(args...)
		v, err := golden.Float64s(out[0])
		if err != nil || len(v) != 1 {
			t.Fatalf("loss output %s: %v", out[0].Shape(), err)
		}
		loss, grad = v[0], out[1]
	})
	return loss, grad
}

func load(t *testing.T) golden.Set {
	t.Helper()
	s, err := golden.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, s golden.Set, c, name string) *tensors.Tensor {
	t.Helper()
	x, err := s.Get(c, name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func scalarOf(t *testing.T, x *tensors.Tensor) float64 {
	t.Helper()
	v, err := golden.Float64s(x)
	if err != nil || len(v) != 1 {
		t.Fatalf("want a scalar, got %s (%v)", x.Shape(), err)
	}
	return v[0]
}

func checkRel(t *testing.T, what string, got, want *tensors.Tensor) {
	t.Helper()
	rel, err := golden.RelErr(got, want)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if rel > maxRelErr {
		t.Errorf("%s: relative error %.3g > %g", what, rel, maxRelErr)
	}
	t.Logf("%s: relative error %.3g", what, rel)
}

func TestCrossEntropyGolden(t *testing.T) {
	s, b := load(t), newBackend(t)
	logits, labels := get(t, s, "ce", "logits"), get(t, s, "ce", "labels")
	loss, grad := lossAndGrad(t, b, func(x *graph.Node, rest []*graph.Node) *graph.Node {
		return CrossEntropy(x, rest[0], 255)
	}, logits, labels)
	want := scalarOf(t, get(t, s, "ce", "loss"))
	if rel := math.Abs(loss-want) / math.Abs(want); rel > maxRelErr {
		t.Errorf("loss = %.7g, PyTorch %.7g (rel %.3g)", loss, want, rel)
	}
	t.Logf("loss = %.7g, PyTorch %.7g", loss, want)
	checkRel(t, "dlogits", grad, get(t, s, "ce", "dlogits"))
}

func TestCrossEntropyAllIgnored(t *testing.T) {
	b := newBackend(t)
	logits := tensors.FromFlatDataAndDimensions(randFloats[float32](1, 2*3*4*5), 2, 3, 4, 5)
	labels := tensors.FromFlatDataAndDimensions(make([]int32, 2*3*4), 2, 3, 4)
	labels.MustMutableFlatData(func(flat any) {
		for i := range flat.([]int32) {
			flat.([]int32)[i] = 255
		}
	})
	loss, grad := lossAndGrad(t, b, func(x *graph.Node, rest []*graph.Node) *graph.Node {
		return CrossEntropy(x, rest[0], 255)
	}, logits, labels)
	if loss != 0 {
		t.Errorf("all-ignored loss = %g, want exactly 0", loss)
	}
	g, _ := golden.Float64s(grad)
	for i, v := range g {
		if v != 0 {
			t.Fatalf("all-ignored gradient[%d] = %g, want 0", i, v)
		}
	}
}

// ganCases lists the GAN-loss fixtures and the functions under test.
func ganLoss(name string) func(pred *graph.Node, target float64, weight *graph.Node) *graph.Node {
	if name == "lsgan" {
		return LSGAN
	}
	return BCEWithLogits
}

func TestGANLossesGolden(t *testing.T) {
	s, b := load(t), newBackend(t)
	cases := append(s.Cases("lsgan_"), s.Cases("bce_")...)
	if len(cases) < 12 {
		t.Fatalf("found %d GAN loss cases in %s, want 12", len(cases), fixture)
	}
	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			name := "bce"
			if c[:5] == "lsgan" {
				name = "lsgan"
			}
			target := scalarOf(t, get(t, s, c, "cfg"))
			inputs := []*tensors.Tensor{get(t, s, c, "pred")}
			if s.Has(c, "weight") {
				inputs = append(inputs, get(t, s, c, "weight"))
			}
			loss, grad := lossAndGrad(t, b, func(x *graph.Node, rest []*graph.Node) *graph.Node {
				var w *graph.Node
				if len(rest) > 0 {
					w = rest[0]
				}
				return ganLoss(name)(x, target, w)
			}, inputs...)
			want := scalarOf(t, get(t, s, c, "loss"))
			if rel := math.Abs(loss-want) / math.Abs(want); rel > maxRelErr {
				t.Errorf("loss = %.7g, PyTorch %.7g (rel %.3g)", loss, want, rel)
			}
			t.Logf("loss = %.7g, PyTorch %.7g", loss, want)
			checkRel(t, "dpred", grad, get(t, s, c, "dpred"))
		})
	}
}

func randFloats[T float32 | float64](seed uint64, n int) []T {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]T, n)
	for i := range out {
		out[i] = T(r.NormFloat64() * 2)
	}
	return out
}

// TestFiniteDifferences checks every loss's gradient in float64 against central differences.
func TestFiniteDifferences(t *testing.T) {
	b := newBackend(t)
	dims := []int{2, 3, 4, 5}
	n := 2 * 3 * 4 * 5
	labels := make([]int32, 2*3*4)
	for i := range labels {
		labels[i] = int32(i % 6) // 5 is ignore below
	}
	weight := randFloats[float64](3, 2*3*4)
	for i := range weight {
		weight[i] = math.Abs(weight[i])
	}
	tests := []struct {
		name string
		fn   lossFn
		rest []*tensors.Tensor
	}{
		{"ce", func(x *graph.Node, r []*graph.Node) *graph.Node { return CrossEntropy(x, r[0], 5) },
			[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, 2, 3, 4)}},
		{"lsgan", func(x *graph.Node, _ []*graph.Node) *graph.Node { return LSGAN(x, 1, nil) }, nil},
		{"lsgan_weighted", func(x *graph.Node, r []*graph.Node) *graph.Node { return LSGAN(x, 0, r[0]) },
			[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(weight, 2, 3, 4, 1)}},
		{"bce", func(x *graph.Node, _ []*graph.Node) *graph.Node { return BCEWithLogits(x, 0, nil) }, nil},
		{"bce_weighted", func(x *graph.Node, r []*graph.Node) *graph.Node { return BCEWithLogits(x, 1, r[0]) },
			[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(weight, 2, 3, 4, 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := randFloats[float64](11, n)
			eval := func(v []float64) (float64, *tensors.Tensor) {
				in := append([]*tensors.Tensor{tensors.FromFlatDataAndDimensions(v, dims...)}, tc.rest...)
				return lossAndGrad(t, b, tc.fn, in...)
			}
			_, grad := eval(x)
			analytic, _ := golden.Float64s(grad)
			// Central differences on a handful of coordinates (each costs two evaluations).
			const h = 1e-6
			var numeric, picked []float64
			for _, i := range []int{0, 7, 31, 64, 100, n - 1} {
				xp := append([]float64(nil), x...)
				xm := append([]float64(nil), x...)
				xp[i] += h
				xm[i] -= h
				lp, _ := eval(xp)
				lm, _ := eval(xm)
				numeric = append(numeric, (lp-lm)/(2*h))
				picked = append(picked, analytic[i])
			}
			rel := golden.RelErrFlat(picked, numeric)
			if rel > maxRelErr {
				t.Errorf("gradient vs finite differences: relative error %.3g (analytic %v, numeric %v)",
					rel, picked, numeric)
			}
			t.Logf("gradient vs finite differences: relative error %.3g", rel)
		})
	}
}

func TestWeightShapeMismatchPanics(t *testing.T) {
	b := newBackend(t)
	defer func() {
		if recover() == nil {
			t.Error("LSGAN with a non-broadcastable weight did not panic")
		}
	}()
	pred := tensors.FromFlatDataAndDimensions(make([]float32, 6), 2, 3)
	w := tensors.FromFlatDataAndDimensions(make([]float32, 4), 2, 2)
	graph.MustExecOnce(b, func(p, w *graph.Node) *graph.Node { return LSGAN(p, 0, w) }, pred, w)
}
