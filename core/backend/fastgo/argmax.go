package fastgo

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// The ArgMax of float32 into int32 (a segmentation's class prediction over the last axis, a
// max-pool window's first maximum) split across the CPUs, with a tight loop where the reduced
// axis is the last one; simplego keeps per-position running maxima in scratch buffers on one
// goroutine. The comparisons are simplego's (a later value wins when greater, or when it is
// NaN), so the indices are the same.

var (
	stockArgMinMax executor
	argOff         struct {
		typ         reflect.Type
		axis, isMin uintptr
	}
)

// installArgMax learns simplego's ArgMinMax parameters from a probe node and puts execArgMax in
// place.
func installArgMax() error {
	t, err := probe("argmax", []int{2, 3}, func(bld backends.Builder, x backends.Op) (backends.Op, error) {
		return bld.ArgMinMax(x, 1, dtypes.Int32, false)
	})
	if err != nil {
		return err
	}
	var o offsets
	o.find(&argOff.axis, t.Elem(), "axis", reflect.TypeOf(0))
	o.find(&argOff.isMin, t.Elem(), "isMin", reflect.TypeOf(false))
	if o.err != nil {
		return o.err
	}
	argOff.typ = t
	stockArgMinMax = nodeExecutors[backends.OpTypeArgMinMax]
	if stockArgMinMax == nil {
		return fmt.Errorf("simplego has no ArgMinMax executor")
	}
	stockOps[backends.OpTypeArgMinMax] = stockArgMinMax
	nodeExecutors[backends.OpTypeArgMinMax] = execArgMax
	return nil
}

func execArgMax(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	data := nodeData(node)
	x, ok := bufFlat(inputs[0]).([]float32)
	out := nodeShape(node)
	if !ok || out.DType != dtypes.Int32 || reflect.TypeOf(data) != argOff.typ {
		return stockArgMinMax(b, node, inputs, owned)
	}
	p := reflect.ValueOf(data).UnsafePointer()
	axis, isMin := *(*int)(unsafe.Add(p, argOff.axis)), *(*bool)(unsafe.Add(p, argOff.isMin))
	in := bufShape(inputs[0])
	if isMin || axis < 0 || axis >= in.Rank() || in.Dimensions[axis] == 0 {
		return stockArgMinMax(b, node, inputs, owned)
	}
	prefix, suffix := 1, 1
	for a, d := range in.Dimensions {
		switch {
		case a < axis:
			prefix *= d
		case a > axis:
			suffix *= d
		}
	}
	n := in.Dimensions[axis]
	hits.elementwise.Add(1)
	res := getBufferForShape(b, out)
	dst := bufFlat(res).([]int32)
	kernels.ParallelFor(prefix, max(1, kernels.GrainFloats/(n*suffix)), func(lo, hi int) {
		best := kernels.GetScratch(suffix)
		defer kernels.PutScratch(best)
		for i := lo; i < hi; i++ {
			argMaxBlock(dst[i*suffix:(i+1)*suffix], x[i*n*suffix:(i+1)*n*suffix], n, suffix, best)
		}
	})
	return res, nil
}

// argMaxBlock sets dst[j] to the index along the reduced axis of the maximum of x[:, j] (x is
// [n, suffix]): the first of equal maxima, and the last NaN if there is one, as simplego does.
// best is scratch space for suffix values.
func argMaxBlock(dst []int32, x []float32, n, suffix int, best []float32) {
	if suffix == 1 {
		best, arg := x[0], int32(0)
		for i, v := range x[1:n] {
			if v > best || v != v {
				best, arg = v, int32(i+1)
			}
		}
		dst[0] = arg
		return
	}
	best = best[:suffix]
	copy(best, x[:suffix])
	clear(dst)
	for i := 1; i < n; i++ {
		row := x[i*suffix : (i+1)*suffix]
		for j, v := range row {
			if v > best[j] || v != v {
				best[j], dst[j] = v, int32(i)
			}
		}
	}
}
