package fastgo

import (
	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Binary float32 ops with broadcasting (a bias added to a feature map, a one-channel attention
// map multiplying features, a loss weight) go through simplego's per-element index iterator;
// these executors walk the output row by row with per-operand strides (0 on broadcast axes)
// instead. Scalar and same-shape operands keep simplego's own loops, which are already plain.

var binaryOps = map[backends.OpType]func(a, b float32) float32{
	backends.OpTypeAdd: func(a, b float32) float32 { return a + b },
	backends.OpTypeSub: func(a, b float32) float32 { return a - b },
	backends.OpTypeMul: func(a, b float32) float32 { return a * b },
	backends.OpTypeDiv: func(a, b float32) float32 { return a / b },
}

var stockBinary = map[backends.OpType]executor{}

func installBinary() {
	for op := range binaryOps {
		stockBinary[op] = nodeExecutors[op]
	}
	for op, fn := range binaryOps {
		if stockBinary[op] == nil {
			continue
		}
		nodeExecutors[op] = binaryExecutor(op, fn)
	}
}

func binaryExecutor(op backends.OpType, fn func(a, b float32) float32) executor {
	stock := stockBinary[op]
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		lhs, ok1 := bufFlat(inputs[0]).([]float32)
		rhs, ok2 := bufFlat(inputs[1]).([]float32)
		ls, rs, out := bufShape(inputs[0]), bufShape(inputs[1]), nodeShape(node)
		if ok1 && ok2 && ls.Equal(rs) && ls.Equal(out) && len(lhs) >= 2*kernels.GrainFloats {
			hits.binary.Add(1)
			res := outputBuffer(b, out, inputs, owned)
			dst := bufFlat(res).([]float32)
			kernels.ParallelFor(len(dst), kernels.GrainFloats, func(lo, hi int) { rowOp(dst[lo:hi], lhs[lo:hi], rhs[lo:hi], op, fn) })
			return res, nil
		}
		if !ok1 || !ok2 || len(lhs) <= 1 || len(rhs) <= 1 || ls.Equal(rs) || ls.Rank() != out.Rank() || rs.Rank() != out.Rank() {
			return stock(b, node, inputs, owned)
		}
		hits.binary.Add(1)
		res := outputBuffer(b, out, inputs, owned)
		dst := bufFlat(res).([]float32)
		broadcastBinary(dst, lhs, rhs, broadcastStrides(ls, out), broadcastStrides(rs, out), out.Dimensions, op, fn)
		return res, nil
	}
}

// outputBuffer returns an input that the executor owns and that has the output's shape, to be
// overwritten in place (as simplego's own executors do: the value is read at the same position
// it is written, so this is safe for elementwise ops), marking it taken; or a new buffer.
func outputBuffer(b *simplego.Backend, out shapes.Shape, inputs []*simplego.Buffer, owned []bool) *simplego.Buffer {
	for i, in := range inputs {
		if in != nil && i < len(owned) && owned[i] && bufShape(in).Equal(out) {
			if _, ok := bufFlat(in).([]float32); ok {
				inputs[i] = nil
				return in
			}
		}
	}
	return getBufferForShape(b, out)
}

// broadcastStrides returns x's strides over the output's axes: 0 where x has size 1 and is
// broadcast, and on every axis for a scalar x. x has out's rank or none.
func broadcastStrides(x, out shapes.Shape) []int {
	r := out.Rank()
	st := make([]int, r)
	if x.Rank() == 0 {
		return st
	}
	s := 1
	for a := r - 1; a >= 0; a-- {
		if x.Dimensions[a] == 1 && out.Dimensions[a] != 1 {
			st[a] = 0
		} else {
			st[a] = s
		}
		s *= x.Dimensions[a]
	}
	return st
}

// broadcastBinary computes dst = fn(lhs, rhs) over the output's dims, one innermost row at a
// time; the common ops get loops the compiler can keep tight.
func broadcastBinary(dst, lhs, rhs []float32, ls, rs, dims []int, op backends.OpType, fn func(a, b float32) float32) {
	r := len(dims)
	inner := dims[r-1]
	li, ri := ls[r-1], rs[r-1]
	rows := len(dst) / max(inner, 1)
	kernels.ParallelFor(rows, rowGrain(inner), func(first, last int) {
		idx := make([]int, r)
		rem := first
		for a := r - 2; a >= 0; a-- {
			idx[a] = rem % dims[a]
			rem /= dims[a]
		}
		lo, ro := rowOffset(first, dims, ls), rowOffset(first, dims, rs)
		for o := first * inner; o < last*inner; o += inner {
			row := dst[o : o+inner]
			switch {
			case li == 1 && ri == 1:
				rowOp(row, lhs[lo:lo+inner], rhs[ro:ro+inner], op, fn)
			case li == 1 && ri == 0:
				c := rhs[ro]
				a := lhs[lo : lo+inner]
				h := kernels.VecHeadScalar(row, a, c, false, op)
				row, a = row[h:], a[h:]
				switch op {
				case backends.OpTypeAdd:
					for j := range row {
						row[j] = a[j] + c
					}
				case backends.OpTypeMul:
					for j := range row {
						row[j] = a[j] * c
					}
				default:
					for j := range row {
						row[j] = fn(a[j], c)
					}
				}
			case li == 0 && ri == 1:
				c := lhs[lo]
				bv := rhs[ro : ro+inner]
				h := kernels.VecHeadScalar(row, bv, c, true, op)
				row, bv = row[h:], bv[h:]
				for j := range row {
					row[j] = fn(c, bv[j])
				}
			default:
				for j := range row {
					row[j] = fn(lhs[lo+j*li], rhs[ro+j*ri])
				}
			}
			for a := r - 2; a >= 0; a-- {
				idx[a]++
				lo += ls[a]
				ro += rs[a]
				if idx[a] < dims[a] {
					break
				}
				lo -= ls[a] * dims[a]
				ro -= rs[a] * dims[a]
				idx[a] = 0
			}
		}
	})
}

func rowOp(row, a, b []float32, op backends.OpType, fn func(a, b float32) float32) {
	a, b = a[:len(row)], b[:len(row)]
	h := kernels.VecHead(row, a, b, op)
	row, a, b = row[h:], a[h:], b[h:]
	switch op {
	case backends.OpTypeAdd:
		for j := range row {
			row[j] = a[j] + b[j]
		}
	case backends.OpTypeSub:
		for j := range row {
			row[j] = a[j] - b[j]
		}
	case backends.OpTypeMul:
		for j := range row {
			row[j] = a[j] * b[j]
		}
	default:
		for j := range row {
			row[j] = fn(a[j], b[j])
		}
	}
}
