// Package fastgo gives GoMLX's pure-Go backend (simplego, v0.26.0) faster executors for the ops
// that dominate dast's training steps: float32 DotGeneral on a packed SGEMM with AVX-512 or
// AVX2/FMA micro-kernels chosen by CPUID (gonum's SGEMM elsewhere), float32 convolutions in
// core/nn's layouts as implicit-GEMM products on the same micro-kernels, the row Gather /
// ScatterSum pattern of im2col, Winograd tiling, pooling and resizing as block copies, and the
// elementwise ops, broadcasts and reductions of the losses split across the CPUs with vector
// kernels. docs/ARCHITECTURE.md lists them.
//
// simplego computes every op with generic loops on one goroutine (its DotGeneral at 3-6
// GFLOP/s). GoMLX v0.26 offers no public hook for an executor, so Install swaps entries of
// simplego's table of node executors (reached with go:linkname) and reads the nodes'
// parameters through reflection-checked field offsets. This is deliberately defensive:
//
//   - it refuses any GoMLX version but the one it was written for, and installs only after every
//     struct field it reads has been found with the expected type; otherwise it leaves simplego
//     untouched and says why (Status);
//   - any op it does not handle (other dtypes, other layouts) goes to simplego's own executor;
//   - every executor but DotGeneral is tested bit for bit against simplego's own, the SGEMM
//     paths against a float64 definition, and core/nn's golden and gradient tests run through
//     all of it.
//
// Set DAST_FAST_DOT=0 to keep GoMLX's kernels, DAST_SGEMM to force an SGEMM path.
package fastgo

import (
	"fmt"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// GoMLXVersion is the only GoMLX version whose internals this package knows.
const GoMLXVersion = "v0.26.0"

type executor func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error)

//go:linkname nodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var nodeExecutors [backends.OpTypeLast]executor

//go:linkname getBufferForShape github.com/gomlx/gomlx/backends/simplego.(*Backend).getBufferForShape
func getBufferForShape(b *simplego.Backend, shape shapes.Shape) *simplego.Buffer

// field offsets, found by reflection at install time.
var off struct {
	nodeShape, nodeData       uintptr
	bufShape, bufFlat         uintptr
	lhsC, lhsB, rhsC, rhsB    uintptr
	batch, lhsCross, rhsCross uintptr
	contracting               uintptr
	paramsType                reflect.Type
}

var (
	once   sync.Once
	status string
	stock  executor
)

// Install puts the fast kernel in place (once per process) and reports whether it is active.
func Install() (active bool, why string) {
	once.Do(func() {
		if v := os.Getenv("DAST_FAST_DOT"); v == "0" || v == "false" {
			status = "disabled by DAST_FAST_DOT=" + v
			return
		}
		// Test binaries carry no module versions ("unknown"); go.mod pins the version and
		// TestGoModPinsVersion checks it, and the field checks below apply in every case.
		if v := gomlxVersion(); v != GoMLXVersion && v != "unknown" {
			status = fmt.Sprintf("GoMLX %s is not %s, whose internals this kernel was written for", v, GoMLXVersion)
			return
		}
		if err := findOffsets(); err != nil {
			status = "simplego internals differ: " + err.Error()
			return
		}
		stock = nodeExecutors[backends.OpTypeDotGeneral]
		stockGather = nodeExecutors[backends.OpTypeGather]
		stockScatter = nodeExecutors[backends.OpTypeScatterSum]
		if stock == nil || stockGather == nil || stockScatter == nil {
			status = "simplego lacks a DotGeneral, Gather or ScatterSum executor"
			return
		}
		if err := findSparseOffsets(); err != nil {
			status = "simplego internals differ: " + err.Error()
			return
		}
		nodeExecutors[backends.OpTypeDotGeneral] = execDotGeneral
		nodeExecutors[backends.OpTypeGather] = execGather
		nodeExecutors[backends.OpTypeScatterSum] = execScatterSum
		installBinary()
		installElementwise()
		findNodeOffsets()
		var kept []string
		if err := installConv(); err != nil {
			kept = append(kept, "ConvGeneral kept stock: "+err.Error())
		}
		if err := installArgMax(); err != nil {
			kept = append(kept, "ArgMinMax kept stock: "+err.Error())
		}
		if err := installSlice(); err != nil {
			kept = append(kept, "Slice kept stock: "+err.Error())
		}
		status = "active"
		if len(kept) > 0 {
			status += " (" + strings.Join(kept, "; ") + ")"
		}
	})
	return strings.HasPrefix(status, "active"), status
}

