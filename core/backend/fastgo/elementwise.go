package fastgo

import (
	"math"
	"slices"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// Elementwise float32 ops, BroadcastInDim and axis reductions, split across the CPUs. simplego
// runs them on one goroutine with per-element index iterators; at the sizes of a segmentation
// loss (19 classes x 128 x 256 pixels) they are a quarter of a training step. Each computes
// exactly what simplego computes, in the same order per output element (the reductions sum
// along the reduced axes in increasing index order, as simplego's flat walk does), so results
// are bit for bit the same; tests compare them with the stock executors.

// unaryOps are the float32 unary ops computed here, with simplego's formulas (float64 math,
// rounded to float32).
var unaryOps = map[backends.OpType]func(x float32) float32{
	backends.OpTypeExp:  func(x float32) float32 { return float32(math.Exp(float64(x))) },
	backends.OpTypeLog:  func(x float32) float32 { return float32(math.Log(float64(x))) },
	backends.OpTypeTanh: func(x float32) float32 { return float32(math.Tanh(float64(x))) },
	backends.OpTypeSqrt: func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
	backends.OpTypeNeg:  func(x float32) float32 { return -x },
}

// stockOps holds simplego's own executors of the elementwise ops, comparisons, ArgMax and
// ConvGeneral, which dast's replace (the tests put them back to compare).
var stockOps = map[backends.OpType]executor{}

// installElementwise replaces the executors of the ops above; ops simplego lacks keep none.
func installElementwise() {
	replace := func(op backends.OpType, make func(stock executor) executor) {
		if stock := nodeExecutors[op]; stock != nil {
			stockOps[op] = stock
			nodeExecutors[op] = make(stock)
		}
	}
	for op, fn := range unaryOps {
		replace(op, func(stock executor) executor { return unaryExecutor(op, stock, fn) })
	}
	replace(backends.OpTypeBroadcastInDim, func(stock executor) executor { return broadcastInDimExecutor(stock) })
	replace(backends.OpTypeReduceSum, func(stock executor) executor { return reduceExecutor(stock, false) })
	replace(backends.OpTypeReduceMax, func(stock executor) executor { return reduceExecutor(stock, true) })
	replace(backends.OpTypeWhere, func(stock executor) executor { return whereExecutor(stock) })
	installCompare()
}

func unaryExecutor(op backends.OpType, stock executor, fn func(float32) float32) executor {
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		x, ok := bufFlat(inputs[0]).([]float32)
		if !ok || len(x) < 2*kernels.GrainFloats {
			return stock(b, node, inputs, owned)
		}
		hits.elementwise.Add(1)
		res := outputBuffer(b, nodeShape(node), inputs, owned)
		dst := bufFlat(res).([]float32)
		kernels.ParallelFor(len(dst), kernels.GrainFloats, func(lo, hi int) {
			d, src := dst[lo:hi], x[lo:hi]
			if op == backends.OpTypeExp { // the softmaxes' op: the vector kernel, same bits as math.Exp
				kernels.ExpRow(d, src)
				return
			}
			for i, v := range src {
				d[i] = fn(v)
			}
		})
		return res, nil
	}
}

// broadcastInDimExecutor copies or fills rows: the operand's strides on the output's axes
// are 0 where an axis is broadcast.
func broadcastInDimExecutor(stock executor) executor {
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		x, ok1 := bufFlat(inputs[0]).([]float32)
		axes, ok2 := nodeData(node).([]int)
		out := nodeShape(node)
		in := bufShape(inputs[0])
		if !ok1 || !ok2 || len(axes) != in.Rank() || out.Rank() == 0 || out.Size() < 2*kernels.GrainFloats || len(x) < 2 {
			return stock(b, node, inputs, owned)
		}
		// The operand as the output's rank, 1 on the axes it lacks.
		dims := make([]int, out.Rank())
		for a := range dims {
			dims[a] = 1
		}
		for i, a := range axes {
			if a < 0 || a >= out.Rank() {
				return stock(b, node, inputs, owned)
			}
			dims[a] = in.Dimensions[i]
		}
		strides := broadcastStrides(shapes.Make(dtypes.Float32, dims...), out)
		hits.elementwise.Add(1)
		res := getBufferForShape(b, out)
		dst := bufFlat(res).([]float32)
		r := out.Rank()
		inner := out.Dimensions[r-1]
		kernels.ParallelFor(len(dst)/inner, rowGrain(inner), func(first, last int) {
			forRows(out.Dimensions, [][]int{strides}, first, last, func(row int, offs []int) {
				o := offs[0]
				d := dst[row*inner : (row+1)*inner]
				if strides[r-1] == 0 {
					v := x[o]
					for j := range d {
						d[j] = v
					}
				} else {
					copy(d, x[o:o+inner])
				}
			})
		})
		return res, nil
	}
}

// lowestFloat32 is where simplego starts a float32 ReduceMax.
var lowestFloat32, _ = dtypes.Float32.LowestValue().(float32)

// foldRow folds src into acc elementwise: acc[j] = max(acc[j], src[j]) or acc[j] + src[j].
func foldRow(acc, src []float32, isMax bool) {
	src = src[:len(acc)]
	if isMax {
		for j, v := range src {
			acc[j] = max(acc[j], v)
		}
		return
	}
	h := kernels.VecHead(acc, acc, src, backends.OpTypeAdd)
	for j := h; j < len(acc); j++ {
		acc[j] += src[j]
	}
}

