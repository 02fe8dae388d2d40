package fastgo

import (
	"fmt"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// hits counts the ops the fast paths computed (for tests).
var hits struct{ dot, gather, scatter, binary, slice, elementwise, conv atomic.Int64 }

var (
	stockGather, stockScatter executor
	sparseOff                 struct {
		gatherType, scatterType reflect.Type
		// gatherNode
		gIndexAxis, gOffsetAxes, gCollapsed, gStartMap, gSliceSizes uintptr
		// scatterNode
		sIndexAxis, sUpdateWindow, sInserted, sToOperand uintptr
	}
)

// findSparseOffsets builds a Gather and a ScatterSum node to learn their parameter types.
func findSparseOffsets() error {
	// A row gather of x [4, 3] at indices [2, 1], and the scatter of its rows back.
	gather := func(bld backends.Builder, x backends.Op) (idx, g backends.Op, err error) {
		if idx, err = bld.Parameter("i", shapes.Make(dtypes.Int32, 2, 1), nil); err != nil {
			return nil, nil, err
		}
		g, err = bld.Gather(x, idx, 1, []int{1}, []int{0}, []int{0}, []int{1, 3}, false)
		return idx, g, err
	}
	var err error
	sparseOff.gatherType, err = probe("gather", []int{4, 3}, func(bld backends.Builder, x backends.Op) (backends.Op, error) {
		_, g, err := gather(bld, x)
		return g, err
	})
	if err != nil {
		return err
	}
	sparseOff.scatterType, err = probe("scatter", []int{4, 3}, func(bld backends.Builder, x backends.Op) (backends.Op, error) {
		idx, g, err := gather(bld, x)
		if err != nil {
			return nil, err
		}
		return bld.ScatterSum(x, idx, g, 1, []int{1}, []int{0}, []int{0}, false, false)
	})
	if err != nil {
		return err
	}
	intsT, intT := reflect.TypeOf([]int(nil)), reflect.TypeOf(0)
	gt, st := sparseOff.gatherType.Elem(), sparseOff.scatterType.Elem()
	var o offsets
	o.find(&sparseOff.gIndexAxis, gt, "indexVectorAxis", intT)
	o.find(&sparseOff.gOffsetAxes, gt, "offsetOutputAxes", intsT)
	o.find(&sparseOff.gCollapsed, gt, "collapsedSlicesAxes", intsT)
	o.find(&sparseOff.gStartMap, gt, "startIndexMap", intsT)
	o.find(&sparseOff.gSliceSizes, gt, "sliceSizes", intsT)
	o.find(&sparseOff.sIndexAxis, st, "indexVectorAxis", intT)
	o.find(&sparseOff.sUpdateWindow, st, "updateWindowAxes", intsT)
	o.find(&sparseOff.sInserted, st, "insertedWindowAxes", intsT)
	o.find(&sparseOff.sToOperand, st, "scatterAxesToOperandAxes", intsT)
	return o.err
}

func isRange(a []int, start, n int) bool {
	if len(a) != n {
		return false
	}
	for i, v := range a {
		if v != start+i {
			return false
		}
	}
	return true
}

// rowLayout checks the "row" pattern of graph.Gather and its gradient: an index vector (the
// last axis of the indices, of length k) addresses the first k axes of the operand, and each
// index copies the whole trailing block of the operand (block values). It returns the
// operand's strides over its first k axes, in blocks.
func rowLayout(operand shapes.Shape, indices shapes.Shape, indexAxis int, mapped, collapsed []int) (k, block int, strides []int, ok bool) {
	ir := indices.Rank()
	if ir == 0 || indexAxis != ir-1 {
		return 0, 0, nil, false
	}
	k = indices.Dimensions[ir-1]
	if k < 1 || k > operand.Rank() || !isRange(mapped, 0, k) || !isRange(collapsed, 0, k) {
		return 0, 0, nil, false
	}
	block = 1
	for _, d := range operand.Dimensions[k:] {
		block *= d
	}
	strides = make([]int, k)
	s := 1
	for a := k - 1; a >= 0; a-- {
		strides[a] = s
		s *= operand.Dimensions[a]
	}
	return k, block, strides, true
}

// rowOffsets turns the index vectors into block offsets, clamping each index to its axis (the
// XLA semantics of out-of-range start indices).
func rowOffsets(indices any, k int, strides, dims []int) ([]int, bool) {
	switch x := indices.(type) {
	case []int32:
		return rowOffsetsOf(x, k, strides, dims), true
	case []int64:
		return rowOffsetsOf(x, k, strides, dims), true
	}
	return nil, false
}

func rowOffsetsOf[T int32 | int64](x []T, k int, strides, dims []int) []int {
	out := make([]int, len(x)/k)
	kernels.ParallelFor(len(out), kernels.GrainFloats, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			o := 0
			for a := 0; a < k; a++ {
				v := min(max(int(x[r*k+a]), 0), dims[a]-1)
				o += v * strides[a]
			}
			out[r] = o
		}
	})
	return out
}

func ints(p unsafe.Pointer, o uintptr) []int { return *(*[]int)(unsafe.Add(p, o)) }

