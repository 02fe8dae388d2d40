package nn

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

func init() {
	graph.VJPRegistration[graph.NodeTypeDotGeneral] = dotGeneralVJP
}

// dotGeneralAxes reads the axis parameters of a DotGeneral node. GoMLX keeps them in an
// unexported field; reflect reads (never writes) it.
func dotGeneralAxes(node *graph.Node) (lc, lb, rc, rb []int) {
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() || in.IsNil() {
		panic(fmt.Sprintf("nn: DotGeneral node %s has no inputs field", node))
	}
	params := in.Elem().Elem()
	read := func(name string) []int {
		f := params.FieldByName(name)
		if !f.IsValid() {
			panic(fmt.Sprintf("nn: DotGeneral node parameters lack field %q (GoMLX version changed?)", name))
		}
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	return read("lhsContractingAxes"), read("lhsBatchAxes"), read("rhsContractingAxes"), read("rhsBatchAxes")
}

// crossAxes returns, in increasing order, the axes of a rank-r operand that are neither
// contracting nor batch axes.
func crossAxes(rank int, contracting, batch []int) []int {
	var out []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			out = append(out, a)
		}
	}
	return out
}

// dotGeneralVJP is the gradient of DotGeneral written as two DotGenerals (plus transposes),
// instead of GoMLX's broadcast-multiply-reduce, which materialises an M*N*K tensor.
//
// The output of DotGeneral is laid out [batch..., lhsCross..., rhsCross...].
func dotGeneralVJP(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
	v := vjps[0]
	inputs := node.Inputs()
	lhs, rhs := inputs[0], inputs[1]
	lc, lb, rc, rb := dotGeneralAxes(node)
	lCross := crossAxes(lhs.Rank(), lc, lb)
	rCross := crossAxes(rhs.Rank(), rc, rb)
	nb := len(lb)
	vBatch := axisRange(0, nb)
	vLhsCross := axisRange(nb, len(lCross))
	vRhsCross := axisRange(nb+len(lCross), len(rCross))

	// d lhs: contract v's rhs-cross axes with rhs's cross axes.
	// Result axes: [batch, lhsCross, rhs contracting axes in increasing rhs order].
	dl := graph.DotGeneral(v, vRhsCross, vBatch, rhs, rCross, rb)
	src := make([]int, 0, lhs.Rank()) // src[r] = lhs axis that result axis r stands for.
	src = append(src, lb...)
	src = append(src, lCross...)
	for _, a := range sortedCopy(rc) {
		src = append(src, lc[slices.Index(rc, a)])
	}
	dl = transposeTo(dl, src)

	// d rhs: contract lhs's cross axes with v's lhs-cross axes.
	// Result axes: [batch, lhs contracting axes in increasing lhs order, rhsCross].
	dr := graph.DotGeneral(regathered(lhs), lCross, lb, v, vLhsCross, vBatch)
	src = src[:0]
	src = append(src, rb...)
	for _, a := range sortedCopy(lc) {
		src = append(src, rc[slices.Index(lc, a)])
	}
	src = append(src, rCross...)
	dr = transposeTo(dr, src)
	return []*graph.Node{dl, dr}
}

// regatherBytes bounds the gathered operands that regathered recomputes: small enough to stay
// in the CPU's cache between the gather and the product that reads them.
const regatherBytes = 4 << 20

// regathered returns, for an operand that is a reshaped row gather of at most regatherBytes
// (a convolution's im2col patches), the same gather built again, so that the weight gradient
// reads patches gathered just before it (from the cache) instead of the forward pass's copy
// (from memory, and kept alive until then); any other operand is returned as it is. The new
// gather has the same inputs and parameters (checked), so it computes the same values bit for
// bit. Larger patches stream from memory either way, and gathering them twice would cost more
// than it saves.
func regathered(x *graph.Node) *graph.Node {
	if x.Type() != graph.NodeTypeReshape || x.Shape().Memory() > regatherBytes {
		return x
	}
	g := x.Inputs()[0]
	if g.Type() != graph.NodeTypeGather || len(g.Inputs()) != 2 {
		return x
	}
	again := graph.Gather(g.Inputs()[0], g.Inputs()[1])
	if !sameParams(g, again) {
		return x
	}
	return graph.Reshape(again, x.Shape().Dimensions...)
}

// sameParams reports whether two nodes carry equal parameters (their unexported inputs
// structs, which hold the operand nodes and the op's attributes, compared deeply).
func sameParams(a, b *graph.Node) bool {
	fa, fb := reflect.ValueOf(a).Elem().FieldByName("inputs"), reflect.ValueOf(b).Elem().FieldByName("inputs")
	if !fa.IsValid() || !fb.IsValid() || fa.IsNil() || fb.IsNil() {
		return false
	}
	return sameValue(fa.Elem(), fb.Elem())
}

// sameValue compares two values of the same type field by field, unexported fields included:
// pointers by identity (the same operand nodes), and false for any kind it does not know.
func sameValue(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.Type().Elem().Kind() == reflect.Struct && a.Type() != reflect.TypeOf((*graph.Node)(nil)) {
			if a.IsNil() || b.IsNil() {
				return a.IsNil() == b.IsNil()
			}
			return sameValue(a.Elem(), b.Elem())
		}
		return a.Pointer() == b.Pointer()
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.String:
		return a.String() == b.String()
	}
	return false
}

// transposeTo permutes x, whose axis r stands for target axis src[r], into target order.
func transposeTo(x *graph.Node, src []int) *graph.Node {
	perm := make([]int, len(src))
	identity := true
	for r, a := range src {
		perm[a] = r
		if a != r {
			identity = false
		}
	}
	if identity {
		return x
	}
	return graph.TransposeAllAxes(x, perm...)
}

func axisRange(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

func sortedCopy(a []int) []int {
	out := slices.Clone(a)
	slices.Sort(out)
	return out
}
