package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/images"
)

// AvgPool2D average-pools x [N,H,W,C] spatially with PyTorch's F.avg_pool2d semantics: padding
// is zeros; with countIncludePad every window is divided by its size clipped to the padded
// input (PyTorch's default), without it by the number of input pixels it covers. Ceil-mode
// windows that run past the padding count only their part inside it, as in PyTorch.
func AvgPool2D(x *graph.Node, o PoolOpts, countIncludePad bool) *graph.Node {
	if x.Rank() != 4 || o.Kernel <= 0 || o.Pad < 0 || o.Pad > o.Kernel/2 {
		panic(fmt.Sprintf("nn.AvgPool2D: want x [N,H,W,C] and 0 <= pad <= kernel/2, got %s and %+v", x.Shape(), o))
	}
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	ho, wo := o.OutputSize(h), o.OutputSize(w)
	if ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("nn.AvgPool2D: empty output for x %s, %+v", x.Shape(), o))
	}
	s, k := o.stride(), o.Kernel
	var sum *graph.Node
	if isXLA(x.Graph()) {
		extraH := max(0, (ho-1)*s+k-(h+2*o.Pad))
		extraW := max(0, (wo-1)*s+k-(w+2*o.Pad))
		sum = graph.SumPool(x).ChannelsAxis(images.ChannelsLast).
			WindowPerAxis(k, k).StridePerAxis(s, s).
			PaddingPerDim([][2]int{{o.Pad, o.Pad + extraH}, {o.Pad, o.Pad + extraW}}).Done()
	} else {
		idx := windowRows(n, h, w, ho, wo, o)
		win := gatherRows(withFillRow(x, 0), tensors.FromFlatDataAndDimensions(idx, len(idx), 1))
		sum = graph.ReduceSum(graph.Reshape(win, n, ho, wo, k*k, c), 3)
	}
	inv := make([]float32, ho*wo)
	rows, cols := poolCounts(h, ho, o, countIncludePad), poolCounts(w, wo, o, countIncludePad)
	for oy := range ho {
		for ox := range wo {
			inv[oy*wo+ox] = 1 / float32(rows[oy]*cols[ox])
		}
	}
	scale := graph.ConvertDType(graph.Const(x.Graph(), tensors.FromFlatDataAndDimensions(inv, 1, ho, wo, 1)), x.DType())
	return graph.Mul(sum, scale)
}

// poolCounts returns, for each of the out windows along an input axis of size n, the length
// PyTorch divides by: the window clipped to the padded input, or, without countIncludePad,
// to the input itself.
func poolCounts(n, out int, o PoolOpts, countIncludePad bool) []int {
	s := o.stride()
	counts := make([]int, out)
	for i := range out {
		start := i*s - o.Pad
		end := min(start+o.Kernel, n+o.Pad)
		if !countIncludePad {
			start, end = max(start, 0), min(end, n)
		}
		counts[i] = end - start
	}
	return counts
}
