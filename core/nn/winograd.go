package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Winograd F(4x4,3x3): a 6x6 input tile d and a 3x3 kernel g give a 4x4 output tile
// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with interpolation points 0, ±1, ±2, ∞.
// That is 36 multiplications per channel pair for 16 outputs instead of 144.

// winogradMinCin is the smallest input-channel count for which ConvAuto uses Winograd: with
// fewer channels the tile transforms cost more than they save.
const winogradMinCin = 16

var (
	winoBT = [][]float64{
		{4, 0, -5, 0, 1, 0},
		{0, -4, -4, 1, 1, 0},
		{0, 4, -4, -1, 1, 0},
		{0, -2, -1, 2, 1, 0},
		{0, 2, -1, -2, 1, 0},
		{0, 4, 0, -5, 0, 1},
	}
	winoG = [][]float64{
		{1.0 / 4, 0, 0},
		{-1.0 / 6, -1.0 / 6, -1.0 / 6},
		{-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6},
		{1.0 / 24, -1.0 / 12, 1.0 / 6},
		{0, 0, 1},
	}
	winoAT = [][]float64{
		{1, 1, 1, 1, 1, 0},
		{0, 1, -1, 2, -2, 0},
		{0, 1, 1, 4, 4, 0},
		{0, 1, -1, 8, -8, 1},
	}
)

// winogradApplies reports whether a kh x kw kernel with options o can use Winograd.
func winogradApplies(kh, kw int, o ConvOpts) bool {
	o = o.normalized()
	return kh == 3 && kw == 3 && o.StrideH == 1 && o.StrideW == 1
}

// kron returns the Kronecker product of a (r x c) with itself as a constant of the graph's
// dtype: K[(i*r+j), (k*c+l)] = a[i][k]*a[j][l].
func kron(g *graph.Graph, x *graph.Node, a [][]float64) *graph.Node {
	r, c := len(a), len(a[0])
	data := make([]float64, 0, r*r*c*c)
	for i := range r {
		for j := range r {
			for k := range c {
				for l := range c {
					data = append(data, a[i][k]*a[j][l])
				}
			}
		}
	}
	return graph.ConvertDType(graph.Const(g, tensors.FromFlatDataAndDimensions(data, r*r, c*c)), x.DType())
}

// winoTiling enumerates the 4x4 output tiles of a stride-1 convolution with dilation (dh, dw).
// A dilated 3x3 convolution is dh*dw ordinary 3x3 convolutions on the sub-lattices
// {ry + dh*a} x {rx + dw*b}; the tiles are laid on those lattices.
type winoTiling struct {
	n, h, w, ho, wo int
	tiles           [][3]int // batch, first output row, first output column
}

func newWinoTiling(n, h, w int, o ConvOpts) winoTiling {
	ho, wo := o.OutputSize(h, w, 3, 3)
	t := winoTiling{n: n, h: h, w: w, ho: ho, wo: wo}
	for b := range n {
		for ry := 0; ry < o.DilationH && ry < ho; ry++ {
			nA := (ho - ry + o.DilationH - 1) / o.DilationH
			for ty := 0; ty < nA; ty += 4 {
				for rx := 0; rx < o.DilationW && rx < wo; rx++ {
					nB := (wo - rx + o.DilationW - 1) / o.DilationW
					for tx := 0; tx < nB; tx += 4 {
						t.tiles = append(t.tiles, [3]int{b, ry + o.DilationH*ty, rx + o.DilationW*tx})
					}
				}
			}
		}
	}
	return t
}

// inputIndices returns [36*T, 1] rows of the fill-row-flattened input for every tile element.
func (t winoTiling) inputIndices(o ConvOpts) *tensors.Tensor {
	nt := len(t.tiles)
	fill := int32(t.n * t.h * t.w)
	idx := make([]int32, 36*nt)
	for i := range 6 {
		for j := range 6 {
			for k, tile := range t.tiles {
				iy := tile[1] - o.PadTop + o.DilationH*i
				ix := tile[2] - o.PadLeft + o.DilationW*j
				v := fill
				if iy >= 0 && iy < t.h && ix >= 0 && ix < t.w {
					v = int32((tile[0]*t.h+iy)*t.w + ix)
				}
				idx[(i*6+j)*nt+k] = v
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(idx, 36*nt, 1)
}

// outputIndices returns [N*Ho*Wo, 1] rows of the [16*T, Cout] tile outputs for every output pixel.
func (t winoTiling) outputIndices(o ConvOpts) *tensors.Tensor {
	nt := len(t.tiles)
	idx := make([]int32, t.n*t.ho*t.wo)
	for k, tile := range t.tiles {
		for m := range 4 {
			oy := tile[1] + o.DilationH*m
			if oy >= t.ho {
				break
			}
			for l := range 4 {
				ox := tile[2] + o.DilationW*l
				if ox >= t.wo {
					break
				}
				idx[(tile[0]*t.ho+oy)*t.wo+ox] = int32((m*4+l)*nt + k)
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(idx, len(idx), 1)
}

// convWinograd is a 3x3 stride-1 convolution (any dilation, any padding) by Winograd F(4x4,3x3),
// written with Gather and DotGeneral so that autodiff gives its gradient.
func convWinograd(x, w *graph.Node, o ConvOpts) *graph.Node {
	o = o.normalized()
	g := x.Graph()
	xd, wd := x.Shape().Dimensions, w.Shape().Dimensions
	cin, cout := wd[2], wd[3]
	t := newWinoTiling(xd[0], xd[1], xd[2], o)
	nt := len(t.tiles)

	// Input tiles d [36, T, Cin] -> V = (Bᵀ⊗Bᵀ) d.
	d := graph.Reshape(gatherRows(withFillRow(x, 0), t.inputIndices(o)), 36, nt, cin)
	v := graph.DotGeneral(kron(g, x, winoBT), []int{1}, nil, d, []int{0}, nil)
	// Kernel U = (G⊗G) g: [36, Cin, Cout].
	u := graph.DotGeneral(kron(g, x, winoG), []int{1}, nil, graph.Reshape(w, 9, cin, cout), []int{0}, nil)
	// Per tile element, a [T,Cin] x [Cin,Cout] product: M [36, T, Cout].
	m := graph.DotGeneral(v, []int{2}, []int{0}, u, []int{1}, []int{0})
	// Output tiles Y = (Aᵀ⊗Aᵀ) M: [16, T, Cout], then scattered back to pixels by a gather.
	y := graph.DotGeneral(kron(g, x, winoAT), []int{1}, nil, m, []int{0}, nil)
	y = graph.Reshape(y, 16*nt, cout)
	return graph.Reshape(gatherRows(y, t.outputIndices(o)), t.n, t.ho, t.wo, cout)
}
