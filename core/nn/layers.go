package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Variable names the context helpers create in the context's current scope. Pretrained-weight
// import maps onto these names.
const (
	// VarWeights is a convolution kernel, [KH,KW,Cin,Cout] (HWIO).
	VarWeights = "weights"
	// VarBias is a convolution bias, [Cout].
	VarBias = "bias"
	// VarMean, VarVariance, VarGamma and VarBeta are a frozen batch norm's running mean and
	// variance, scale and shift, all [C] and non-trainable.
	VarMean     = "mean"
	VarVariance = "variance"
	VarGamma    = "gamma"
	VarBeta     = "beta"
)

// InitKind is how a convolution's variables are initialised.
type InitKind int

const (
	// InitTorchDefault is PyTorch's nn.Conv2d default: weights and bias uniform in
	// ±1/sqrt(fan_in) (kaiming_uniform with a=sqrt(5)).
	InitTorchDefault InitKind = iota
	// InitNormal draws weights from N(0, Std²) and sets the bias to zero.
	InitNormal
	// InitKaiming draws weights from N(0, 2/fan_in) (He, ReLU gain) and sets the bias to zero.
	InitKaiming
	// InitKaimingFanOut draws weights from N(0, 2/fan_out), torchvision's ResNet init.
	InitKaimingFanOut
)

// ConvLayer describes a 2-D convolution layer with square kernel, stride, dilation and
// symmetric zero padding.
type ConvLayer struct {
	Out      int  // output channels
	Kernel   int  // kernel size (square)
	Stride   int  // 0 means 1
	Dilation int  // 0 means 1
	Padding  int  // zero padding on every side
	Bias     bool // whether to add a bias variable
	Init     InitKind
	Std      float64 // standard deviation for InitNormal
}

// Opts returns the layer's ConvOpts.
func (c ConvLayer) Opts() ConvOpts {
	return ConvOpts{StrideH: c.Stride, StrideW: c.Stride, DilationH: c.Dilation, DilationW: c.Dilation,
		PadTop: c.Padding, PadBottom: c.Padding, PadLeft: c.Padding, PadRight: c.Padding}.normalized()
}

// Conv applies the convolution c to x [N,H,W,Cin], creating (or reusing) the variables
// "weights" [K,K,Cin,Out] and, with c.Bias, "bias" [Out] in ctx's current scope.
func Conv(ctx *context.Context, x *graph.Node, c ConvLayer) *graph.Node {
	if c.Out <= 0 || c.Kernel <= 0 || x.Rank() != 4 {
		panic(fmt.Sprintf("nn.Conv in scope %q: invalid layer %+v for input %s", ctx.Scope(), c, x.Shape()))
	}
	cin := x.Shape().Dimensions[3]
	fanIn, fanOut := cin*c.Kernel*c.Kernel, c.Out*c.Kernel*c.Kernel
	var wInit, bInit context.VariableInitializer
	switch c.Init {
	case InitTorchDefault:
		bound := 1 / math.Sqrt(float64(fanIn))
		wInit, bInit = uniformInit(ctx, bound), uniformInit(ctx, bound)
	case InitNormal:
		wInit = normalInit(ctx, c.Std)
	case InitKaiming:
		wInit = normalInit(ctx, math.Sqrt(2/float64(fanIn)))
	case InitKaimingFanOut:
		wInit = normalInit(ctx, math.Sqrt(2/float64(fanOut)))
	default:
		panic(fmt.Sprintf("nn.Conv in scope %q: unknown init %d", ctx.Scope(), c.Init))
	}
	if bInit == nil {
		bInit = func(g *graph.Graph, s shapes.Shape) *graph.Node { return graph.Zeros(g, s) }
	}
	dt := x.DType()
	g := x.Graph()
	w := ctx.WithInitializer(wInit).VariableWithShape(VarWeights, shapes.Make(dt, c.Kernel, c.Kernel, cin, c.Out)).ValueGraph(g)
	var b *graph.Node
	if c.Bias {
		b = ctx.WithInitializer(bInit).VariableWithShape(VarBias, shapes.Make(dt, c.Out)).ValueGraph(g)
	}
	return Conv2D(x, w, b, c.Opts())
}

func normalInit(ctx *context.Context, std float64) context.VariableInitializer {
	return func(g *graph.Graph, s shapes.Shape) *graph.Node {
		return graph.MulScalar(ctx.RandomNormal(g, s), std)
	}
}

func uniformInit(ctx *context.Context, bound float64) context.VariableInitializer {
	return func(g *graph.Graph, s shapes.Shape) *graph.Node {
		u := ctx.RandomUniform(g, s)
		return graph.AddScalar(graph.MulScalar(u, 2*bound), -bound)
	}
}

// FrozenBN applies FrozenBatchNorm to x [...,C] with the non-trainable variables "mean" (init 0),
// "variance" (1), "gamma" (1) and "beta" (0), all [C], in ctx's current scope.
func FrozenBN(ctx *context.Context, x *graph.Node, eps float64) *graph.Node {
	c := x.Shape().Dimensions[x.Rank()-1]
	g := x.Graph()
	s := shapes.Make(x.DType(), c)
	v := func(name string, init float64) *graph.Node {
		vr := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node {
			return graph.BroadcastToDims(graph.Scalar(g, s.DType, init), s.Dimensions...)
		}).VariableWithShape(name, s)
		vr.SetTrainable(false)
		return vr.ValueGraph(g)
	}
	return FrozenBatchNorm(x, v(VarMean, 0), v(VarVariance, 1), v(VarGamma, 1), v(VarBeta, 0), eps)
}
