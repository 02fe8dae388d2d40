package nn

import (
	"reflect"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func init() {
	stock := graph.VJPRegistration[graph.NodeTypeConvGeneral]
	graph.VJPRegistration[graph.NodeTypeConvGeneral] = func(node *graph.Node, vjps []*graph.Node, out shapes.Shape) []*graph.Node {
		if grads := implicitConvVJP(node, vjps[0]); grads != nil {
			return grads
		}
		return stock(node, vjps, out)
	}
}

// convParams are a ConvGeneral node's attributes.
type convParams struct {
	axes                               backends.ConvolveAxesConfig
	strides, inputDilations, dilations []int
	paddings                           [][2]int
	channelGroups, batchGroups         int
}

// readConvParams reads a ConvGeneral node's attributes, which GoMLX keeps in an unexported
// field; reflect reads (never writes) it. ok is false when the fields are not as expected.
func readConvParams(node *graph.Node) (p convParams, ok bool) {
	in := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !in.IsValid() || in.IsNil() || in.Elem().Kind() != reflect.Pointer || in.Elem().Elem().Kind() != reflect.Struct {
		return p, false
	}
	v := in.Elem().Elem()
	intsT, pairsT := reflect.TypeOf([]int(nil)), reflect.TypeOf([][2]int(nil))
	axesT, intT := reflect.TypeOf(backends.ConvolveAxesConfig{}), reflect.TypeOf(0)
	for name, t := range map[string]reflect.Type{"axes": axesT, "strides": intsT, "paddings": pairsT, "inputDilations": intsT,
		"kernelDilations": intsT, "channelGroupCount": intT, "batchGroupCount": intT} {
		if f, found := v.Type().FieldByName(name); !found || f.Type != t {
			return p, false
		}
	}
	ints := func(f reflect.Value) []int {
		out := make([]int, f.Len())
		for i := range out {
			out[i] = int(f.Index(i).Int())
		}
		return out
	}
	axes := v.FieldByName("axes")
	one := func(name string) int { return int(axes.FieldByName(name).Int()) }
	p.axes = backends.ConvolveAxesConfig{
		InputBatch: one("InputBatch"), InputChannels: one("InputChannels"), InputSpatial: ints(axes.FieldByName("InputSpatial")),
		KernelInputChannels: one("KernelInputChannels"), KernelOutputChannels: one("KernelOutputChannels"),
		KernelSpatial: ints(axes.FieldByName("KernelSpatial")),
		OutputBatch:   one("OutputBatch"), OutputChannels: one("OutputChannels"), OutputSpatial: ints(axes.FieldByName("OutputSpatial")),
	}
	p.strides = ints(v.FieldByName("strides"))
	p.inputDilations = ints(v.FieldByName("inputDilations"))
	p.dilations = ints(v.FieldByName("kernelDilations"))
	pads := v.FieldByName("paddings")
	for i := range pads.Len() {
		p.paddings = append(p.paddings, [2]int{int(pads.Index(i).Index(0).Int()), int(pads.Index(i).Index(1).Int())})
	}
	p.channelGroups = int(v.FieldByName("channelGroupCount").Int())
	p.batchGroups = int(v.FieldByName("batchGroupCount").Int())
	return p, true
}

// implicitConv reports whether a ConvGeneral node with parameters p, built on the pure-Go
// backend, is a forward convolution whose gradient implicitConvVJP writes: NHWC/HWIO, stride 1,
// no grouping or input dilation, and padding within the kernel's reach on every side (so that
// the input gradient is a stride-1 convolution with non-negative padding).
func implicitConv(p convParams, kh, kw int) bool {
	if len(p.strides) != 2 || len(p.paddings) != 2 || p.channelGroups > 1 || p.batchGroups > 1 ||
		!fastgo.SameConvAxes(p.axes, fastgo.ConvAxes()) {
		return false
	}
	for _, d := range p.inputDilations {
		if d != 1 {
			return false
		}
	}
	dil := p.dilations
	if len(dil) == 0 {
		dil = []int{1, 1}
	}
	for a, k := range []int{kh, kw} {
		reach := dil[a] * (k - 1)
		if p.strides[a] != 1 || p.paddings[a][0] < 0 || p.paddings[a][1] < 0 || p.paddings[a][0] > reach || p.paddings[a][1] > reach {
			return false
		}
	}
	return true
}

// implicitConvVJP returns the gradients of a forward convolution on the pure-Go backend, y =
// x ⋆ w, with respect to x and w, as two more convolutions that core/backend/fastgo computes
// without an im2col matrix (kernels.ConvForward and ConvWeightGrad):
//
//   - dx is the stride-1 convolution of v (the gradient of y) with w turned by 180° and its
//     channel axes swapped, padded by dilation*(k-1) minus the forward padding of the same side;
//   - dw is the convolution of x with v as its kernel (fastgo.ConvKernelGradAxes).
//
// It returns nil for any other ConvGeneral node (or on XLA), which keeps GoMLX's gradient.
func implicitConvVJP(node *graph.Node, v *graph.Node) []*graph.Node {
	if isXLA(node.Graph()) {
		return nil
	}
	x, w := node.Inputs()[0], node.Inputs()[1]
	if x.Rank() != 4 || w.Rank() != 4 {
		return nil
	}
	p, ok := readConvParams(node)
	kh, kw := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
	if !ok || !implicitConv(p, kh, kw) {
		return nil
	}
	dil := p.dilations
	if len(dil) == 0 {
		dil = []int{1, 1}
	}
	pads := [][2]int{
		{dil[0]*(kh-1) - p.paddings[0][0], dil[0]*(kh-1) - p.paddings[0][1]},
		{dil[1]*(kw-1) - p.paddings[1][0], dil[1]*(kw-1) - p.paddings[1][1]},
	}
	dx := graph.ConvGeneral(v, graph.Transpose(turned(w), 2, 3), fastgo.ConvAxes(), []int{1, 1}, pads, nil, dil, 1, 1)
	dw := graph.ConvGeneral(x, v, fastgo.ConvKernelGradAxes(), dil, p.paddings, nil, p.strides, 1, 1)
	return []*graph.Node{dx, dw}
}

// turned returns the kernel w [KH,KW,I,O] turned by 180° in its spatial axes (tap (ky, kx)
// moves to (KH-1-ky, KW-1-kx)), as a row gather: GoMLX's pure-Go backend has no Reverse.
func turned(w *graph.Node) *graph.Node {
	d := w.Shape().Dimensions
	taps := d[0] * d[1]
	idx := make([]int32, taps)
	for t := range idx {
		idx[t] = int32(taps - 1 - t)
	}
	rows := graph.Reshape(w, taps, d[2]*d[3])
	return graph.Reshape(gatherRows(rows, tensors.FromFlatDataAndDimensions(idx, taps, 1)), d...)
}