// KernelActive reports whether one of dast's SIMD SGEMM kernels (AVX-512 or AVX2/FMA) computes
// DotGenerals in this process.
func KernelActive() bool { return kernels.Active() && strings.HasPrefix(status, "active") }

// KernelName names the SGEMM path of this process: "avx512", "avx2" or "gonum" (see
// kernels.Name).
func KernelName() string { return kernels.Name() }

// Status says whether the kernel is installed, and why not.
func Status() string {
	s := status
	if s == "" {
		s = "not installed"
	}
	s += "; sgemm " + KernelName()
	if note := kernels.Note(); note != "" {
		s += " (" + note + ")"
	}
	return s
}

func gomlxVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/gomlx/gomlx" {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}

func fieldOffset(t reflect.Type, name string, want reflect.Type) (uintptr, error) {
	f, ok := t.FieldByName(name)
	if !ok {
		return 0, fmt.Errorf("%s has no field %s", t, name)
	}
	if f.Type != want {
		return 0, fmt.Errorf("%s.%s is %s, want %s", t, name, f.Type, want)
	}
	return f.Offset, nil
}

// offsets looks up struct field offsets, keeping the first error.
type offsets struct{ err error }

func (o *offsets) find(dst *uintptr, t reflect.Type, name string, want reflect.Type) {
	if o.err == nil {
		*dst, o.err = fieldOffset(t, name, want)
	}
}

// paramsType is the type of a probe node's parameters, which must be a pointer to a struct.
func paramsType(op any) (reflect.Type, error) {
	n, ok := op.(*simplego.Node)
	if !ok {
		return nil, fmt.Errorf("op is %T, not *simplego.Node", op)
	}
	t := reflect.TypeOf(nodeData(n))
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("node data is %v, want a pointer to a struct", t)
	}
	return t, nil
}

// probe builds op on a scratch pure-Go backend from a float32 parameter x of the given
// dimensions and returns the type of the parameters of the node it returns (paramsType):
// simplego's parameter structs are unexported, and a probe node is the only way to reach them.
func probe(name string, dims []int, op func(bld backends.Builder, x backends.Op) (backends.Op, error)) (reflect.Type, error) {
	b, err := simplego.New("")
	if err != nil {
		return nil, err
	}
	defer b.Finalize()
	bld := b.Builder("fastgo-" + name + "-probe")
	x, err := bld.Parameter("x", shapes.Make(dtypes.Float32, dims...), nil)
	if err != nil {
		return nil, err
	}
	node, err := op(bld, x)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t, err := paramsType(node)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

func findOffsets() error {
	anyT := reflect.TypeOf((*any)(nil)).Elem()
	shapeT := reflect.TypeOf(shapes.Shape{})
	intsT := reflect.TypeOf([]int(nil))
	intT := reflect.TypeOf(0)
	var o offsets
	node := reflect.TypeOf(simplego.Node{})
	buf := reflect.TypeOf(simplego.Buffer{})
	o.find(&off.nodeShape, node, "shape", shapeT)
	o.find(&off.nodeData, node, "data", anyT)
	o.find(&off.bufShape, buf, "shape", shapeT)
	o.find(&off.bufFlat, buf, "flat", anyT)
	if o.err != nil {
		return o.err
	}
	// The parameters' type is only reachable through a DotGeneral node: build one.
	b, berr := simplego.New("")
	if berr != nil {
		return berr
	}
	defer b.Finalize()
	bld := b.Builder("fastgo-dot-probe")
	x, perr := bld.Parameter("x", shapes.Make(dtypes.Float32, 2, 3), nil)
	if perr != nil {
		return perr
	}
	y, derr := bld.DotGeneral(x, []int{1}, nil, x, []int{1}, nil)
	if derr != nil {
		return derr
	}
	// DotGeneral returns a Reshape of the DotGeneral node; its input is the node we want.
	out := y.(*simplego.Node)
	inputs, ierr := nodeInputs(out)
	if ierr != nil {
		return ierr
	}
	if len(inputs) != 1 {
		return fmt.Errorf("DotGeneral builds %d inputs to its reshape, want 1", len(inputs))
	}
	pt, err := paramsType(inputs[0])
	if err != nil {
		return fmt.Errorf("DotGeneral: %w", err)
	}
	off.paramsType = pt
	p := pt.Elem()
	o.find(&off.lhsC, p, "lhsContractingAxes", intsT)
	o.find(&off.lhsB, p, "lhsBatchAxes", intsT)
	o.find(&off.rhsC, p, "rhsContractingAxes", intsT)
	o.find(&off.rhsB, p, "rhsBatchAxes", intsT)
	o.find(&off.batch, p, "batchSize", intT)
	o.find(&off.lhsCross, p, "lhsCrossSize", intT)
	o.find(&off.rhsCross, p, "rhsCrossSize", intT)
	o.find(&off.contracting, p, "contractingSize", intT)
	return o.err
}

func nodeInputs(n *simplego.Node) ([]*simplego.Node, error) {
	f, ok := reflect.TypeOf(simplego.Node{}).FieldByName("inputs")
	if !ok || f.Type != reflect.TypeOf([]*simplego.Node(nil)) {
		return nil, fmt.Errorf("simplego.Node has no inputs []*Node field")
	}
	return *(*[]*simplego.Node)(unsafe.Add(unsafe.Pointer(n), f.Offset)), nil
}

func nodeData(n *simplego.Node) any {
	return *(*any)(unsafe.Add(unsafe.Pointer(n), off.nodeData))
}

func nodeShape(n *simplego.Node) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(n), off.nodeShape))
}

