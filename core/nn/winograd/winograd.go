// Package winograd computes 3x3 stride-1 convolutions (any dilation, any zero padding) of NHWC
// inputs with HWIO kernels by Winograd's minimal filtering algorithms F(4x4,3x3) and
// F(6x6,3x3), built from graph ops that have gradients on the pure-Go backend.
//
// Winograd F(4x4,3x3): a 6x6 input tile d and a 3x3 kernel g give a 4x4 output tile
// Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with interpolation points 0, ±1, ±2, ∞.
// That is 36 multiplications per channel pair for 16 outputs instead of 144. F(6x6,3x3) uses the
// points 0, ±1, ±2, ±1/2, ∞ and 8x8 input tiles; its matrices are generated (matrices.go).
//
// Package nn's Conv2D chooses when to use it (ConvAuto, ConvWinograd, ConvWinograd6).
package winograd

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Geometry is the dilation and zero padding of a 3x3 stride-1 convolution. A zero dilation
// means 1.
type Geometry struct {
	DilationH, DilationW                 int
	PadTop, PadBottom, PadLeft, PadRight int
}

// normalized returns geo with zero dilations replaced by 1.
func (geo Geometry) normalized() Geometry {
	for _, p := range []*int{&geo.DilationH, &geo.DilationW} {
		if *p == 0 {
			*p = 1
		}
	}
	return geo
}

// outputSize returns the output spatial size of the convolution of an h x w input.
func (geo Geometry) outputSize(h, w int) (ho, wo int) {
	ho = h + geo.PadTop + geo.PadBottom - geo.DilationH*2
	wo = w + geo.PadLeft + geo.PadRight - geo.DilationW*2
	return ho, wo
}

// Tile names a Winograd algorithm by its output tile size m: F(m x m, 3x3).
type Tile int

const (
	// F4 is F(4x4,3x3): 6x6 input tiles, hand-written transforms.
	F4 Tile = 4
	// F6 is F(6x6,3x3): 8x8 input tiles, generated transforms.
	F6 Tile = 6
)

// spec returns the algorithm t stands for.
func (t Tile) spec() winoSpec {
	switch t {
	case F4:
		return winoF4
	case F6:
		return winoF6
	}
	panic(fmt.Sprintf("winograd: unknown tile size %d (want F4 or F6)", int(t)))
}

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

