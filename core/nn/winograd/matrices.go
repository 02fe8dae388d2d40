package winograd

import (
	"math"
	"math/big"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// winogradMatrices builds the Winograd F(m, r) matrices Aᵀ (m x α), G (α x r) and Bᵀ (α x α),
// α = m+r-1, from α-1 finite interpolation points plus the point at infinity (Toom-Cook, in
// exact rational arithmetic). The correlation of an α-sample input d with an r-tap kernel g is
// Aᵀ[(G g) ⊙ (Bᵀ d)]. The scaling 1/Π(p_j - p_l) sits in G, so Bᵀ and Aᵀ have small entries.
func winogradMatrices(m, r int, points []*big.Rat) (at, g, bt [][]float64) {
	alpha := m + r - 1
	if len(points) != alpha-1 {
		panic("winograd: winogradMatrices needs m+r-2 finite points")
	}
	pow := func(p *big.Rat, e int) *big.Rat {
		out := big.NewRat(1, 1)
		for range e {
			out.Mul(out, p)
		}
		return out
	}
	// V[j][i] = p_j^i, the evaluation of a degree α-1 polynomial; the last row takes the
	// leading coefficient (the point at infinity).
	v := make([][]*big.Rat, alpha)
	for j := range alpha {
		v[j] = make([]*big.Rat, alpha)
		for i := range alpha {
			switch {
			case j < alpha-1:
				v[j][i] = pow(points[j], i)
			case i == alpha-1:
				v[j][i] = big.NewRat(1, 1)
			default:
				v[j][i] = new(big.Rat)
			}
		}
	}
	vinv := invertRat(v)
	f := make([]*big.Rat, alpha) // f_j = Π_{l≠j} (p_j - p_l); 1 for infinity.
	for j := range alpha {
		f[j] = big.NewRat(1, 1)
		if j == alpha-1 {
			continue
		}
		for l := range alpha - 1 {
			if l != j {
				f[j].Mul(f[j], new(big.Rat).Sub(points[j], points[l]))
			}
		}
	}
	toF := func(x *big.Rat) float64 { v, _ := x.Float64(); return v }
	bt = make([][]float64, alpha)
	g = make([][]float64, alpha)
	for j := range alpha {
		bt[j] = make([]float64, alpha)
		for i := range alpha {
			bt[j][i] = toF(new(big.Rat).Mul(f[j], vinv[i][j]))
		}
		g[j] = make([]float64, r)
		for k := range r {
			switch {
			case j < alpha-1:
				g[j][k] = toF(new(big.Rat).Quo(pow(points[j], k), f[j]))
			case k == r-1:
				g[j][k] = 1
			}
		}
	}
	at = make([][]float64, m)
	for i := range m {
		at[i] = make([]float64, alpha)
		for j := range alpha {
			switch {
			case j < alpha-1:
				at[i][j] = toF(pow(points[j], i))
			case i == m-1:
				at[i][j] = 1
			}
		}
	}
	return at, g, bt
}

// invertRat inverts a square rational matrix by Gauss-Jordan elimination (it must be invertible).
func invertRat(a [][]*big.Rat) [][]*big.Rat {
	n := len(a)
	w := make([][]*big.Rat, n)
	for i := range n {
		w[i] = make([]*big.Rat, 2*n)
		for j := range n {
			w[i][j] = new(big.Rat).Set(a[i][j])
			w[i][n+j] = new(big.Rat)
		}
		w[i][n+i].SetInt64(1)
	}
	for c := range n {
		p := c
		for w[p][c].Sign() == 0 {
			p++
		}
		w[c], w[p] = w[p], w[c]
		inv := new(big.Rat).Inv(w[c][c])
		for j := range 2 * n {
			w[c][j].Mul(w[c][j], inv)
		}
		for i := range n {
			if i == c || w[i][c].Sign() == 0 {
				continue
			}
			factor := new(big.Rat).Set(w[i][c])
			for j := range 2 * n {
				w[i][j].Sub(w[i][j], new(big.Rat).Mul(factor, w[c][j]))
			}
		}
	}
	out := make([][]*big.Rat, n)
	for i := range n {
		out[i] = w[i][n:]
	}
	return out
}

// padRows returns m with zero rows appended up to n rows.
func padRows(m [][]float64, n int) [][]float64 {
	out := slices.Clone(m)
	for len(out) < n {
		out = append(out, make([]float64, len(m[0])))
	}
	return out
}

// pairedCombiner returns a combiner for the matrix m that shares work between inputs and rows
// that come in ± pairs (Winograd points ±a): input pairs (c1, c2) whose coefficients are equal
// or opposite in every row are replaced by their sum and difference, and row pairs that agree up
// to the sign of some terms are computed as E+O and E-O. Remaining sums group terms by
// coefficient magnitude (one multiplication per magnitude).
func pairedCombiner(m [][]float64) combiner {
	rows, cols := len(m), len(m[0])
	// Input pairs.
	type pair struct{ a, b int }
	var inPairs []pair
	used := make([]bool, cols)
	for c1 := range cols {
		for c2 := c1 + 1; c2 < cols && !used[c1]; c2++ {
			if used[c2] {
				continue
			}
			ok, both := true, false
			for r := range rows {
				x, y := m[r][c1], m[r][c2]
				if x != y && x != -y {
					ok = false
					break
				}
				if x != 0 {
					both = true
				}
			}
			if ok && both {
				inPairs = append(inPairs, pair{c1, c2})
				used[c1], used[c2] = true, true
			}
		}
	}
	// Virtual inputs: unpaired originals, then (sum, difference) per pair.
	type vin struct {
		orig   int // original column, or -1
		pair   int // index into inPairs
		isDiff bool
	}
	var vins []vin
	for c := range cols {
		if !used[c] {
			vins = append(vins, vin{orig: c, pair: -1})
		}
	}
	for p := range inPairs {
		vins = append(vins, vin{orig: -1, pair: p}, vin{orig: -1, pair: p, isDiff: true})
	}
	mv := make([][]float64, rows) // coefficients on virtual inputs
	for r := range rows {
		mv[r] = make([]float64, len(vins))
		for k, vi := range vins {
			switch {
			case vi.orig >= 0:
				mv[r][k] = m[r][vi.orig]
			default:
				p := inPairs[vi.pair]
				x, y := m[r][p.a], m[r][p.b]
				if x == y && !vi.isDiff {
					mv[r][k] = x
				} else if x == -y && x != 0 && vi.isDiff {
					mv[r][k] = x
				}
			}
		}
	}
	// Row pairs on the virtual matrix.
	rowPair := make([]int, rows)
	for r := range rowPair {
		rowPair[r] = -1
	}
	for r1 := range rows {
		for r2 := r1 + 1; r2 < rows && rowPair[r1] < 0; r2++ {
			if rowPair[r2] >= 0 {
				continue
			}
			ok, nz := true, 0
			for k := range mv[r1] {
				x, y := mv[r1][k], mv[r2][k]
				if x != y && x != -y {
					ok = false
					break
				}
				if x != 0 {
					nz++
				}
			}
			if ok && nz > 1 {
				rowPair[r1], rowPair[r2] = r2, r1
			}
		}
	}
	return func(x []*graph.Node) []*graph.Node {
		// Materialise the virtual inputs lazily.
		cache := make([]*graph.Node, len(vins))
		get := func(k int) *graph.Node {
			if cache[k] == nil {
				vi := vins[k]
				if vi.orig >= 0 {
					cache[k] = x[vi.orig]
				} else {
					p := inPairs[vi.pair]
					if vi.isDiff {
						cache[k] = graph.Sub(x[p.a], x[p.b])
					} else {
						cache[k] = graph.Add(x[p.a], x[p.b])
					}
				}
			}
			return cache[k]
		}
		out := make([]*graph.Node, rows)
		for r := range rows {
			if out[r] != nil {
				continue
			}
			if r2 := rowPair[r]; r2 >= 0 {
				even, odd := make([]float64, len(vins)), make([]float64, len(vins))
				for k := range vins {
					if mv[r][k] == mv[r2][k] {
						even[k] = mv[r][k]
					} else {
						odd[k] = mv[r][k]
					}
				}
				e, o := groupedSum(get, even), groupedSum(get, odd)
				switch {
				case o == nil:
					out[r], out[r2] = e, e
				case e == nil:
					out[r], out[r2] = o, graph.Neg(o)
				default:
					out[r], out[r2] = graph.Add(e, o), graph.Sub(e, o)
				}
				continue
			}
			out[r] = groupedSum(get, mv[r])
		}
		return out
	}
}

// groupedSum returns Σ_k coef[k]*get(k) with one multiplication per distinct |coef| (nil if all
// coefficients are zero).
func groupedSum(get func(int) *graph.Node, coef []float64) *graph.Node {
	var mags []float64
	for _, c := range coef {
		if c != 0 && !slices.Contains(mags, math.Abs(c)) {
			mags = append(mags, math.Abs(c))
		}
	}
	var acc *graph.Node
	for _, mag := range mags {
		// Group sum with signs; start from a positive term when there is one.
		var part *graph.Node
		neg := false
		order := make([]int, 0, len(coef))
		for k, c := range coef {
			if math.Abs(c) == mag && c > 0 {
				order = append(order, k)
			}
		}
		for k, c := range coef {
			if math.Abs(c) == mag && c < 0 {
				order = append(order, k)
			}
		}
		for _, k := range order {
			switch {
			case part == nil:
				part, neg = get(k), coef[k] < 0
			case (coef[k] < 0) == neg:
				part = graph.Add(part, get(k))
			default:
				part = graph.Sub(part, get(k))
			}
		}
		// part * (neg ? -mag : mag)
		scale := mag
		if mag != 1 {
			part = graph.MulScalar(part, scale)
		}
		switch {
		case acc == nil && neg:
			acc = graph.Neg(part)
		case acc == nil:
			acc = part
		case neg:
			acc = graph.Sub(acc, part)
		default:
			acc = graph.Add(acc, part)
		}
	}
	return acc
}
