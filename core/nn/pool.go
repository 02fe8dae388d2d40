package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// PoolOpts is a square max-pooling window: Kernel x Kernel, Stride (0 means Kernel), Pad on
// every side. CeilMode rounds the output size up like PyTorch: the last window must still
// start inside the input or the left padding.
type PoolOpts struct {
	Kernel, Stride, Pad int
	CeilMode            bool
}

// OutputSize returns the pooled size of an input dimension n (PyTorch's rule).
func (o PoolOpts) OutputSize(n int) int {
	s := o.stride()
	span := n + 2*o.Pad - o.Kernel
	out := span/s + 1
	if o.CeilMode {
		out = (span+s-1)/s + 1
		if (out-1)*s >= n+o.Pad {
			out--
		}
	}
	return out
}

func (o PoolOpts) stride() int {
	if o.Stride == 0 {
		return o.Kernel
	}
	return o.Stride
}

// MaxPool2D max-pools x [N,H,W,C] spatially. Padding never wins the max (it is -inf). The
// gradient of each window goes to its first maximum (row-major), as in PyTorch.
func MaxPool2D(x *graph.Node, o PoolOpts) *graph.Node {
	if x.Rank() != 4 || o.Kernel <= 0 || o.Pad < 0 || o.Pad > o.Kernel/2 {
		panic(fmt.Sprintf("nn.MaxPool2D: want x [N,H,W,C] and 0 <= pad <= kernel/2, got %s and %+v", x.Shape(), o))
	}
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	ho, wo := o.OutputSize(h), o.OutputSize(w)
	if ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("nn.MaxPool2D: empty output for x %s, %+v", x.Shape(), o))
	}
	if isXLA(x.Graph()) {
		return maxPoolNative(x, o)
	}
	k := o.Kernel
	idx := windowRows(n, h, w, ho, wo, o)
	win := gatherRows(withFillRow(x, math.Inf(-1)), tensors.FromFlatDataAndDimensions(idx, len(idx), 1))
	win = graph.Reshape(win, n, ho, wo, k*k, c)
	// Like PyTorch, the gradient goes to the first maximum of each window only (ReduceMax's
	// gradient would go to every tied maximum, e.g. to all of an all-zero window after a ReLU):
	// keep the first arg-max (ArgMax resolves ties to the smallest index) and sum the window.
	first := graph.ArgMax(win, 3, dtypes.Int32)
	taps := graph.Iota(x.Graph(), shapes.Make(dtypes.Int32, n, ho, wo, k*k, c), 3)
	mask := graph.Equal(taps, graph.InsertAxes(first, 3))
	return graph.ReduceSum(graph.Where(mask, win, graph.ZerosLike(win)), 3)
}

// windowRows lists, for every output position of a k x k pooling window over n images of
// h x w rows (row-major, one row per pixel), the input row of each tap, window by window,
// taps row-major; taps in the padding get n*h*w, the fill row withFillRow appends.
func windowRows(n, h, w, ho, wo int, o PoolOpts) []int32 {
	s, k := o.stride(), o.Kernel
	fill := int32(n * h * w)
	idx := make([]int32, 0, n*ho*wo*k*k)
	for b := range n {
		for oy := range ho {
			for ox := range wo {
				for ky := range k {
					iy := oy*s - o.Pad + ky
					for kx := range k {
						ix := ox*s - o.Pad + kx
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							idx = append(idx, fill)
						} else {
							idx = append(idx, int32((b*h+iy)*w+ix))
						}
					}
				}
			}
		}
	}
	return idx
}

// maxPoolNative is graph.MaxPool (the XLA path: the pure-Go backend has no gradient for it),
// with extra bottom/right padding to make room for ceil-mode windows.
func maxPoolNative(x *graph.Node, o PoolOpts) *graph.Node {
	d := x.Shape().Dimensions
	s := o.stride()
	ho, wo := o.OutputSize(d[1]), o.OutputSize(d[2])
	extraH := max(0, (ho-1)*s+o.Kernel-(d[1]+2*o.Pad))
	extraW := max(0, (wo-1)*s+o.Kernel-(d[2]+2*o.Pad))
	return graph.MaxPool(x).ChannelsAxis(images.ChannelsLast).
		WindowPerAxis(o.Kernel, o.Kernel).StridePerAxis(s, s).
		PaddingPerDim([][2]int{{o.Pad, o.Pad + extraH}, {o.Pad, o.Pad + extraW}}).Done()
}