// TileUse is the fraction of the outputs of t's m x m tiles that are real outputs of the
// convolution of an h x w input (large dilations on small maps waste most of each tile).
func TileUse(h, w int, geo Geometry, t Tile) float64 {
	o, m := geo.normalized(), int(t)
	ho, wo := o.outputSize(h, w)
	covered := func(n, d int) int {
		c := 0
		for r := 0; r < d && r < n; r++ {
			c += m * ((n - r + d - 1) / d / m)
			if ((n-r+d-1)/d)%m != 0 {
				c += m
			}
		}
		return c
	}
	return float64(ho*wo) / float64(covered(ho, o.DilationH)*covered(wo, o.DilationW))
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

// winoTiling enumerates the m x m output tiles of a stride-1 convolution with dilation (dh, dw).
// A dilated 3x3 convolution is dh*dw ordinary 3x3 convolutions on the sub-lattices
// {ry + dh*a} x {rx + dw*b}; the tiles are laid on those lattices.
type winoTiling struct {
	n, h, w, ho, wo int
	m, alpha        int      // output and input tile sizes
	tiles           [][3]int // batch, first output row, first output column
}

func newWinoTiling(n, h, w int, o Geometry, m int) winoTiling {
	ho, wo := o.outputSize(h, w)
	t := winoTiling{n: n, h: h, w: w, ho: ho, wo: wo, m: m, alpha: m + 2}
	for b := range n {
		for ry := 0; ry < o.DilationH && ry < ho; ry++ {
			nA := (ho - ry + o.DilationH - 1) / o.DilationH
			for ty := 0; ty < nA; ty += m {
				for rx := 0; rx < o.DilationW && rx < wo; rx++ {
					nB := (wo - rx + o.DilationW - 1) / o.DilationW
					for tx := 0; tx < nB; tx += m {
						t.tiles = append(t.tiles, [3]int{b, ry + o.DilationH*ty, rx + o.DilationW*tx})
					}
				}
			}
		}
	}
	return t
}

// inputIndices returns [α*α*T, 1] rows of the fill-row-flattened input for every tile element.
func (t winoTiling) inputIndices(o Geometry) *tensors.Tensor {
	nt, a := len(t.tiles), t.alpha
	fill := int32(t.n * t.h * t.w)
	idx := make([]int32, a*a*nt)
	for i := range a {
		for j := range a {
			for k, tile := range t.tiles {
				iy := tile[1] - o.PadTop + o.DilationH*i
				ix := tile[2] - o.PadLeft + o.DilationW*j
				v := fill
				if iy >= 0 && iy < t.h && ix >= 0 && ix < t.w {
					v = int32((tile[0]*t.h+iy)*t.w + ix)
				}
				idx[(i*a+j)*nt+k] = v
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(idx, a*a*nt, 1)
}

// outputIndices returns [N*Ho*Wo, 1] rows of the [α*α*T, Cout] (zero-padded m x m) tile outputs
// for every output pixel.
func (t winoTiling) outputIndices(o Geometry) *tensors.Tensor {
	nt, a := len(t.tiles), t.alpha
	idx := make([]int32, t.n*t.ho*t.wo)
	for k, tile := range t.tiles {
		for m := range t.m {
			oy := tile[1] + o.DilationH*m
			if oy >= t.ho {
				break
			}
			for l := range t.m {
				ox := tile[2] + o.DilationW*l
				if ox >= t.wo {
					break
				}
				idx[(tile[0]*t.ho+oy)*t.wo+ox] = int32((m*a+l)*nt + k)
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(idx, len(idx), 1)
}

// winoSpec is one Winograd F(m x m, 3x3) algorithm: tile sizes, the kernel transform G and the
// combiners of Bᵀ (input), B (its transpose, for the gradient), Aᵀ zero-padded to α outputs and
// its transpose.
type winoSpec struct {
	m, alpha           int
	g                  [][]float64
	bt, b, atPad, aPad combiner
}

var (
	// winoF4 is F(4x4,3x3) with hand-written combiners.
	winoF4 = winoSpec{m: 4, alpha: 6, g: winoG, bt: combineBT, b: combineB, atPad: combineAT, aPad: combineA}
	// winoF6 is F(6x6,3x3), points 0, ±1, ±2, ±1/2, ∞, with generated combiners.
	winoF6 = newWinoSpec(6, []*big.Rat{big.NewRat(0, 1), big.NewRat(1, 1), big.NewRat(-1, 1),
		big.NewRat(2, 1), big.NewRat(-2, 1), big.NewRat(1, 2), big.NewRat(-1, 2)})
)

func newWinoSpec(m int, points []*big.Rat) winoSpec {
	at, g, bt := winogradMatrices(m, 3, points)
	alpha := m + 2
	atPad := padRows(at, alpha)
	return winoSpec{m: m, alpha: alpha, g: g,
		bt: pairedCombiner(bt), b: pairedCombiner(transpose(bt)),
		atPad: pairedCombiner(atPad), aPad: pairedCombiner(transpose(atPad))}
}

// Conv convolves x [N,H,W,Cin] with the 3x3 kernel w [3,3,Cin,Cout] (HWIO), stride 1, with the
// geometry geo, by the Winograd algorithm t: [N,Ho,Wo,Cout], PyTorch's cross-correlation.
//
// The tile transforms are a few dozen elementwise adds on [T,C] slices rather than products
// with α²xα² constant matrices (which the pure-Go DotGeneral pads to 64x64 blocks and makes
// slower than the product they save). Their gradients are given explicitly (the transposed
// transforms) through linearWithGradient, since Slice has no gradient on the pure-Go backend.
func Conv(x, w *graph.Node, geo Geometry, t Tile) *graph.Node {
	return conv(x, w, geo.normalized(), t.spec())
}

// conv is Conv by the algorithm sp, with o normalized.
func conv(x, w *graph.Node, o Geometry, sp winoSpec) *graph.Node {
	g := x.Graph()
	xd, wd := x.Shape().Dimensions, w.Shape().Dimensions
	cin, cout := wd[2], wd[3]
	a := sp.alpha
	t := newWinoTiling(xd[0], xd[1], xd[2], o, sp.m)
	nt := len(t.tiles)

	// Input tiles d [α,α,T,Cin] -> V = Bᵀ d B.
	d := graph.Reshape(gatherRows(withZeroRow(x), t.inputIndices(o)), a, a, nt, cin)
	v := linearWithGradient(d,
		func(d *graph.Node) *graph.Node { return transform2D(d, sp.bt) },
		func(dv *graph.Node) *graph.Node { return transform2D(dv, sp.b) })
	// Kernel U = G g Gᵀ: [α², Cin, Cout] (small: a product with a constant α²x9 matrix).
	u := graph.DotGeneral(kron(g, x, sp.g), []int{1}, nil, graph.Reshape(w, 9, cin, cout), []int{0}, nil)
	// Per tile element, a [T,Cin] x [Cin,Cout] product: M [α², T, Cout].
	m := graph.DotGeneral(graph.Reshape(v, a*a, nt, cin), []int{2}, []int{0}, u, []int{1}, []int{0})
	m = graph.Reshape(m, a, a, nt, cout)
	// Output tiles Y = Aᵀ M A, kept α x α (the rows and columns past m are zero) so that the
	// transform keeps its input's shape; then gathered back to pixels.
	y := linearWithGradient(m,
		func(m *graph.Node) *graph.Node { return transform2D(m, sp.atPad) },
		func(dy *graph.Node) *graph.Node { return transform2D(dy, sp.aPad) })
	y = graph.Reshape(y, a*a*nt, cout)
	return graph.Reshape(gatherRows(y, t.outputIndices(o)), t.n, t.ho, t.wo, cout)
}

// withZeroRow flattens x [N,H,W,C] to [N*H*W+1, C]: the last row is zeros, which out-of-range
// (padding) indices point to.
func withZeroRow(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	flat := graph.Reshape(x, d[0]*d[1]*d[2], d[3])
	row := graph.BroadcastToDims(graph.Scalar(x.Graph(), x.DType(), 0.0), 1, d[3])
	return graph.Concatenate([]*graph.Node{flat, row}, 0)
}

// gatherRows gathers rows of the 2-D params [R, C] at the indices idx [K, 1] (int32): [K, C].
func gatherRows(params *graph.Node, idx *tensors.Tensor) *graph.Node {
	return graph.Gather(params, graph.Const(params.Graph(), idx))
}

// winoATPadded is Aᵀ with two zero rows: 6x6.
var winoATPadded = append(append([][]float64{}, winoAT...), make([]float64, 6), make([]float64, 6))

func transpose(m [][]float64) [][]float64 {
	out := make([][]float64, len(m[0]))
	for c := range out {
		out[c] = make([]float64, len(m))
		for r := range m {
			out[c][r] = m[r][c]
		}
	}
	return out
}

// linearWithGradient returns fwd(x) for a linear fwd whose output has x's shape, with the
// gradient bwd (the transpose of fwd) instead of autodiff through fwd's own ops.
func linearWithGradient(x *graph.Node, fwd, bwd func(*graph.Node) *graph.Node) *graph.Node {
	// The stop on fwd's output keeps autodiff out of fwd's ops (their Slice has no gradient here).
	y := graph.StopGradient(fwd(x))
	z := graph.IdentityWithCustomGradient(x, func(_, v *graph.Node) *graph.Node { return bwd(v) })
	// z - StopGradient(z) is exactly zero, and passes the output's gradient on to bwd.
	return graph.Add(y, graph.Sub(z, graph.StopGradient(z)))
}

// combiner maps the k pieces x[0..k-1] along one axis to the k pieces of m·x for a fixed k x k
// matrix m; a nil result piece stands for zeros.
type combiner func(x []*graph.Node) []*graph.Node

// matrixCombiner is the generic combiner of the matrix m (reference for the hand-written ones).
func matrixCombiner(m [][]float64) combiner {
	return func(x []*graph.Node) []*graph.Node {
		out := make([]*graph.Node, len(m))
		for r := range m {
			out[r] = combine(x, m[r])
		}
		return out
	}
}

// transform2D applies the combiner's k x k matrix m along axes 0 and 1 of x [k,k,...]: m x mᵀ.
// It works on the k*k contiguous slices x[i,j] (cheap axis-0 slices of a reshaped x): a row
// pass then a column pass of elementwise combinations, and one concatenation at the end.
func transform2D(x *graph.Node, m combiner) *graph.Node {
	dims := x.Shape().Dimensions
	k := dims[0]
	flat := graph.Reshape(x, append([]int{k * k}, dims[2:]...)...)
	p := make([]*graph.Node, k*k) // p[i*k+j] = x[i,j]
	for i := range p {
		p[i] = graph.SliceAxis(flat, 0, graph.AxisRange(i, i+1))
	}
	// Row pass: t[r][j] = Σ_i m[r][i] p[i][j].
	t := make([]*graph.Node, k*k)
	col := make([]*graph.Node, k)
	for j := range k {
		for i := range k {
			col[i] = p[i*k+j]
		}
		for r, v := range m(col) {
			t[r*k+j] = v
		}
	}
	// Column pass: y[r][s] = Σ_j m[s][j] t[r][j]; rows that are all zero stay zero.
	y := make([]*graph.Node, k*k)
	for r := range k {
		row := t[r*k : (r+1)*k]
		if !slices.ContainsFunc(row, func(n *graph.Node) bool { return n != nil }) {
			continue
		}
		copy(y[r*k:(r+1)*k], m(row))
	}
	var zero *graph.Node
	for i := range y {
		if y[i] == nil {
			if zero == nil {
				zero = graph.ZerosLike(p[0])
			}
			y[i] = zero
		}
	}
	return graph.Reshape(graph.Concatenate(y, 0), dims...)
}

// The hand-written combiners below share common subexpressions; each equals matrixCombiner of
// its matrix (tested).

// combineBT is Bᵀ (input transform).
func combineBT(d []*graph.Node) []*graph.Node {
	sub, add, mul := graph.Sub, graph.Add, graph.MulScalar[float64]
	t3 := sub(d[4], d[2])
	t1 := sub(d[4], mul(d[2], 4))
	t2 := sub(d[3], mul(d[1], 4))
	t4 := mul(sub(d[3], d[1]), 2)
	return []*graph.Node{
		add(mul(sub(d[0], d[2]), 4), t3), // 4d0 - 5d2 + d4
		add(t1, t2),                      // -4d1 - 4d2 + d3 + d4
		sub(t1, t2),                      // 4d1 - 4d2 - d3 + d4
		add(t3, t4),                      // -2d1 - d2 + 2d3 + d4
		sub(t3, t4),                      // 2d1 - d2 - 2d3 + d4
		sub(sub(d[5], d[3]), mul(t4, 2)), // 4d1 - 5d3 + d5
	}
}

// combineB is B = (Bᵀ)ᵀ (gradient of the input transform).
func combineB(v []*graph.Node) []*graph.Node {
	sub, add, mul := graph.Sub, graph.Add, graph.MulScalar[float64]
	s12, d12 := add(v[1], v[2]), sub(v[1], v[2])
	s34, q := add(v[3], v[4]), mul(sub(v[3], v[4]), 2)
	return []*graph.Node{
		mul(v[0], 4),
		sub(mul(sub(v[5], d12), 4), q),            // -4v1 + 4v2 - 2v3 + 2v4 + 4v5
		sub(sub(mul(v[0], -5), mul(s12, 4)), s34), // -5v0 - 4v1 - 4v2 - v3 - v4
		sub(add(d12, q), mul(v[5], 5)),            // v1 - v2 + 2v3 - 2v4 - 5v5
		add(add(v[0], s12), s34),                  // v0 + v1 + v2 + v3 + v4
		v[5],
	}
}

// combineAT is Aᵀ padded to 6 outputs (output transform; outputs 4 and 5 are zero).
func combineAT(m []*graph.Node) []*graph.Node {
	sub, add, mul := graph.Sub, graph.Add, graph.MulScalar[float64]
	a, b := add(m[1], m[2]), sub(m[1], m[2])
	c, e := add(m[3], m[4]), sub(m[3], m[4])
	return []*graph.Node{
		add(add(m[0], a), c),
		add(b, mul(e, 2)),
		add(a, mul(c, 4)),
		add(add(b, mul(e, 8)), m[5]),
		nil, nil,
	}
}

// combineA is the transpose of the padded Aᵀ (gradient of the output transform).
func combineA(y []*graph.Node) []*graph.Node {
	sub, add, mul := graph.Sub, graph.Add, graph.MulScalar[float64]
	p, q := add(y[0], y[2]), add(y[1], y[3])
	p2, q2 := add(y[0], mul(y[2], 4)), add(mul(y[1], 2), mul(y[3], 8))
	return []*graph.Node{y[0], add(p, q), sub(p, q), add(p2, q2), sub(p2, q2), y[3]}
}

// combine returns Σ_c coef[c]*pieces[c] with elementwise ops, skipping zero coefficients and nil
// (zero) pieces and multiplying only by coefficients other than ±1. It returns nil for zero.
func combine(pieces []*graph.Node, coef []float64) *graph.Node {
	var acc *graph.Node
	for c, a := range coef {
		if a == 0 || pieces[c] == nil {
			continue
		}
		switch {
		case acc == nil && a == 1:
			acc = pieces[c]
		case acc == nil:
			acc = graph.MulScalar(pieces[c], a)
		case a == 1:
			acc = graph.Add(acc, pieces[c])
		case a == -1:
			acc = graph.Sub(acc, pieces[c])
		default:
			acc = graph.Add(acc, graph.MulScalar(pieces[c], a))
		}
	}
	return acc
}
