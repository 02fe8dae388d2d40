package fastgo

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestInstalls(t *testing.T) {
	active, why := Install()
	if !active {
		t.Fatalf("not installed: %s", why)
	}
}

// naive computes DotGeneral by definition: out[b..., lc..., rc...] = sum_k lhs * rhs.
func naive(l []float32, ld []int, r []float32, rd []int, lc, lb, rc, rb []int) ([]float32, []int) {
	kind := func(rank int, c, b []int) []int {
		k := make([]int, rank)
		for _, a := range c {
			k[a] = 1
		}
		for _, a := range b {
			k[a] = 2
		}
		return k
	}
	lk, rk := kind(len(ld), lc, lb), kind(len(rd), rc, rb)
	var lcross, rcross []int
	for a, v := range lk {
		if v == 0 {
			lcross = append(lcross, a)
		}
	}
	for a, v := range rk {
		if v == 0 {
			rcross = append(rcross, a)
		}
	}
	var outDims []int
	for _, a := range lb {
		outDims = append(outDims, ld[a])
	}
	for _, a := range lcross {
		outDims = append(outDims, ld[a])
	}
	for _, a := range rcross {
		outDims = append(outDims, rd[a])
	}
	var kdims []int
	for _, a := range lc {
		kdims = append(kdims, ld[a])
	}
	size := func(d []int) int {
		n := 1
		for _, x := range d {
			n *= x
		}
		return n
	}
	flat := func(idx, dims []int) int {
		f := 0
		for i, d := range dims {
			f = f*d + idx[i]
		}
		return f
	}
	unflat := func(f int, dims []int) []int {
		idx := make([]int, len(dims))
		for i := len(dims) - 1; i >= 0; i-- {
			idx[i] = f % dims[i]
			f /= dims[i]
		}
		return idx
	}
	out := make([]float32, size(outDims))
	li, ri := make([]int, len(ld)), make([]int, len(rd))
	for o := range out {
		oi := unflat(o, outDims)
		p := 0
		for i, a := range lb {
			li[a], ri[rb[i]] = oi[p], oi[p]
			p++
		}
		for _, a := range lcross {
			li[a] = oi[p]
			p++
		}
		for _, a := range rcross {
			ri[a] = oi[p]
			p++
		}
		var sum float64
		for k := 0; k < size(kdims); k++ {
			ki := unflat(k, kdims)
			for i, a := range lc {
				li[a], ri[rc[i]] = ki[i], ki[i]
			}
			sum += float64(l[flat(li, ld)]) * float64(r[flat(ri, rd)])
		}
		out[o] = float32(sum)
	}
	return out, outDims
}

func TestMatchesDefinition(t *testing.T) {
	b := installedBackend(t)
	cases := []struct {
		name           string
		ld, rd         []int
		lc, lb, rc, rb []int
	}{
		{"matmul", []int{5, 7}, []int{7, 3}, []int{1}, nil, []int{0}, nil},
		{"lhs transposed", []int{7, 5}, []int{7, 3}, []int{0}, nil, []int{0}, nil},
		{"rhs transposed", []int{5, 7}, []int{3, 7}, []int{1}, nil, []int{1}, nil},
		{"batched", []int{4, 5, 7}, []int{4, 7, 3}, []int{2}, []int{0}, []int{1}, []int{0}},
		{"batch in the middle", []int{5, 4, 7}, []int{7, 4, 3}, []int{2}, []int{1}, []int{0}, []int{1}},
		{"two contracting axes, swapped order", []int{3, 4, 5}, []int{5, 2, 4}, []int{1, 2}, nil, []int{2, 0}, nil},
		{"conv-like im2col", []int{2, 6, 6, 27}, []int{27, 16}, []int{3}, nil, []int{0}, nil},
		{"large, parallel", []int{300, 200}, []int{200, 150}, []int{1}, nil, []int{0}, nil},
		{"many small batches", []int{36, 20, 16}, []int{36, 16, 8}, []int{2}, []int{0}, []int{1}, []int{0}},
	}
	d0 := hits.dot.Load()
	defer func() {
		if hits.dot.Load() == d0 {
			t.Error("the fast DotGeneral was not used")
		}
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(dims []int) []float32 {
		n := 1
		for _, d := range dims {
			n *= d
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = rng.Float32()*2 - 1
		}
		return x
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, r := fill(tc.ld), fill(tc.rd)
			want, wantDims := naive(l, tc.ld, r, tc.rd, tc.lc, tc.lb, tc.rc, tc.rb)
			e, err := graph.NewExec(b, func(x, y *graph.Node) *graph.Node {
				return graph.DotGeneral(x, tc.lc, tc.lb, y, tc.rc, tc.rb)
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := e.Exec1(tensors.FromFlatDataAndDimensions(l, tc.ld...), tensors.FromFlatDataAndDimensions(r, tc.rd...))
			if err != nil {
				t.Fatal(err)
			}
			if got := out.Shape().Dimensions; len(got) != len(wantDims) {
				t.Fatalf("shape %v, want %v", got, wantDims)
			}
			got := tensors.MustCopyFlatData[float32](out)
			var worst float64
			for i := range want {
				worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
			}
			if worst > 1e-4 {
				t.Errorf("max abs error %g", worst)
			}
		})
	}
}

func TestTranspose(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5} // [2,3]
	got := transpose(x, []int{2, 3}, []int{1, 0})
	want := []float32{0, 3, 1, 4, 2, 5}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("transpose = %v, want %v", got, want)
		}
	}
}

func TestGoModPinsVersion(t *testing.T) {
	b, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "github.com/gomlx/gomlx "+GoMLXVersion) {
		t.Fatalf("go.mod does not require github.com/gomlx/gomlx %s; review fastgo's use of simplego internals before upgrading", GoMLXVersion)
	}
}

// TestGemmBatchedPaths checks the batched entry point (the one DotGeneral calls) against one
// kernels.Sgemm per batch item, bit for bit, on this process's SGEMM path, with batches small
// enough to be split among goroutines and large enough to run in order.
func TestGemmBatchedPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][4]int{{3, 29, 21, 45}, {2, 70, 64, 90}} {
		batch, m, n, k := s[0], s[1], s[2], s[3]
		a, b := randSlice(rng, batch*m*k), randSlice(rng, batch*k*n)
		c := make([]float32, batch*m*n)
		gemmBatched(batch, m, n, k, a, false, b, false, c)
		for i := 0; i < batch; i++ {
			want := make([]float32, m*n)
			kernels.Sgemm(m, n, k, a[i*m*k:(i+1)*m*k], false, b[i*k*n:(i+1)*k*n], false, want)
			for j, w := range want {
				if got := c[i*m*n+j]; math.Float32bits(got) != math.Float32bits(w) {
					t.Fatalf("%v: batch %d, %d: %v, one Sgemm gives %v (path %s)", s, i, j, got, w, KernelName())
				}
			}
		}
	}
}

// randSlice is n values uniform in [-1, 1).
func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}
