package nn_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/internal/golden"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Golden tests: every layer's output and its gradients, against PyTorch 1.13 values written by
// bench/golden/golden.py into testdata/golden_nn.npz. The gradients are those of sum(y * r) for the
// stored random r.

const goldenFixture = "testdata/golden_nn.npz"

// goldenMaxRelErr bounds max|got-want| / max|want| per tensor.
const goldenMaxRelErr = 1e-4

// goldenCase is one fixture case: fn maps the differentiable inputs (named by diff) and the
// constant inputs (named by consts) to the layer output.
type goldenCase struct {
	name   string
	diff   []string // inputs whose gradient "d<name>" the fixture stores
	consts []string
	fn     func(diff, consts []*graph.Node) *graph.Node
}

// goldenBackend is the shared test backend: pure Go unless DAST_TEST_BACKEND names another
// (bench/gpu/run.sh runs these fixtures on xla:cuda with it).
func goldenBackend(t *testing.T) backends.Backend {
	t.Helper()
	return testutil.Backend(t)
}

func loadGolden(t *testing.T) golden.Set {
	t.Helper()
	s, err := golden.Load(goldenFixture)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func goldenInts(t *testing.T, s golden.Set, c string) []int {
	t.Helper()
	x, err := s.Get(c, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	v, err := golden.Ints(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func goldenFloats(t *testing.T, s golden.Set, c string) []float64 {
	t.Helper()
	x, err := s.Get(c, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	v, err := golden.Float64s(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// runGolden evaluates gc on its fixture inputs and compares y and every gradient.
func runGolden(t *testing.T, b backends.Backend, s golden.Set, gc goldenCase) {
	t.Helper()
	get := func(name string) *tensors.Tensor {
		x, err := s.Get(gc.name, name)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	var args []any
	for _, n := range gc.diff {
		args = append(args, get(n))
	}
	for _, n := range gc.consts {
		args = append(args, get(n))
	}
	args = append(args, get("r"))
	nd := len(gc.diff)
	var outs []*tensors.Tensor
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		exec := graph.MustNewExec(b, func(in []*graph.Node) []*graph.Node {
			y := gc.fn(in[:nd], in[nd:len(in)-1])
			loss := graph.ReduceAllSum(graph.Mul(y, in[len(in)-1]))
			return append([]*graph.Node{y}, graph.Gradient(loss, in[:nd]...)...)
		})
		outs = exec.MustExec(args...)
	}()
	select {
	case r := <-done:
		if r != nil {
			t.Fatalf("%s: panic: %v", gc.name, r)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: timed out", gc.name)
	}
	check := func(what string, got *tensors.Tensor) {
		rel, err := golden.RelErr(got, get(what))
		if err != nil {
			t.Errorf("%s %s: %v", gc.name, what, err)
			return
		}
		if rel > goldenMaxRelErr {
			t.Errorf("%s %s: relative error %.3g > %g", gc.name, what, rel, goldenMaxRelErr)
		}
		t.Logf("%s %s: relative error %.3g", gc.name, what, rel)
	}
	check("y", outs[0])
	for i, n := range gc.diff {
		check("d"+n, outs[1+i])
	}
}

func TestGoldenConv2D(t *testing.T) {
	s := loadGolden(t)
	cases := s.Cases("conv_")
	if len(cases) < 8 {
		t.Fatalf("%d conv cases in %s, want >= 8", len(cases), goldenFixture)
	}
	impls := []struct {
		name string
		impl nn.ConvImpl
	}{{"auto", nn.ConvAuto}, {"im2col", nn.ConvIm2Col}, {"winograd", nn.ConvWinograd}}
	for _, c := range cases {
		cfg := goldenInts(t, s, c) // stride h/w, dilation h/w, pad top/bottom/left/right, has bias
		o := nn.ConvOpts{StrideH: cfg[0], StrideW: cfg[1], DilationH: cfg[2], DilationW: cfg[3],
			PadTop: cfg[4], PadBottom: cfg[5], PadLeft: cfg[6], PadRight: cfg[7]}
		hasBias := cfg[8] == 1
		w, _ := s.Get(c, "w")
		k := w.Shape().Dimensions
		for _, im := range impls {
			if im.impl == nn.ConvWinograd && (k[0] != 3 || k[1] != 3 || o.StrideH != 1 || o.StrideW != 1) {
				continue // Winograd only does 3x3 stride 1
			}
			t.Run(fmt.Sprintf("%s/%s", c, im.name), func(t *testing.T) {
				s := loadGolden(t) // fresh tensors per execution
				gc := goldenCase{name: c, diff: []string{"x", "w"}}
				if hasBias {
					gc.diff = append(gc.diff, "b")
				}
				gc.fn = func(d, _ []*graph.Node) *graph.Node {
					var b *graph.Node
					if hasBias {
						b = d[2]
					}
					return nn.Conv2DWith(d[0], d[1], b, o, im.impl)
				}
				runGolden(t, goldenBackend(t), s, gc)
			})
		}
	}
}

func TestGoldenMaxPool2D(t *testing.T) {
	s := loadGolden(t)
	cases := s.Cases("pool_")
	if len(cases) < 3 {
		t.Fatalf("%d pool cases in %s, want >= 3", len(cases), goldenFixture)
	}
	b := goldenBackend(t)
	for _, c := range cases {
		cfg := goldenInts(t, s, c) // kernel, stride, pad, ceil
		o := nn.PoolOpts{Kernel: cfg[0], Stride: cfg[1], Pad: cfg[2], CeilMode: cfg[3] == 1}
		t.Run(c, func(t *testing.T) {
			runGolden(t, b, loadGolden(t), goldenCase{name: c, diff: []string{"x"},
				fn: func(d, _ []*graph.Node) *graph.Node { return nn.MaxPool2D(d[0], o) }})
		})
	}
}

func TestGoldenResizeBilinear(t *testing.T) {
	s := loadGolden(t)
	cases := s.Cases("resize_")
	if len(cases) < 4 {
		t.Fatalf("%d resize cases in %s, want >= 4", len(cases), goldenFixture)
	}
	b := goldenBackend(t)
	for _, c := range cases {
		cfg := goldenInts(t, s, c) // outH, outW, align corners
		t.Run(c, func(t *testing.T) {
			runGolden(t, b, loadGolden(t), goldenCase{name: c, diff: []string{"x"},
				fn: func(d, _ []*graph.Node) *graph.Node {
					return nn.ResizeBilinear(d[0], cfg[0], cfg[1], cfg[2] == 1)
				}})
		})
	}
}

func TestGoldenPointwise(t *testing.T) {
	s := loadGolden(t)
	slope := goldenFloats(t, s, "leaky")[0]
	eps := goldenFloats(t, s, "bn")[0]
	b := goldenBackend(t)
	for _, gc := range []goldenCase{
		{name: "leaky", diff: []string{"x"},
			fn: func(d, _ []*graph.Node) *graph.Node { return nn.LeakyReLU(d[0], slope) }},
		{name: "bn", diff: []string{"x"}, consts: []string{"mean", "var", "gamma", "beta"},
			fn: func(d, c []*graph.Node) *graph.Node { return nn.FrozenBatchNorm(d[0], c[0], c[1], c[2], c[3], eps) }},
		{name: "softmax", diff: []string{"x"},
			fn: func(d, _ []*graph.Node) *graph.Node { return nn.Softmax(d[0]) }},
		{name: "logsoftmax", diff: []string{"x"},
			fn: func(d, _ []*graph.Node) *graph.Node { return nn.LogSoftmax(d[0]) }},
	} {
		t.Run(gc.name, func(t *testing.T) {
			runGolden(t, b, loadGolden(t), gc)
		})
	}
}
