package fastgo

import (
	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Comparisons of int32 or float32 operands (same shape, or broadcast as the binary ops are),
// split across the CPUs: the Equal of one-hot labels and the GreaterThan of ReLU masks at a
// segmentation loss's full resolution. simplego walks them with a per-element broadcast
// iterator on one goroutine.

func installCompare() {
	for _, op := range []backends.OpType{backends.OpTypeEqual, backends.OpTypeGreaterThan} {
		if stock := nodeExecutors[op]; stock != nil {
			stockOps[op] = stock
			nodeExecutors[op] = compareExecutor(op, stock)
		}
	}
}

func compareExecutor(op backends.OpType, stock executor) executor {
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		out := nodeShape(node)
		ls, rs := bufShape(inputs[0]), bufShape(inputs[1])
		// Operands of the output's rank or scalars (a ReLU compares its input with zero).
		if out.Size() < 2*kernels.GrainFloats || ls.Rank() != out.Rank() && ls.Rank() != 0 || rs.Rank() != out.Rank() && rs.Rank() != 0 {
			return stock(b, node, inputs, owned)
		}
		var res *simplego.Buffer
		switch lhs := bufFlat(inputs[0]).(type) {
		case []int32:
			rhs, ok := bufFlat(inputs[1]).([]int32)
			if !ok {
				return stock(b, node, inputs, owned)
			}
			res = getBufferForShape(b, out)
			compareRows(bufFlat(res).([]bool), lhs, rhs, ls, rs, out, op == backends.OpTypeEqual)
		case []float32:
			rhs, ok := bufFlat(inputs[1]).([]float32)
			if !ok {
				return stock(b, node, inputs, owned)
			}
			res = getBufferForShape(b, out)
			compareRows(bufFlat(res).([]bool), lhs, rhs, ls, rs, out, op == backends.OpTypeEqual)
		default:
			return stock(b, node, inputs, owned)
		}
		hits.elementwise.Add(1)
		return res, nil
	}
}

// compareRows sets dst = lhs == rhs (equal) or lhs > rhs, broadcasting size-1 axes.
func compareRows[T int32 | float32](dst []bool, lhs, rhs []T, ls, rs, out shapes.Shape, equal bool) {
	lst, rst := broadcastStrides(ls, out), broadcastStrides(rs, out)
	r := out.Rank()
	inner := out.Dimensions[r-1]
	li, ri := lst[r-1], rst[r-1]
	kernels.ParallelFor(len(dst)/inner, rowGrain(inner), func(first, last int) {
		forRows(out.Dimensions, [][]int{lst, rst}, first, last, func(row int, offs []int) {
			lo, ro := offs[0], offs[1]
			d := dst[row*inner : (row+1)*inner]
			if li == 1 && ri == 0 && !equal { // x > a scalar (a ReLU's mask)
				l, c := lhs[lo:lo+len(d)], rhs[ro]
				for j := range d {
					d[j] = l[j] > c
				}
				return
			}
			for j := range d {
				a, c := lhs[lo+j*li], rhs[ro+j*ri]
				if equal {
					d[j] = a == c
				} else {
					d[j] = a > c
				}
			}
		})
	})
}
