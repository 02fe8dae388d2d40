package fastgo

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestGatherAndGradient checks graph.Gather (rows of the first k axes) and its gradient (a
// ScatterSum of the output gradient) against their definitions, with repeated and
// out-of-range (clamped) indices.
func TestGatherAndGradient(t *testing.T) {
	b := installedBackend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	dims := []int{5, 4, 3} // operand
	n := 5 * 4 * 3
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()
	}
	g0, s0 := hits.gather.Load(), hits.scatter.Load()
	defer func() {
		if hits.gather.Load() == g0 || hits.scatter.Load() == s0 {
			t.Error("the fast gather/scatter paths were not used")
		}
	}()
	for _, k := range []int{1, 2} {
		rows := 7
		idx := make([]int32, rows*k)
		for i := range idx {
			idx[i] = int32(rng.IntN(dims[i%k] + 1)) // dims[a] itself is out of range: clamped
		}
		w := make([]float32, rows*n/(dims[0]*(map[bool]int{true: dims[1], false: 1}[k == 2])))
		for i := range w {
			w[i] = rng.Float32()
		}
		e, err := graph.NewExec(b, func(xn, in, wn *graph.Node) []*graph.Node {
			g := graph.Gather(xn, in)
			loss := graph.ReduceAllSum(graph.Mul(graph.Reshape(g, wn.Shape().Dimensions...), wn))
			return []*graph.Node{g, graph.Gradient(loss, xn)[0]}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Exec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(idx, rows, k), tensors.FromFlatDataAndDimensions(w, len(w)))
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](out[0])
		grad := tensors.MustCopyFlatData[float32](out[1])
		block := n
		for a := 0; a < k; a++ {
			block /= dims[a]
		}
		wantGrad := make([]float32, n)
		for r := 0; r < rows; r++ {
			off := 0
			stride := n / dims[0] / block
			for a := 0; a < k; a++ {
				v := min(int(idx[r*k+a]), dims[a]-1)
				if a == 0 {
					off += v * stride
				} else {
					off += v
				}
			}
			if k == 1 {
				off = min(int(idx[r]), dims[0]-1)
			}
			for j := 0; j < block; j++ {
				if got[r*block+j] != x[off*block+j] {
					t.Fatalf("k=%d: gather row %d value %d = %v, want %v", k, r, j, got[r*block+j], x[off*block+j])
				}
				wantGrad[off*block+j] += w[r*block+j]
			}
		}
		for i := range grad {
			if d := grad[i] - wantGrad[i]; d > 1e-6 || d < -1e-6 {
				t.Fatalf("k=%d: gradient[%d] = %v, want %v", k, i, grad[i], wantGrad[i])
			}
		}
	}
}

// TestGatherScatterParallel runs the gather and its gradient at a size that is split across
// goroutines: the gather equals the rows it names and the scatter equals the sequential sum in
// the updates' order, bit for bit (each destination row is summed by one goroutine, in order).
func TestGatherScatterParallel(t *testing.T) {
	b := installedBackend(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const rowsIn, rows = 3000, 40000
	for _, block := range []int{16, 19, 32, 64, 5} { // the fixed-size row copies and the general one
		x := randSlice(rng, rowsIn*block)
		w := randSlice(rng, rows*block)
		idx := make([]int32, rows)
		for i := range idx {
			idx[i] = int32(rng.IntN(rowsIn))
		}
		e, err := graph.NewExec(b, func(xn, in, wn *graph.Node) []*graph.Node {
			g := graph.Gather(xn, in)
			loss := graph.ReduceAllSum(graph.Mul(g, wn))
			return []*graph.Node{g, graph.Gradient(loss, xn)[0]}
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Exec(tensors.FromFlatDataAndDimensions(x, rowsIn, block), tensors.FromFlatDataAndDimensions(idx, rows, 1), tensors.FromFlatDataAndDimensions(w, rows, block))
		if err != nil {
			t.Fatal(err)
		}
		got, grad := tensors.MustCopyFlatData[float32](out[0]), tensors.MustCopyFlatData[float32](out[1])
		want := make([]float32, rowsIn*block)
		for r, o := range idx {
			for j := 0; j < block; j++ {
				if g := got[r*block+j]; g != x[int(o)*block+j] {
					t.Fatalf("block %d: gather row %d value %d = %v, want %v", block, r, j, g, x[int(o)*block+j])
				}
				want[int(o)*block+j] += w[r*block+j]
			}
		}
		for i := range want {
			if grad[i] != want[i] {
				t.Fatalf("gradient[%d] = %v, want %v (the sequential sum)", i, grad[i], want[i])
			}
		}
	}
}

// TestConstantIndexOffsetsCached gathers with a constant index tensor (as im2col does) twice:
// the second execution reads the cached row offsets and gives the same rows.
func TestConstantIndexOffsetsCached(t *testing.T) {
	b := installedBackend(t)
	if !nodeOff.ok {
		t.Fatal("simplego.Node fields for the offset cache not found")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	idx := make([][]int32, 500)
	for i := range idx {
		idx[i] = []int32{int32(rng.IntN(40))}
	}
	e, err := graph.NewExec(b, func(xn *graph.Node) *graph.Node { return graph.Gather(xn, graph.Const(xn.Graph(), idx)) })
	if err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		offsetCache.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	before := count()
	for run := 0; run < 2; run++ {
		x := randSlice(rng, 40*8)
		got := tensors.MustCopyFlatData[float32](e.MustExec1(tensors.FromFlatDataAndDimensions(x, 40, 8)))
		for r, row := range idx {
			for j := 0; j < 8; j++ {
				if got[r*8+j] != x[int(row[0])*8+j] {
					t.Fatalf("run %d: row %d value %d = %v, want %v", run, r, j, got[r*8+j], x[int(row[0])*8+j])
				}
			}
		}
	}
	if count() != before+1 {
		t.Errorf("offset cache holds %d entries, want %d (one for the gather node)", count(), before+1)
	}
}