type params struct {
	lhsC, lhsB, rhsC, rhsB       []int
	batch, lhsCross, rhsCross, k int
}

func readParams(node *simplego.Node) (params, bool) {
	data := *(*any)(unsafe.Add(unsafe.Pointer(node), off.nodeData))
	if reflect.TypeOf(data) != off.paramsType {
		return params{}, false
	}
	p := reflect.ValueOf(data).UnsafePointer()
	ints := func(o uintptr) []int { return *(*[]int)(unsafe.Add(p, o)) }
	one := func(o uintptr) int { return *(*int)(unsafe.Add(p, o)) }
	return params{lhsC: ints(off.lhsC), lhsB: ints(off.lhsB), rhsC: ints(off.rhsC), rhsB: ints(off.rhsB),
		batch: one(off.batch), lhsCross: one(off.lhsCross), rhsCross: one(off.rhsCross), k: one(off.contracting)}, true
}

func bufShape(b *simplego.Buffer) shapes.Shape {
	return *(*shapes.Shape)(unsafe.Add(unsafe.Pointer(b), off.bufShape))
}

func bufFlat(b *simplego.Buffer) any {
	return *(*any)(unsafe.Add(unsafe.Pointer(b), off.bufFlat))
}

// execDotGeneral computes a float32 DotGeneral with SGEMM; other dtypes go to simplego.
func execDotGeneral(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	lhsBuf, rhsBuf := inputs[0], inputs[1]
	lhs, ok1 := bufFlat(lhsBuf).([]float32)
	rhs, ok2 := bufFlat(rhsBuf).([]float32)
	p, ok3 := readParams(node)
	if !ok1 || !ok2 || !ok3 {
		return stock(b, node, inputs, owned)
	}
	hits.dot.Add(1)
	outShape := nodeShape(node)
	out := getBufferForShape(b, outShape)
	c, ok := bufFlat(out).([]float32)
	if !ok || len(c) != p.batch*p.lhsCross*p.rhsCross {
		return nil, fmt.Errorf("fastgo: DotGeneral output buffer of %s has %d values, want %d", outShape, len(c), p.batch*p.lhsCross*p.rhsCross)
	}
	ls, rs := bufShape(lhsBuf), bufShape(rhsBuf)
	// lhs as [B, M, K] (or [B, K, M]) and rhs as [B, K, N] (or [B, N, K]), transposing into
	// scratch memory only when the operand's axes are in neither order.
	a, transA := operand(lhs, ls.Dimensions, p.lhsB, p.lhsC, false)
	bb, transB := operand(rhs, rs.Dimensions, p.rhsB, p.rhsC, true)
	gemmBatched(p.batch, p.lhsCross, p.rhsCross, p.k, a, transA, bb, transB, c)
	if !sameArray(a, lhs) {
		kernels.PutScratch(a)
	}
	if !sameArray(bb, rhs) {
		kernels.PutScratch(bb)
	}
	return out, nil
}

