package fastgo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestConvGeneralMatchesSimplego runs float32 ConvGeneral graphs in core/nn's two layouts (a
// forward convolution and its kernel gradient) through execConvGeneral and through simplego's
// own executor, which follows XLA's definition of the op: the two must agree to float32
// rounding, so the executor reads the layouts' geometry as simplego (and XLA) do. A layout it
// does not handle (channels first) must still be computed, by simplego.
func TestConvGeneralMatchesSimplego(t *testing.T) {
	b := installedBackend(t)
	if !ConvActive() {
		t.Skipf("implicit-GEMM convolutions inactive: %s", Status())
	}
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
		var stockY, stockDW []float32
		withSimplego(func() { stockY, stockDW = execConv(t, b, forward, x, k), execConv(t, b, kernelGrad, x, dy) })
		if hits.conv.Load() != h0+2 {
			t.Fatalf("%s: execConvGeneral ran in place of simplego's executor", name)
		}
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
	var want []float32
	withSimplego(func() { want = execConv(t, b, conv, x, k) })
	agree(t, "channels first", got, want, 36)
}

// randTensor32 is a float32 tensor of the given dimensions, values uniform in [-1, 1).
func randTensor32(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return tensors.FromFlatDataAndDimensions(randSlice(rng, n), dims...)
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
