package fastgo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestConvGeneralMatchesSimplego runs float32 ConvGeneral graphs in core/nn's two layouts (a
// forward convolution and its kernel gradient) through execConvGeneral and through simplego's
// own executor, which follows XLA's definition of the op: the two must agree to float32
// rounding, so the executor reads the layouts' geometry as simplego (and XLA) do. A layout it
// does not handle (channels first) must still be computed, by simplego.
func TestConvGeneralMatchesSimplego(t *testing.T) {
	if active, why := Install(); !active {
		t.Fatalf("not installed: %s", why)
	}
	if !ConvActive() {
		t.Skipf("implicit-GEMM convolutions inactive: %s", Status())
	}
	b, err := simplego.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		n, h, w, cin, kh, kw, cout int
		stride, dil                [2]int
		pads                       [2][2]int
	}{
		{2, 9, 11, 16, 3, 3, 19, [2]int{1, 1}, [2]int{1, 1}, [2][2]int{{1, 1}, {1, 1}}},
		{1, 12, 10, 3, 3, 3, 8, [2]int{1, 1}, [2]int{2, 1}, [2][2]int{{2, 2}, {0, 1}}},
		{1, 10, 9, 20, 4, 4, 33, [2]int{2, 2}, [2]int{1, 1}, [2][2]int{{1, 1}, {1, 1}}},
		{2, 7, 8, 17, 3, 2, 5, [2]int{1, 2}, [2]int{1, 1}, [2][2]int{{0, 2}, {1, 0}}},
	} {
		ho := (c.h+c.pads[0][0]+c.pads[0][1]-c.dil[0]*(c.kh-1)-1)/c.stride[0] + 1
		wo := (c.w+c.pads[1][0]+c.pads[1][1]-c.dil[1]*(c.kw-1)-1)/c.stride[1] + 1
		x := randTensor32(rng, c.n, c.h, c.w, c.cin)
		k := randTensor32(rng, c.kh, c.kw, c.cin, c.cout)
		dy := randTensor32(rng, c.n, ho, wo, c.cout)
		pads := [][2]int{c.pads[0], c.pads[1]}
		forward := func(x, k *graph.Node) *graph.Node {
			return graph.ConvGeneral(x, k, ConvAxes(), c.stride[:], pads, nil, c.dil[:], 1, 1)
		}
		kernelGrad := func(x, dy *graph.Node) *graph.Node {
			return graph.ConvGeneral(x, dy, ConvKernelGradAxes(), c.dil[:], pads, nil, c.stride[:], 1, 1)
		}
		name := fmt.Sprintf("%+v", c)
		h0 := hits.conv.Load()
		fastY, fastDW := execConv(t, b, forward, x, k), execConv(t, b, kernelGrad, x, dy)
		if got := hits.conv.Load() - h0; got != 2 {
			t.Fatalf("%s: execConvGeneral computed %d of the 2 convolutions", name, got)
		}
		stockY, stockDW := withStockConv(func() (a, b2 []float32) {
			return execConv(t, b, forward, x, k), execConv(t, b, kernelGrad, x, dy)
		})
		agree(t, name+" forward", fastY, stockY, c.kh*c.kw*c.cin)
		agree(t, name+" kernel gradient", fastDW, stockDW, c.n*ho*wo)
	}

	// Channels first (NCHW, OIHW): not a layout it handles.
	x, k := randTensor32(rng, 1, 4, 6, 6), randTensor32(rng, 5, 4, 3, 3)
	nchw := backends.ConvolveAxesConfig{InputBatch: 0, InputChannels: 1, InputSpatial: []int{2, 3},
		KernelInputChannels: 1, KernelOutputChannels: 0, KernelSpatial: []int{2, 3},
		OutputBatch: 0, OutputChannels: 1, OutputSpatial: []int{2, 3}}
	conv := func(x, k *graph.Node) *graph.Node {
		return graph.ConvGeneral(x, k, nchw, []int{1, 1}, [][2]int{{1, 1}, {1, 1}}, nil, []int{1, 1}, 1, 1)
	}
	h0 := hits.conv.Load()
	got := execConv(t, b, conv, x, k)
	if hits.conv.Load() != h0 {
		t.Fatal("execConvGeneral claimed a channels-first convolution")
	}
	want, _ := withStockConv(func() (a, b2 []float32) { return execConv(t, b, conv, x, k), nil })
	agree(t, "channels first", got, want, 36)
}

func randTensor32(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

func execConv(t *testing.T, b backends.Backend, f func(a, b *graph.Node) *graph.Node, a, c *tensors.Tensor) []float32 {
	t.Helper()
	e, err := graph.NewExec(b, f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Exec1(a, c)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out)
}

// withStockConv runs f with simplego's own ConvGeneral executor in place (tests in this
// package do not run in parallel).
func withStockConv(f func() (a, b []float32)) ([]float32, []float32) {
	nodeExecutors[backends.OpTypeConvGeneral] = stockConv
	defer func() { nodeExecutors[backends.OpTypeConvGeneral] = execConvGeneral }()
	return f()
}

// agree fails when got and want differ by more than float32 rounding over sums of depth terms.
func agree(t *testing.T, what string, got, want []float32, depth int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 2e-6*math.Sqrt(float64(depth))*math.Max(1, math.Abs(float64(want[i]))) {
			t.Fatalf("%s: [%d] = %v, simplego gives %v", what, i, got[i], want[i])
		}
	}
}