// operand returns x laid out as [batch, cross, contracting] (trans = false for lhs) or
// [batch, contracting, cross]; for the rhs (isRHS) the preferred layout is
// [batch, contracting, cross] (trans = false) and the other is [batch, cross, contracting].
func operand(x []float32, dims, batchAxes, contractAxes []int, isRHS bool) ([]float32, bool) {
	rank := len(dims)
	kind := make([]int, rank) // 0 cross, 1 contracting, 2 batch
	for _, a := range contractAxes {
		kind[a] = 1
	}
	for _, a := range batchAxes {
		kind[a] = 2
	}
	var cross []int
	for a := 0; a < rank; a++ {
		if kind[a] == 0 {
			cross = append(cross, a)
		}
	}
	bck := concat(batchAxes, cross, contractAxes) // [B, cross, K]
	bkc := concat(batchAxes, contractAxes, cross) // [B, K, cross]
	switch {
	case isIdentity(bck):
		return x, isRHS // lhs: NoTrans; rhs [B,N,K]: Trans
	case isIdentity(bkc):
		return x, !isRHS // lhs [B,K,M]: Trans; rhs [B,K,N]: NoTrans
	}
	// Copy into [B, cross, K].
	return transpose(x, dims, bck), isRHS
}

func concat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func isIdentity(perm []int) bool {
	for i, p := range perm {
		if p != i {
			return false
		}
	}
	return true
}

// transpose returns x (row-major with dims) with its axes permuted: out axis i = in axis perm[i].
func transpose(x []float32, dims, perm []int) []float32 {
	rank := len(dims)
	out := kernels.GetScratch(len(x))
	if len(x) == 0 {
		return out
	}
	inStrides := make([]int, rank)
	s := 1
	for a := rank - 1; a >= 0; a-- {
		inStrides[a] = s
		s *= dims[a]
	}
	outDims := make([]int, rank)
	strides := make([]int, rank) // input stride of each output axis
	for i, a := range perm {
		outDims[i] = dims[a]
		strides[i] = inStrides[a]
	}
	// Iterate the output in order; the innermost output axis is a strided run of the input.
	inner := outDims[rank-1]
	innerStride := strides[rank-1]
	idx := make([]int, rank)
	src := 0
	for o := 0; o < len(out); o += inner {
		for j := 0; j < inner; j++ {
			out[o+j] = x[src+j*innerStride]
		}
		for a := rank - 2; a >= 0; a-- {
			idx[a]++
			src += strides[a]
			if idx[a] < outDims[a] {
				break
			}
			src -= strides[a] * outDims[a]
			idx[a] = 0
		}
	}
	return out
}

// gemmBatched computes c[b] = op(a[b]) * op(bm[b]) for every batch b: c is [B, M, N], on
// kernels.Sgemm. Large products parallelise themselves; a batch of small ones is split among
// the CPUs by item (each item computed whole by one goroutine, so the bits do not change).
func gemmBatched(batch, m, n, k int, a []float32, transA bool, bm []float32, transB bool, c []float32) {
	one := func(i int) {
		ai, bi, ci := a[i*m*k:(i+1)*m*k], bm[i*k*n:(i+1)*k*n], c[i*m*n:(i+1)*m*n]
		kernels.Sgemm(m, n, k, ai, transA, bi, transB, ci)
	}
	grain := batch // one goroutine: each product splits itself
	if m*n*k < 1<<18 {
		grain = 1
	}
	kernels.ParallelFor(batch, grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			one(i)
		}
	})
}

// sameArray reports whether x is y itself (not a transposed copy).
func sameArray(x, y []float32) bool {
	return len(x) == 0 || len(y) == 0 || &x[0] == &y[0]
}