// reduceExecutor reduces contiguous axes by sum or max: the operand seen as [outer, reduced,
// inner], each output element (o, i) folds x[o, r, i] for r = 0, 1, ... from simplego's start
// value (0, or the lowest float32), in simplego's order.
func reduceExecutor(stock executor, isMax bool) executor {
	init := float32(0)
	if isMax {
		init = lowestFloat32
	}
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		x, ok1 := bufFlat(inputs[0]).([]float32)
		axes, ok2 := nodeData(node).([]int)
		in := bufShape(inputs[0])
		if !ok1 || !ok2 || len(axes) == 0 || len(x) < 2*kernels.GrainFloats {
			return stock(b, node, inputs, owned)
		}
		sorted := slices.Sorted(slices.Values(axes))
		first, last := sorted[0], sorted[len(sorted)-1]
		if first < 0 || last >= in.Rank() || last-first+1 != len(sorted) || len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
			return stock(b, node, inputs, owned)
		}
		outer, red, inner := 1, 1, 1
		for a, d := range in.Dimensions {
			switch {
			case a < first:
				outer *= d
			case a <= last:
				red *= d
			default:
				inner *= d
			}
		}
		out := nodeShape(node)
		if out.Size() != outer*inner {
			return stock(b, node, inputs, owned)
		}
		hits.elementwise.Add(1)
		res := getBufferForShape(b, out)
		dst := bufFlat(res).([]float32)
		reduceRows := func(o int, ilo, ihi int) {
			d := dst[o*inner+ilo : o*inner+ihi]
			for j := range d {
				d[j] = init
			}
			base := o * red * inner
			for r := 0; r < red; r++ {
				foldRow(d, x[base+r*inner+ilo:base+r*inner+ihi], isMax)
			}
		}
		switch {
		case inner == 1: // e.g. over the class axis: one sequential fold per output
			kernels.ParallelFor(outer, rowGrain(red), func(lo, hi int) {
				for o := lo; o < hi; o++ {
					acc := init
					if isMax {
						for _, v := range x[o*red : (o+1)*red] {
							acc = max(acc, v)
						}
					} else {
						for _, v := range x[o*red : (o+1)*red] {
							acc += v
						}
					}
					dst[o] = acc
				}
			})
		case outer > 1:
			kernels.ParallelFor(outer, rowGrain(red*inner), func(lo, hi int) {
				for o := lo; o < hi; o++ {
					reduceRows(o, 0, inner)
				}
			})
		default: // one output row: split its columns
			kernels.ParallelFor(inner, max(16, rowGrain(red)), func(lo, hi int) { reduceRows(0, lo, hi) })
		}
		return res, nil
	}
}

// whereExecutor selects between float32 operands of the output's shape (or scalars) by a
// condition of the output's size.
func whereExecutor(stock executor) executor {
	return func(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		cond, ok1 := bufFlat(inputs[0]).([]bool)
		t, ok2 := bufFlat(inputs[1]).([]float32)
		f, ok3 := bufFlat(inputs[2]).([]float32)
		out := nodeShape(node)
		n := out.Size()
		if !ok1 || !ok2 || !ok3 || len(cond) != n || n < 2*kernels.GrainFloats || (len(t) != n && len(t) != 1) || (len(f) != n && len(f) != 1) {
			return stock(b, node, inputs, owned)
		}
		hits.elementwise.Add(1)
		res := outputBuffer(b, out, inputs, owned)
		dst := bufFlat(res).([]float32)
		kernels.ParallelFor(n, kernels.GrainFloats, func(lo, hi int) {
			c, d := cond[lo:hi], dst[lo:hi]
			switch {
			case len(t) == n && len(f) == n:
				selectBits(d, c, t[lo:hi], f[lo:hi])
			case len(t) == n:
				selectBitsScalar(d, c, t[lo:hi], f[0], false)
			case len(f) == n:
				selectBitsScalar(d, c, f[lo:hi], t[0], true)
			default:
				for i, ok := range c {
					if ok {
						d[i] = t[0]
					} else {
						d[i] = f[0]
					}
				}
			}
		})
		return res, nil
	}
}

// selectBits sets d[i] = t[i] where c[i], else f[i], without a branch per element: the
// conditions of ReLU masks and max-pool gradients are as good as random, and a mispredicted
// branch costs more than the select.
func selectBits(d []float32, c []bool, t, f []float32) {
	t, f = t[:len(d)], f[:len(d)]
	c = c[:len(d)]
	for i := range d {
		m := -uint32(b2u(c[i]))
		d[i] = math.Float32frombits(math.Float32bits(t[i])&m | math.Float32bits(f[i])&^m)
	}
}

// selectBitsScalar is selectBits with one side a scalar s: d[i] = x[i] where c[i], else s; or
// with inverted, d[i] = s where c[i], else x[i].
func selectBitsScalar(d []float32, c []bool, x []float32, s float32, inverted bool) {
	x, c = x[:len(d)], c[:len(d)]
	sb := math.Float32bits(s)
	for i := range d {
		m := -uint32(b2u(c[i]))
		if inverted {
			m = ^m
		}
		d[i] = math.Float32frombits(math.Float32bits(x[i])&m | sb&^m)
	}
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
