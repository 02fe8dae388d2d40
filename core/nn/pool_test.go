package nn

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// refMaxPool is a loop reference of PyTorch's max_pool2d on NHWC data.
func refMaxPool(x []float64, n, h, w, c int, o PoolOpts) []float64 {
	ho, wo, s := o.OutputSize(h), o.OutputSize(w), o.stride()
	y := make([]float64, 0, n*ho*wo*c)
	for b := range n {
		for oy := range ho {
			for ox := range wo {
				for ch := range c {
					m := math.Inf(-1)
					for iy := oy*s - o.Pad; iy < oy*s-o.Pad+o.Kernel; iy++ {
						for ix := ox*s - o.Pad; ix < ox*s-o.Pad+o.Kernel; ix++ {
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								m = math.Max(m, x[((b*h+iy)*w+ix)*c+ch])
							}
						}
					}
					y = append(y, m)
				}
			}
		}
	}
	return y
}

func TestPoolOutputSize(t *testing.T) {
	for _, tc := range []struct {
		n    int
		o    PoolOpts
		want int
	}{
		{7, PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true}, 4},
		{8, PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true}, 5}, // last window starts at 7 < 8+1
		{8, PoolOpts{Kernel: 3, Stride: 2, Pad: 1}, 4},
		{6, PoolOpts{Kernel: 2, Stride: 2, CeilMode: true}, 3},
		{5, PoolOpts{Kernel: 2, Stride: 2, CeilMode: true}, 3},
		{5, PoolOpts{Kernel: 2}, 2},
		{256, PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true}, 129},
	} {
		if got := tc.o.OutputSize(tc.n); got != tc.want {
			t.Errorf("OutputSize(%d, %+v) = %d, want %d", tc.n, tc.o, got, tc.want)
		}
	}
}

var poolCases = []struct {
	name       string
	n, h, w, c int
	o          PoolOpts
}{
	{"k3s2p1ceil", 1, 8, 7, 2, PoolOpts{Kernel: 3, Stride: 2, Pad: 1, CeilMode: true}},
	{"k3s2p1floor", 2, 8, 7, 2, PoolOpts{Kernel: 3, Stride: 2, Pad: 1}},
	{"k2s2ceil", 1, 5, 5, 3, PoolOpts{Kernel: 2, Stride: 2, CeilMode: true}},
	{"k2", 1, 6, 4, 2, PoolOpts{Kernel: 2}},
}

func TestMaxPool2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range poolCases {
		t.Run(c.name, func(t *testing.T) {
			x := randTensor(rng, c.n, c.h, c.w, c.c)
			withTimeout(t, time.Minute, func() {
				y := graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node { return MaxPool2D(x, c.o) }, x)
				want := refMaxPool(flat64(x), c.n, c.h, c.w, c.c, c.o)
				if got := y.Shape().Dimensions; got[1] != c.o.OutputSize(c.h) || got[2] != c.o.OutputSize(c.w) {
					t.Fatalf("shape %v", got)
				}
				if e := relErr(flat64(y), want); e > 1e-12 {
					t.Errorf("forward relative error %.3g", e)
				}
				checkGradients(t, func(in []*graph.Node) *graph.Node { return MaxPool2D(in[0], c.o) },
					[]*tensors.Tensor{x}, 16, 1e-6)
			})
		})
	}
}

// TestMaxPoolNativeForward checks the XLA path (graph.MaxPool with ceil-mode padding) forward
// on the pure-Go backend.
func TestMaxPoolNativeForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 23))
	for _, c := range poolCases {
		t.Run(c.name, func(t *testing.T) {
			x := randTensor(rng, c.n, c.h, c.w, c.c)
			withTimeout(t, time.Minute, func() {
				y := graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node { return maxPoolNative(x, c.o) }, x)
				if e := relErr(flat64(y), refMaxPool(flat64(x), c.n, c.h, c.w, c.c, c.o)); e > 1e-12 {
					t.Errorf("relative error %.3g", e)
				}
			})
		})
	}
}

// TestMaxPool2DTies checks that a window's gradient goes to its first maximum only (PyTorch's
// rule), e.g. for the all-zero windows a ReLU produces.
func TestMaxPool2DTies(t *testing.T) {
	// One 4x4 channel of zeros except a 1 at (3,3); 2x2 windows, stride 2.
	data := make([]float64, 16)
	data[15] = 1
	x := tensors.FromFlatDataAndDimensions(data, 1, 4, 4, 1)
	withTimeout(t, time.Minute, func() {
		g := graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node {
			return graph.Gradient(graph.ReduceAllSum(MaxPool2D(x, PoolOpts{Kernel: 2, Stride: 2})), x)[0]
		}, x)
		want := []float64{
			1, 0, 1, 0,
			0, 0, 0, 0,
			1, 0, 0, 0,
			0, 0, 0, 1,
		}
		if got := flat64(g); relErr(got, want) != 0 {
			t.Errorf("gradient %v, want %v", got, want)
		}
	})
}
