package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ResizeBilinear resizes x [N,H,W,C] to [N,outH,outW,C] with PyTorch's
// F.interpolate(mode="bilinear", align_corners=alignCorners) semantics (no antialias), up or
// down. It is two products with constant interpolation matrices, one per spatial axis, so it
// has a gradient on every backend.
func ResizeBilinear(x *graph.Node, outH, outW int, alignCorners bool) *graph.Node {
	if x.Rank() != 4 || outH <= 0 || outW <= 0 {
		panic(fmt.Sprintf("nn.ResizeBilinear: want x [N,H,W,C] and a positive size, got %s -> %dx%d", x.Shape(), outH, outW))
	}
	d := x.Shape().Dimensions
	h, w := d[1], d[2]
	if h == outH && w == outW {
		return x
	}
	g := x.Graph()
	mh := graph.ConvertDType(graph.Const(g, InterpMatrix(h, outH, alignCorners)), x.DType())
	mw := graph.ConvertDType(graph.Const(g, InterpMatrix(w, outW, alignCorners)), x.DType())
	y := graph.DotGeneral(mh, []int{1}, nil, x, []int{1}, nil) // [outH, N, W, C]
	y = graph.DotGeneral(mw, []int{1}, nil, y, []int{2}, nil)  // [outW, outH, N, C]
	return graph.TransposeAllAxes(y, 2, 1, 0, 3)
}

// InterpMatrix returns the [out, in] float64 matrix of 1-D linear interpolation from in samples
// to out samples, PyTorch's rule: with alignCorners the end samples align
// (src = dst*(in-1)/(out-1)); without, pixel centres align (src = (dst+0.5)*in/out - 0.5,
// clamped at 0).
func InterpMatrix(in, out int, alignCorners bool) *tensors.Tensor {
	m := make([]float64, out*in)
	for o := range out {
		var src float64
		if alignCorners {
			if out > 1 {
				src = float64(o) * float64(in-1) / float64(out-1)
			}
		} else {
			src = math.Max((float64(o)+0.5)*float64(in)/float64(out)-0.5, 0)
		}
		i0 := min(int(math.Floor(src)), in-1)
		i1 := min(i0+1, in-1)
		l := src - float64(i0)
		m[o*in+i0] += 1 - l
		m[o*in+i1] += l
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}
