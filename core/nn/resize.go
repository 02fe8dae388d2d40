package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ResizeBilinear resizes x [N,H,W,C] to [N,outH,outW,C] with PyTorch's
// F.interpolate(mode="bilinear", align_corners=alignCorners) semantics (no antialias), up or
// down. Each spatial axis is interpolated separately: on XLA by a product with a constant
// interpolation matrix (deterministic gradients on GPUs); on the pure-Go backend by gathering
// the two neighbours and weighting them, which is far cheaper there for large outputs (the
// logits' upsampling to the label size).
func ResizeBilinear(x *graph.Node, outH, outW int, alignCorners bool) *graph.Node {
	if x.Rank() != 4 || outH <= 0 || outW <= 0 {
		panic(fmt.Sprintf("nn.ResizeBilinear: want x [N,H,W,C] and a positive size, got %s -> %dx%d", x.Shape(), outH, outW))
	}
	d := x.Shape().Dimensions
	if d[1] == outH && d[2] == outW {
		return x
	}
	if isXLA(x.Graph()) {
		return resizeMatmul(x, outH, outW, alignCorners)
	}
	return resizeGather(x, outH, outW, alignCorners)
}

// resizeMatmul is ResizeBilinear as two products with interpolation matrices.
func resizeMatmul(x *graph.Node, outH, outW int, alignCorners bool) *graph.Node {
	d := x.Shape().Dimensions
	h, w := d[1], d[2]
	g := x.Graph()
	mh := graph.ConvertDType(graph.Const(g, InterpMatrix(h, outH, alignCorners)), x.DType())
	mw := graph.ConvertDType(graph.Const(g, InterpMatrix(w, outW, alignCorners)), x.DType())
	y := graph.DotGeneral(mh, []int{1}, nil, x, []int{1}, nil) // [outH, N, W, C]
	y = graph.DotGeneral(mw, []int{1}, nil, y, []int{2}, nil)  // [outW, outH, N, C]
	return graph.TransposeAllAxes(y, 2, 1, 0, 3)
}

// resizeGather is ResizeBilinear as, per axis, two gathers of neighbouring rows (or columns)
// and a weighted sum.
func resizeGather(x *graph.Node, outH, outW int, alignCorners bool) *graph.Node {
	d := x.Shape().Dimensions
	n, h, w, c := d[0], d[1], d[2], d[3]
	if outH != h {
		// Rows of [N*H, W*C].
		i0, i1, l := interpTaps(h, outH, alignCorners)
		flat := graph.Reshape(x, n*h, w*c)
		y := lerpRows(flat, n, h, i0, i1, l, x.DType())
		x = graph.Reshape(y, n, outH, w, c)
		h = outH
	}
	if outW != w {
		// Rows of [N*H*W, C].
		i0, i1, l := interpTaps(w, outW, alignCorners)
		flat := graph.Reshape(x, n*h*w, c)
		y := lerpRows(flat, n*h, w, i0, i1, l, x.DType())
		x = graph.Reshape(y, n, h, outW, c)
	}
	return x
}

// lerpRows interpolates along a "middle" axis of size in of flat [groups*in, K]: the result is
// [groups*out, K] with row (b, o) = (1-l[o])*row(b, i0[o]) + l[o]*row(b, i1[o]).
func lerpRows(flat *graph.Node, groups, in int, i0, i1 []int, l []float64, dt dtypes.DType) *graph.Node {
	out := len(i0)
	idx0 := make([]int32, 0, groups*out)
	idx1 := make([]int32, 0, groups*out)
	wts := make([]float64, 0, groups*out)
	for b := range groups {
		for o := range out {
			idx0 = append(idx0, int32(b*in+i0[o]))
			idx1 = append(idx1, int32(b*in+i1[o]))
			wts = append(wts, l[o])
		}
	}
	g := flat.Graph()
	r0 := gatherRows(flat, tensors.FromFlatDataAndDimensions(idx0, len(idx0), 1))
	r1 := gatherRows(flat, tensors.FromFlatDataAndDimensions(idx1, len(idx1), 1))
	lw := graph.ConvertDType(graph.Const(g, tensors.FromFlatDataAndDimensions(wts, len(wts), 1)), dt)
	// r0 + l*(r1-r0)
	return graph.Add(r0, graph.Mul(lw, graph.Sub(r1, r0)))
}

// interpTaps returns, for every output sample, the two input samples and the weight of the
// second (PyTorch's source-index rule, see InterpMatrix).
func interpTaps(in, out int, alignCorners bool) (i0, i1 []int, l []float64) {
	for o := range out {
		var src float64
		if alignCorners {
			if out > 1 {
				src = float64(o) * float64(in-1) / float64(out-1)
			}
		} else {
			src = math.Max((float64(o)+0.5)*float64(in)/float64(out)-0.5, 0)
		}
		a := min(int(math.Floor(src)), in-1)
		i0 = append(i0, a)
		i1 = append(i1, min(a+1, in-1))
		l = append(l, src-float64(a))
	}
	return i0, i1, l
}

// InterpMatrix returns the [out, in] float64 matrix of 1-D linear interpolation from in samples
// to out samples, PyTorch's rule: with alignCorners the end samples align
// (src = dst*(in-1)/(out-1)); without, pixel centres align (src = (dst+0.5)*in/out - 0.5,
// clamped at 0).
func InterpMatrix(in, out int, alignCorners bool) *tensors.Tensor {
	m := make([]float64, out*in)
	i0, i1, l := interpTaps(in, out, alignCorners)
	for o := range out {
		m[o*in+i0[o]] += 1 - l[o]
		m[o*in+i1[o]] += l[o]
	}
	return tensors.FromFlatDataAndDimensions(m, out, in)
}
