package fastgo

import (
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/dast-uda/dast/core/backend/fastgo/kernels"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The ConvGeneral executor computes the two convolution layouts core/nn builds on the pure-Go
// backend as implicit-GEMM products on dast's micro-kernels (kernels.ConvForward,
// kernels.ConvWeightGrad), which never write the im2col patch matrix: a forward convolution
// (ConvAxes) and the gradient of its kernel (ConvKernelGradAxes). Any other layout, dtype,
// grouping or input dilation goes to simplego's own (scalar) executor.

var (
	stockConv executor
	convOff   struct {
		typ                                                      reflect.Type
		axes, strides, paddings, inputDilations, kernelDilations uintptr
		channelGroups, batchGroups                               uintptr
	}
)

// ConvAxes is the layout of a forward convolution: x [N,H,W,Cin], kernel [KH,KW,Cin,Cout] (HWIO),
// output [N,Ho,Wo,Cout].
func ConvAxes() backends.ConvolveAxesConfig {
	return backends.ConvolveAxesConfig{
		InputBatch: 0, InputChannels: 3, InputSpatial: []int{1, 2},
		KernelInputChannels: 2, KernelOutputChannels: 3, KernelSpatial: []int{0, 1},
		OutputBatch: 0, OutputChannels: 3, OutputSpatial: []int{1, 2},
	}
}

// ConvKernelGradAxes is the layout of the gradient of a forward convolution's kernel written as
// a convolution of the input x [N,H,W,Cin] with the output gradient dy [N,Ho,Wo,Cout] as its
// kernel, into [KH,KW,Cin,Cout]: x's channels are the batch, its batch the contracted channels;
// the forward kernel's dilations are its strides and the forward strides its kernel dilations,
// with the forward padding.
func ConvKernelGradAxes() backends.ConvolveAxesConfig {
	return backends.ConvolveAxesConfig{
		InputBatch: 3, InputChannels: 0, InputSpatial: []int{1, 2},
		KernelInputChannels: 0, KernelOutputChannels: 3, KernelSpatial: []int{1, 2},
		OutputBatch: 2, OutputChannels: 3, OutputSpatial: []int{0, 1},
	}
}

// installConv learns the parameter type of simplego's ConvGeneral node from a probe and puts
// execConvGeneral in place.
func installConv() error {
	t, err := probe("conv", []int{1, 3, 3, 1}, func(bld backends.Builder, x backends.Op) (backends.Op, error) {
		k, err := bld.Parameter("k", shapes.Make(dtypes.Float32, 1, 1, 1, 1), nil)
		if err != nil {
			return nil, err
		}
		return bld.ConvGeneral(x, k, ConvAxes(), []int{1, 1}, [][2]int{{0, 0}, {0, 0}}, []int{1, 1}, []int{1, 1}, 1, 1)
	})
	if err != nil {
		return err
	}
	intsT, intT := reflect.TypeOf([]int(nil)), reflect.TypeOf(0)
	var o offsets
	o.find(&convOff.axes, t.Elem(), "axes", reflect.TypeOf(backends.ConvolveAxesConfig{}))
	o.find(&convOff.strides, t.Elem(), "strides", intsT)
	o.find(&convOff.paddings, t.Elem(), "paddings", reflect.TypeOf([][2]int(nil)))
	o.find(&convOff.inputDilations, t.Elem(), "inputDilations", intsT)
	o.find(&convOff.kernelDilations, t.Elem(), "kernelDilations", intsT)
	o.find(&convOff.channelGroups, t.Elem(), "channelGroupCount", intT)
	o.find(&convOff.batchGroups, t.Elem(), "batchGroupCount", intT)
	if o.err != nil {
		return o.err
	}
	convOff.typ = t
	stockConv = nodeExecutors[backends.OpTypeConvGeneral]
	if stockConv == nil {
		return fmt.Errorf("simplego has no ConvGeneral executor")
	}
	stockOps[backends.OpTypeConvGeneral] = stockConv
	nodeExecutors[backends.OpTypeConvGeneral] = execConvGeneral
	return nil
}

// convGeometry reads a ConvGeneral node's parameters and returns the geometry of the forward
// convolution it computes or whose kernel gradient it is (kernelGrad), or false for anything
// else.
func convGeometry(node *simplego.Node, in, kernel, out shapes.Shape) (g kernels.ConvGeometry, kernelGrad, ok bool) {
	data := nodeData(node)
	if reflect.TypeOf(data) != convOff.typ || in.Rank() != 4 || kernel.Rank() != 4 || out.Rank() != 4 {
		return g, false, false
	}
	p := reflect.ValueOf(data).UnsafePointer()
	axes := *(*backends.ConvolveAxesConfig)(unsafe.Add(p, convOff.axes))
	strides, kdil := ints(p, convOff.strides), ints(p, convOff.kernelDilations)
	pads := *(*[][2]int)(unsafe.Add(p, convOff.paddings))
	if *(*int)(unsafe.Add(p, convOff.channelGroups)) != 1 || *(*int)(unsafe.Add(p, convOff.batchGroups)) != 1 ||
		slices.ContainsFunc(ints(p, convOff.inputDilations), func(d int) bool { return d != 1 }) ||
		len(strides) != 2 || len(pads) != 2 {
		return g, false, false
	}
	if kdil == nil {
		kdil = []int{1, 1}
	}
	if len(kdil) != 2 {
		return g, false, false
	}
	i, k, o := in.Dimensions, kernel.Dimensions, out.Dimensions
	switch {
	case SameConvAxes(axes, ConvAxes()):
		g = kernels.ConvGeometry{N: i[0], H: i[1], W: i[2], Cin: i[3], KH: k[0], KW: k[1], Cout: k[3], Ho: o[1], Wo: o[2],
			StrideH: strides[0], StrideW: strides[1], DilationH: kdil[0], DilationW: kdil[1], PadTop: pads[0][0], PadLeft: pads[1][0]}
	case SameConvAxes(axes, ConvKernelGradAxes()):
		g = kernels.ConvGeometry{N: i[0], H: i[1], W: i[2], Cin: i[3], KH: o[0], KW: o[1], Cout: k[3], Ho: k[1], Wo: k[2],
			StrideH: kdil[0], StrideW: kdil[1], DilationH: strides[0], DilationW: strides[1], PadTop: pads[0][0], PadLeft: pads[1][0]}
		kernelGrad = true
	default:
		return g, false, false
	}
	return g, kernelGrad, g.Check() == nil
}

// SameConvAxes reports whether two convolution layouts are the same (ConvAxes and
// ConvKernelGradAxes are the ones this package computes).
func SameConvAxes(a, b backends.ConvolveAxesConfig) bool {
	return a.InputBatch == b.InputBatch && a.InputChannels == b.InputChannels && slices.Equal(a.InputSpatial, b.InputSpatial) &&
		a.KernelInputChannels == b.KernelInputChannels && a.KernelOutputChannels == b.KernelOutputChannels &&
		slices.Equal(a.KernelSpatial, b.KernelSpatial) &&
		a.OutputBatch == b.OutputBatch && a.OutputChannels == b.OutputChannels && slices.Equal(a.OutputSpatial, b.OutputSpatial)
}

// execConvGeneral computes a float32 forward convolution or kernel gradient in core/nn's
// layouts on dast's micro-kernels; anything else goes to simplego.
func execConvGeneral(b *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	x, ok1 := bufFlat(inputs[0]).([]float32)
	k, ok2 := bufFlat(inputs[1]).([]float32)
	if !ok1 || !ok2 || !kernels.ConvSupported() {
		return stockConv(b, node, inputs, owned)
	}
	outShape := nodeShape(node)
	g, kernelGrad, ok := convGeometry(node, bufShape(inputs[0]), bufShape(inputs[1]), outShape)
	if !ok {
		return stockConv(b, node, inputs, owned)
	}
	hits.conv.Add(1)
	out := getBufferForShape(b, outShape)
	y, ok := bufFlat(out).([]float32)
	if !ok || len(y) != outShape.Size() {
		return nil, fmt.Errorf("fastgo: ConvGeneral output buffer of %s is not %d float32 values", outShape, outShape.Size())
	}
	if kernelGrad {
		kernels.ConvWeightGrad(g, x, k, y)
	} else {
		kernels.ConvForward(g, x, k, y)
	}
	return out, nil
}

// ConvActive reports whether ConvGeneral nodes in core/nn's layouts run on dast's implicit-GEMM
// kernels in this process (else on simplego's scalar loops).
func ConvActive() bool { return KernelActive() && stockConv != nil }