// execGather copies whole operand blocks for the row pattern; anything else goes to simplego.
func execGather(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	data := nodeData(node)
	operand, ok := bufFlat(inputs[0]).([]float32)
	if !ok || reflect.TypeOf(data) != sparseOff.gatherType {
		return stockGather(b, node, inputs, owned)
	}
	p := reflect.ValueOf(data).UnsafePointer()
	os, is := bufShape(inputs[0]), bufShape(inputs[1])
	k, block, strides, ok := rowLayout(os, is, *(*int)(unsafe.Add(p, sparseOff.gIndexAxis)), ints(p, sparseOff.gStartMap), ints(p, sparseOff.gCollapsed))
	out := nodeShape(node)
	if !ok || !isRange(ints(p, sparseOff.gOffsetAxes), out.Rank()-(os.Rank()-k), os.Rank()-k) {
		return stockGather(b, node, inputs, owned)
	}
	sizes := ints(p, sparseOff.gSliceSizes)
	for a, s := range sizes {
		if (a < k && s != 1) || (a >= k && s != os.Dimensions[a]) {
			return stockGather(b, node, inputs, owned)
		}
	}
	offsets, ok := cachedRowOffsets(node, 1, bufFlat(inputs[1]), k, strides, os.Dimensions)
	if !ok {
		return stockGather(b, node, inputs, owned)
	}
	hits.gather.Add(1)
	res := getBufferForShape(b, out)
	dst := bufFlat(res).([]float32)
	if len(dst) != len(offsets)*block {
		return nil, fmt.Errorf("fastgo: gather output %s has %d values, want %d", out, len(dst), len(offsets)*block)
	}
	kernels.ParallelFor(len(offsets), rowGrain(block), func(lo, hi int) { copyRows(dst, operand, offsets[lo:hi], lo, block) })
	return res, nil
}

// execScatterSum adds whole update blocks into a copy of the operand for the row pattern (the
// gradient of the row Gather); anything else goes to simplego.
func execScatterSum(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	data := nodeData(node)
	operand, ok1 := bufFlat(inputs[0]).([]float32)
	updates, ok2 := bufFlat(inputs[2]).([]float32)
	if !ok1 || !ok2 || reflect.TypeOf(data) != sparseOff.scatterType {
		return stockScatter(b, node, inputs, owned)
	}
	p := reflect.ValueOf(data).UnsafePointer()
	os, is, us := bufShape(inputs[0]), bufShape(inputs[1]), bufShape(inputs[2])
	k, block, strides, ok := rowLayout(os, is, *(*int)(unsafe.Add(p, sparseOff.sIndexAxis)), ints(p, sparseOff.sToOperand), ints(p, sparseOff.sInserted))
	if !ok || !isRange(ints(p, sparseOff.sUpdateWindow), us.Rank()-(os.Rank()-k), os.Rank()-k) {
		return stockScatter(b, node, inputs, owned)
	}
	offsets, ok := cachedRowOffsets(node, 1, bufFlat(inputs[1]), k, strides, os.Dimensions)
	if !ok || len(updates) != len(offsets)*block {
		return stockScatter(b, node, inputs, owned)
	}
	hits.scatter.Add(1)
	res := getBufferForShape(b, nodeShape(node))
	dst := bufFlat(res).([]float32)
	// Each goroutine owns a range of destination rows and applies, in the updates' order, the
	// updates that land there: the sums are the sequential ones, bit for bit, without locks.
	kernels.ParallelFor(len(dst)/max(block, 1), rowGrain(block), func(lo, hi int) {
		copy(dst[lo*block:hi*block], operand[lo*block:hi*block])
		for r, o := range offsets {
			if o < lo || o >= hi {
				continue
			}
			d := dst[o*block : (o+1)*block]
			u := updates[r*block : (r+1)*block]
			h := kernels.VecHead(d, d, u, backends.OpTypeAdd)
			for t := h; t < len(d); t++ {
				d[t] += u[t]
			}
		}
	})
	return res, nil
}

// copyRows copies rows operand[o*block:(o+1)*block] for o in offsets to consecutive rows of dst
// from row first. The blocks of im2col are a layer's channel count, often 16 to 64 floats:
// for those sizes a fixed-size array copy (a few vector moves, inlined) replaces the call to
// memmove per row.
func copyRows(dst, operand []float32, offsets []int, first, block int) {
	switch block {
	case 16:
		for i, o := range offsets {
			*(*[16]float32)(dst[(first+i)*16:]) = *(*[16]float32)(operand[o*16:])
		}
	case 19:
		for i, o := range offsets {
			*(*[19]float32)(dst[(first+i)*19:]) = *(*[19]float32)(operand[o*19:])
		}
	case 32:
		for i, o := range offsets {
			*(*[32]float32)(dst[(first+i)*32:]) = *(*[32]float32)(operand[o*32:])
		}
	case 64:
		for i, o := range offsets {
			*(*[64]float32)(dst[(first+i)*64:]) = *(*[64]float32)(operand[o*64:])
		}
	default:
		for i, o := range offsets {
			r := first + i
			copy(dst[r*block:(r+1)*block], operand[o*block:(o+1)*block])
		}
	}
}
