package fastgo

import (
	"reflect"
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// The row offsets of a Gather or ScatterSum are a function of its index tensor alone. The
// index tensors of im2col, pooling and resizing are graph constants, so their offsets are
// the same at every execution of a compiled graph: they are computed once per node and kept
// while the node lives (weakly keyed, dropped when the compiled graph is collected).

var (
	nodeOff struct {
		inputs, opType uintptr
		ok             bool
	}
	offsetCache sync.Map // weak.Pointer[simplego.Node] -> []int
)

// findNodeOffsets locates the Node fields the cache reads; the cache stays off if they differ.
func findNodeOffsets() {
	t := reflect.TypeOf(simplego.Node{})
	in, ok1 := t.FieldByName("inputs")
	op, ok2 := t.FieldByName("opType")
	if !ok1 || !ok2 || in.Type != reflect.TypeOf([]*simplego.Node(nil)) || op.Type != reflect.TypeOf(backends.OpType(0)) {
		return
	}
	nodeOff.inputs, nodeOff.opType, nodeOff.ok = in.Offset, op.Offset, true
}

// constantIndices reports whether input i of node is a graph constant.
func constantInput(node *simplego.Node, i int) bool {
	if !nodeOff.ok {
		return false
	}
	inputs := *(*[]*simplego.Node)(unsafe.Add(unsafe.Pointer(node), nodeOff.inputs))
	if i >= len(inputs) || inputs[i] == nil {
		return false
	}
	return *(*backends.OpType)(unsafe.Add(unsafe.Pointer(inputs[i]), nodeOff.opType)) == backends.OpTypeConstant
}

// cachedRowOffsets is rowOffsets of the node's index input (input idx), cached when that
// input is a constant.
func cachedRowOffsets(node *simplego.Node, idx int, indices any, k int, strides, dims []int) ([]int, bool) {
	if !constantInput(node, idx) {
		return rowOffsets(indices, k, strides, dims)
	}
	key := weak.Make(node)
	if v, ok := offsetCache.Load(key); ok {
		return v.([]int), true
	}
	offsets, ok := rowOffsets(indices, k, strides, dims)
	if !ok {
		return nil, false
	}
	if _, loaded := offsetCache.LoadOrStore(key, offsets); !loaded {
		runtime.AddCleanup(node, func(k weak.Pointer[simplego.Node]) { offsetCache.Delete(k) }, key)
	}
	return offsets, true
}
