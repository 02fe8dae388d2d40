package layernet

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/plugins/sdk"
)

// VarSpectralU is the non-trainable variable [Out] holding the power-iteration estimate of the
// leading left singular vector of a spectrally normalised conv's weight matrix.
const VarSpectralU = "spectral_u"

// spectralEps keeps the normalisations finite (PyTorch's default eps).
const spectralEps = 1e-12

// spectralConv applies conv layer l to x with spectral normalisation (Miyato et al. 2018, as
// torch.nn.utils.spectral_norm with one power iteration per call). With the weights
// [K,K,Cin,Out] viewed as PyTorch's matrix W [Out, K*K*Cin]: v = normalize(W^T u),
// u = normalize(W v), sigma = u^T W v; the new u is stored back in VarSpectralU and the conv
// uses the weights divided by sigma, u and v held constant for the gradient. Variables: "weights" and "bias"
// (PyTorch default init, as nn.Conv) and VarSpectralU (standard normal, non-trainable), in
// ctx's current scope.
func spectralConv(ctx *context.Context, x *graph.Node, l sdk.Layer) *graph.Node {
	g := x.Graph()
	dt := x.DType()
	cin := x.Shape().Dimensions[3]
	fanIn := l.Kernel * l.Kernel * cin
	bound := 1 / math.Sqrt(float64(fanIn))
	uniform := func(g *graph.Graph, s shapes.Shape) *graph.Node {
		return graph.AddScalar(graph.MulScalar(ctx.RandomUniform(g, s), 2*bound), -bound)
	}
	w := ctx.WithInitializer(uniform).VariableWithShape(nn.VarWeights, shapes.Make(dt, l.Kernel, l.Kernel, cin, l.Out)).ValueGraph(g)
	uVar := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node { return ctx.RandomNormal(g, s) }).
		VariableWithShape(VarSpectralU, shapes.Make(dt, l.Out))
	uVar.SetTrainable(false)
	u := graph.StopGradient(uVar.ValueGraph(g))

	wm := graph.Reshape(w, fanIn, l.Out)                                      // [M, Out]
	v := normalize(graph.ReduceSum(graph.Mul(wm, graph.InsertAxes(u, 0)), 1)) // [M]: W u
	u = normalize(graph.ReduceSum(graph.Mul(wm, graph.InsertAxes(v, 1)), 0))  // [Out]: W^T v
	v, u = graph.StopGradient(v), graph.StopGradient(u)
	wv := graph.ReduceSum(graph.Mul(wm, graph.InsertAxes(v, 1)), 0) // [Out]
	sigma := graph.ReduceAllSum(graph.Mul(u, wv))                   // scalar
	uVar.SetValueGraph(u)
	wsn := graph.Div(w, sigma)

	var b *graph.Node
	if l.Bias {
		b = ctx.WithInitializer(uniform).VariableWithShape(nn.VarBias, shapes.Make(dt, l.Out)).ValueGraph(g)
	}
	return nn.Conv2D(x, wsn, b, nn.ConvLayer{Kernel: l.Kernel, Stride: l.Stride, Dilation: l.Dilation, Padding: l.Padding}.Opts())
}

// normalize returns x / (|x| + eps) for a vector x.
func normalize(x *graph.Node) *graph.Node {
	norm := graph.Sqrt(graph.ReduceAllSum(graph.Square(x)))
	return graph.Div(x, graph.AddScalar(norm, spectralEps))
}
