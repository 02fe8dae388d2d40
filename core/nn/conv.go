package nn

import (
	"fmt"

	"strings"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/dast-uda/dast/core/nn/winograd"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// ConvOpts are a 2-D convolution's geometry. Zero Stride/Dilation mean 1. Padding is explicit
// per side (zero padding).
type ConvOpts struct {
	StrideH, StrideW                     int
	DilationH, DilationW                 int
	PadTop, PadBottom, PadLeft, PadRight int
}

// SamePad returns ConvOpts for a square kernel k with stride s and dilation d, padded by
// d*(k-1)/2 on every side (PyTorch's usual padding=dilation*(k-1)/2).
func SamePad(k, s, d int) ConvOpts {
	p := d * (k - 1) / 2
	return ConvOpts{StrideH: s, StrideW: s, DilationH: d, DilationW: d, PadTop: p, PadBottom: p, PadLeft: p, PadRight: p}
}

// normalized returns o with zero strides and dilations replaced by 1.
func (o ConvOpts) normalized() ConvOpts {
	for _, p := range []*int{&o.StrideH, &o.StrideW, &o.DilationH, &o.DilationW} {
		if *p == 0 {
			*p = 1
		}
	}
	return o
}

// OutputSize returns the output spatial size of a convolution of an h x w input with a
// kh x kw kernel.
func (o ConvOpts) OutputSize(h, w, kh, kw int) (ho, wo int) {
	o = o.normalized()
	ho = (h+o.PadTop+o.PadBottom-o.DilationH*(kh-1)-1)/o.StrideH + 1
	wo = (w+o.PadLeft+o.PadRight-o.DilationW*(kw-1)-1)/o.StrideW + 1
	return ho, wo
}

// ConvImpl selects how Conv2DWith computes a convolution.
type ConvImpl int

const (
	// ConvAuto picks the backend's native op on XLA. On the pure-Go backend with dast's SIMD
	// kernels it picks the native op (implicit GEMM) for stride-1 convolutions larger than 1x1
	// whose padding is within the kernel's reach, and im2col otherwise. Without those kernels
	// it picks Winograd for 3x3 stride-1 kernels with at least 16 input and output channels
	// (F(6x6,3x3) when its tiles are at least 70% real outputs, else F(4x4,3x3) when they are at
	// least half), and im2col otherwise.
	ConvAuto ConvImpl = iota
	// ConvNative uses the backend's convolution op, graph.ConvGeneral: XLA's own, or on the
	// pure-Go backend dast's implicit-GEMM kernels (core/backend/fastgo, no im2col matrix), whose
	// gradient for stride-1 convolutions is two more such convolutions (implicitConvVJP).
	ConvNative
	// ConvIm2Col gathers patches (im2col) and multiplies them with one DotGeneral.
	ConvIm2Col
	// ConvWinograd uses Winograd F(4x4,3x3) tiles; only for 3x3 kernels with stride 1.
	ConvWinograd
	// ConvWinograd6 uses Winograd F(6x6,3x3) tiles; only for 3x3 kernels with stride 1.
	ConvWinograd6
)

// isXLA reports whether g runs on an XLA backend (where native ops have gradients).
func isXLA(g *graph.Graph) bool {
	return strings.HasPrefix(g.Backend().Name(), "xla")
}

// Conv2D convolves x [N,H,W,Cin] with w [KH,KW,Cin,Cout] (HWIO) and adds b [Cout] (or nothing
// when b is nil): the result is [N,Ho,Wo,Cout]. It is PyTorch's cross-correlation.
func Conv2D(x, w, b *graph.Node, o ConvOpts) *graph.Node {
	return Conv2DWith(x, w, b, o, ConvAuto)
}

// Conv2DWith is Conv2D with an explicit implementation choice.
func Conv2DWith(x, w, b *graph.Node, o ConvOpts, impl ConvImpl) *graph.Node {
	o = o.normalized()
	if x.Rank() != 4 || w.Rank() != 4 {
		panic(fmt.Sprintf("nn.Conv2D: want x [N,H,W,Cin] and w [KH,KW,Cin,Cout], got %s and %s", x.Shape(), w.Shape()))
	}
	kh, kw, cin := w.Shape().Dimensions[0], w.Shape().Dimensions[1], w.Shape().Dimensions[2]
	if x.Shape().Dimensions[3] != cin {
		panic(fmt.Sprintf("nn.Conv2D: x has %d channels, w expects %d (x %s, w %s)", x.Shape().Dimensions[3], cin, x.Shape(), w.Shape()))
	}
	if ho, wo := o.OutputSize(x.Shape().Dimensions[1], x.Shape().Dimensions[2], kh, kw); ho <= 0 || wo <= 0 {
		panic(fmt.Sprintf("nn.Conv2D: empty output %dx%d for x %s, w %s, %+v", ho, wo, x.Shape(), w.Shape(), o))
	}
	if impl == ConvAuto {
		impl = chooseConv(x, w, o)
	}
	var y *graph.Node
	switch impl {
	case ConvNative:
		y = convNative(x, w, o)
	case ConvIm2Col:
		y = convIm2Col(x, w, o)
	case ConvWinograd:
		y = winograd.Conv(x, w, o.winogradGeometry(), winograd.F4)
	case ConvWinograd6:
		y = winograd.Conv(x, w, o.winogradGeometry(), winograd.F6)
	default:
		panic(fmt.Sprintf("nn.Conv2D: unknown implementation %d", impl))
	}
	if b != nil {
		y = graph.Add(y, graph.Reshape(b, 1, 1, 1, -1))
	}
	return y
}

// winogradMinChannels is the smallest input and output channel count for which ConvAuto uses
// Winograd: with fewer channels the tile transforms cost more than they save.
const winogradMinChannels = 16

// winogradApplies reports whether a kh x kw kernel with options o can use Winograd.
func winogradApplies(kh, kw int, o ConvOpts) bool {
	o = o.normalized()
	return kh == 3 && kw == 3 && o.StrideH == 1 && o.StrideW == 1
}

// winogradGeometry is o's dilation and padding, for package winograd (whose convolutions have
// stride 1).
func (o ConvOpts) winogradGeometry() winograd.Geometry {
	return winograd.Geometry{DilationH: o.DilationH, DilationW: o.DilationW,
		PadTop: o.PadTop, PadBottom: o.PadBottom, PadLeft: o.PadLeft, PadRight: o.PadRight}
}

// chooseConv picks the implementation ConvAuto stands for.
func chooseConv(x, w *graph.Node, o ConvOpts) ConvImpl {
	return chooseConvWith(x, w, o, fastgo.KernelActive(), fastgo.ConvActive())
}

// chooseConvWith is chooseConv given whether dast's SGEMM kernel and its implicit-GEMM
// convolutions are active.
func chooseConvWith(x, w *graph.Node, o ConvOpts, fastSGEMM, implicitGEMM bool) ConvImpl {
	if isXLA(x.Graph()) {
		return ConvNative
	}
	d := w.Shape().Dimensions
	// The implicit GEMM reads the patches from the image instead of writing and reading an
	// im2col matrix (convbench: 0.17-0.18 -> 0.14 s/step). A 1x1 convolution is a plain product.
	if implicitGEMM && d[0]*d[1] > 1 && implicitConv(convParams{
		axes: fastgo.ConvAxes(), strides: []int{o.StrideH, o.StrideW}, dilations: []int{o.DilationH, o.DilationW},
		paddings: [][2]int{{o.PadTop, o.PadBottom}, {o.PadLeft, o.PadRight}}}, d[0], d[1]) {
		return ConvNative
	}
	if !winogradApplies(d[0], d[1], o) || d[2] < winogradMinChannels || d[3] < winogradMinChannels {
		return ConvIm2Col
	}
	// With dast's SGEMM kernel in place of GoMLX's (core/backend/fastgo), the matrix product
	// is no longer the bottleneck: im2col's one large product beats Winograd's 4x fewer
	// multiplications, whose tile transforms run as many memory-bound elementwise ops
	// (convbench: 0.39 vs 0.45 s/step). Winograd stays the choice on GoMLX's own kernels.
	if fastSGEMM {
		return ConvIm2Col
	}
	h, wd := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	switch {
	case winograd.TileUse(h, wd, o.winogradGeometry(), winograd.F6) >= 0.7:
		return ConvWinograd6
	case winograd.TileUse(h, wd, o.winogradGeometry(), winograd.F4) >= 0.5:
		return ConvWinograd
	}
	return ConvIm2Col
}

// convNative is graph.ConvGeneral with NHWC/HWIO axes.
func convNative(x, w *graph.Node, o ConvOpts) *graph.Node {
	return graph.ConvGeneral(x, w, fastgo.ConvAxes(),
		[]int{o.StrideH, o.StrideW},
		[][2]int{{o.PadTop, o.PadBottom}, {o.PadLeft, o.PadRight}},
		[]int{1, 1}, []int{o.DilationH, o.DilationW}, 1, 1)
}

// withZeroRow flattens x [N,H,W,C] to [N*H*W+1, C]: the last row is a constant fill value
// (zero for convolutions, -inf for max pooling) that out-of-range indices point to.
func withFillRow(x *graph.Node, fill float64) *graph.Node {
	d := x.Shape().Dimensions
	flat := graph.Reshape(x, d[0]*d[1]*d[2], d[3])
	row := graph.BroadcastToDims(graph.Scalar(x.Graph(), x.DType(), fill), 1, d[3])
	return graph.Concatenate([]*graph.Node{flat, row}, 0)
}

// patchIndices returns, for every output position and kernel tap, the row of the flattened
// input (see withFillRow) it reads: shape [N*Ho*Wo*KH*KW, 1], int32.
func patchIndices(n, h, w, kh, kw int, o ConvOpts) *tensors.Tensor {
	ho, wo := o.OutputSize(h, w, kh, kw)
	fill := int32(n * h * w)
	idx := make([]int32, 0, n*ho*wo*kh*kw)
	for b := range n {
		for oy := range ho {
			for ox := range wo {
				for ky := range kh {
					iy := oy*o.StrideH - o.PadTop + ky*o.DilationH
					for kx := range kw {
						ix := ox*o.StrideW - o.PadLeft + kx*o.DilationW
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
	return tensors.FromFlatDataAndDimensions(idx, len(idx), 1)
}

// convIm2Col gathers the patches [N,Ho,Wo,KH*KW,Cin] and contracts them with the kernel.
func convIm2Col(x, w *graph.Node, o ConvOpts) *graph.Node {
	xd, wd := x.Shape().Dimensions, w.Shape().Dimensions
	kh, kw, cin, cout := wd[0], wd[1], wd[2], wd[3]
	if kh == 1 && kw == 1 && o.StrideH == 1 && o.StrideW == 1 && o.PadTop+o.PadBottom+o.PadLeft+o.PadRight == 0 {
		// A 1x1 convolution is a plain matrix product.
		return graph.DotGeneral(x, []int{3}, nil, graph.Reshape(w, cin, cout), []int{0}, nil)
	}
	ho, wo := o.OutputSize(xd[1], xd[2], kh, kw)
	patches := gatherRows(withFillRow(x, 0), patchIndices(xd[0], xd[1], xd[2], kh, kw, o))
	patches = graph.Reshape(patches, xd[0], ho, wo, kh*kw, cin)
	return graph.DotGeneral(patches, []int{3, 4}, nil, graph.Reshape(w, kh*kw, cin, cout), []int{0, 1}, nil)
}

// gatherRows gathers rows of the 2-D params [R, C] at the indices idx [K, 1] (int32): [K, C].
// (The pure-Go backend's Gather wants the index vector axis within the operand's rank, so
// indices stay 2-D and callers reshape the result.)
func gatherRows(params *graph.Node, idx *tensors.Tensor) *graph.Node {
	return graph.Gather(params, graph.Const(params.Graph(), idx))
}
