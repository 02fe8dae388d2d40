package fastgo

import (
	"reflect"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
)

// Slice with unit strides copies contiguous runs: the trailing axes the slice keeps whole, and
// the part of the next axis it keeps, are one block per position of the remaining axes.
// simplego walks every element with index arithmetic instead.

var (
	stockSlice executor
	sliceOff   struct {
		typ                    reflect.Type
		starts, limits, stride uintptr
	}
)

func installSlice() error {
	t, err := probe("slice", []int{4, 3}, func(bld backends.Builder, x backends.Op) (backends.Op, error) {
		return bld.Slice(x, []int{1, 0}, []int{3, 3}, []int{1, 1})
	})
	if err != nil {
		return err
	}
	intsT := reflect.TypeOf([]int(nil))
	sliceOff.typ = t
	var o offsets
	o.find(&sliceOff.starts, t.Elem(), "starts", intsT)
	o.find(&sliceOff.limits, t.Elem(), "limits", intsT)
	o.find(&sliceOff.stride, t.Elem(), "strides", intsT)
	if o.err != nil {
		return o.err
	}
	stockSlice = nodeExecutors[backends.OpTypeSlice]
	if stockSlice != nil {
		nodeExecutors[backends.OpTypeSlice] = execSlice
	}
	return nil
}

func execSlice(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	data := nodeData(node)
	src, ok := bufFlat(inputs[0]).([]float32)
	if !ok || reflect.TypeOf(data) != sliceOff.typ {
		return stockSlice(b, node, inputs, owned)
	}
	p := reflect.ValueOf(data).UnsafePointer()
	starts, limits, strides := ints(p, sliceOff.starts), ints(p, sliceOff.limits), ints(p, sliceOff.stride)
	in := bufShape(inputs[0])
	r := in.Rank()
	if r == 0 || len(starts) != r || len(limits) != r {
		return stockSlice(b, node, inputs, owned)
	}
	for _, s := range strides {
		if s != 1 {
			return stockSlice(b, node, inputs, owned)
		}
	}
	dims := in.Dimensions
	// Block: trailing whole axes, times the kept part of the axis before them.
	a := r - 1
	block := 1
	for a >= 0 && starts[a] == 0 && limits[a] == dims[a] {
		block *= dims[a]
		a--
	}
	inStride := block // input stride of axis a
	if a >= 0 {
		block *= limits[a] - starts[a]
	}
	hits.slice.Add(1)
	res := getBufferForShape(b, nodeShape(node))
	dst := bufFlat(res).([]float32)
	if a < 0 {
		copy(dst, src)
		return res, nil
	}
	// Walk the axes before a (and a's start) in order.
	strides2 := make([]int, r)
	s := 1
	for ax := r - 1; ax >= 0; ax-- {
		strides2[ax] = s
		s *= dims[ax]
	}
	base := starts[a] * inStride
	outer := a // axes 0..a-1 iterate
	idx := make([]int, outer)
	off := base
	for ax := 0; ax < outer; ax++ {
		off += starts[ax] * strides2[ax]
		idx[ax] = starts[ax]
	}
	for o := 0; o < len(dst); o += block {
		copy(dst[o:o+block], src[off:off+block])
		for ax := outer - 1; ax >= 0; ax-- {
			idx[ax]++
			off += strides2[ax]
			if idx[ax] < limits[ax] {
				break
			}
			off -= (limits[ax] - starts[ax]) * strides2[ax]
			idx[ax] = starts[ax]
		}
	}
	return res, nil
}
