package layernet

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/plugins/sdk"
)

// Variable scopes and names of the layers with parameters, under the discriminator's scope:
// conv k (0-based, in list order) lives in ConvScope(k, convs) ("weights", "bias" and, with
// spectral norm, VarSpectralU); self-attention k in "attention<k+1>" with 1x1 convs "query",
// "key" and "value" and the scalar VarGamma; an affine instance norm k in "norm<k+1>" with
// VarNormScale and VarNormShift.
const (
	VarGamma     = "gamma"
	VarNormScale = "scale"
	VarNormShift = "shift"
)

// instanceNormEps is PyTorch's default epsilon of InstanceNorm2d.
const instanceNormEps = 1e-5

// Net is a discriminator built from a validated plugin layer graph. It implements
// model.Discriminator.
type Net struct {
	// ID is the module ID, used in error messages.
	ID string
	// InChannels is the input channel count the layers were built for.
	InChannels int
	// Layers passed Check.
	Layers []sdk.Layer
}

// ConvScope returns the scope of conv number k (0-based) of n convs: "conv1", "conv2", ...,
// and "classifier" for the last, as in package discriminators.
func ConvScope(k, n int) string {
	if k == n-1 {
		return "classifier"
	}
	return fmt.Sprintf("conv%d", k+1)
}

// OutputSize returns the spatial size of the output for an h x w input, or an error when a
// map shrinks below one pixel or the sizes do not agree.
func (n *Net) OutputSize(h, w int) (int, int, error) {
	p, err := compile(n.Layers, n.InChannels, h, w, true)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", n.ID, err)
	}
	return p.out().h, p.out().w, nil
}

// NumParams returns the number of trainable parameters.
func (n *Net) NumParams() int {
	p, err := compile(n.Layers, n.InChannels, 0, 0, true)
	if err != nil {
		return 0
	}
	total := 0
	conv := func(k, cin, out int, bias bool) int {
		t := k * k * cin * out
		if bias {
			t += out
		}
		return t
	}
	for _, nd := range p.nodes {
		switch nd.Type {
		case sdk.TypeConv:
			total += conv(nd.Kernel, nd.inC, nd.Out, nd.Bias)
		case sdk.TypeSelfAttention:
			kc := keyChannels(nd.Layer, nd.inC)
			total += 2*conv(1, nd.inC, kc, true) + conv(1, nd.inC, nd.inC, true) + 1
		case sdk.TypeInstanceNorm:
			if nd.Affine {
				total += 2 * nd.inC
			}
		}
	}
	return total
}

// keyChannels is the query and key width of self-attention layer l on c channels.
func keyChannels(l sdk.Layer, c int) int {
	if l.KeyChannels > 0 {
		return l.KeyChannels
	}
	return max(1, c/8)
}

// Apply runs the layers on x [N,H,W,InChannels] and returns logits [N,h,w,1]. It panics, the
// GoMLX way, on an input of another channel count or a size the graph does not accept.
func (n *Net) Apply(ctx *context.Context, x *graph.Node) *graph.Node {
	if x.Rank() != 4 || x.Shape().Dimensions[3] != n.InChannels {
		panic(fmt.Sprintf("%s: input %s, want [N,H,W,%d]", n.ID, x.Shape(), n.InChannels))
	}
	y, err := apply(ctx, n.Layers, x, true)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", n.ID, err))
	}
	return y
}

// apply validates layers for x's shape and evaluates them; with logits the output must have
// one channel. Variables live under ctx's current scope (see VarGamma).
func apply(ctx *context.Context, layers []sdk.Layer, x *graph.Node, logits bool) (*graph.Node, error) {
	d := x.Shape().Dimensions
	p, err := compile(layers, d[3], d[1], d[2], logits)
	if err != nil {
		return nil, err
	}
	convs := 0
	for _, l := range layers {
		if l.Type == sdk.TypeConv {
			convs++
		}
	}
	// Scope numbers follow the list order, whatever the evaluation order.
	scopes := make([]string, len(layers))
	var nConv, nAttn, nNorm int
	for i, l := range layers {
		switch l.Type {
		case sdk.TypeConv:
			scopes[i] = ConvScope(nConv, convs)
			nConv++
		case sdk.TypeSelfAttention:
			nAttn++
			scopes[i] = fmt.Sprintf("attention%d", nAttn)
		case sdk.TypeInstanceNorm:
			nNorm++
			scopes[i] = fmt.Sprintf("norm%d", nNorm)
		}
	}
	vals := make([]*graph.Node, len(layers))
	get := func(j int) *graph.Node {
		if j == inputIndex {
			return x
		}
		return vals[j]
	}
	for _, i := range p.order {
		nd := &p.nodes[i]
		in := get(nd.inputs[0])
		var y *graph.Node
		switch nd.Type {
		case sdk.TypeConv:
			scope := ctx.In(scopes[i])
			if nd.SpectralNorm {
				y = spectralConv(scope, in, nd.Layer)
			} else {
				y = nn.Conv(scope, in, nn.ConvLayer{Out: nd.Out, Kernel: nd.Kernel, Stride: nd.Stride,
					Dilation: nd.Dilation, Padding: nd.Padding, Bias: nd.Bias, Init: nn.InitTorchDefault})
			}
		case sdk.TypeReLU:
			y = nn.ReLU(in)
		case sdk.TypeLeakyReLU:
			y = nn.LeakyReLU(in, nd.Slope)
		case sdk.TypeTanh:
			y = graph.Tanh(in)
		case sdk.TypeAdd:
			y = in
			for _, j := range nd.inputs[1:] {
				y = graph.Add(y, get(j))
			}
		case sdk.TypeConcat:
			parts := make([]*graph.Node, len(nd.inputs))
			for k, j := range nd.inputs {
				parts[k] = get(j)
			}
			y = graph.Concatenate(parts, 3)
		case sdk.TypeAvgPool:
			y = nn.AvgPool2D(in, poolOpts(nd.Layer), nd.CountIncludePad)
		case sdk.TypeMaxPool:
			y = nn.MaxPool2D(in, poolOpts(nd.Layer))
		case sdk.TypeUpsample:
			y = nn.ResizeBilinear(in, nd.h, nd.w, nd.AlignCorners)
		case sdk.TypeSelfAttention:
			y = selfAttention(ctx.In(scopes[i]), in, keyChannels(nd.Layer, nd.inC))
		case sdk.TypeInstanceNorm:
			y = instanceNorm(ctx.In(scopes[i]), in, nd.Layer)
		default:
			return nil, fmt.Errorf("%s: no builder", describeLayer(i, nd.Layer))
		}
		vals[i] = y
	}
	return vals[len(vals)-1], nil
}

// selfAttention is SAGAN's block on x with 1x1-conv projections "query", "key" (kc channels)
// and "value" (PyTorch default init) and the scalar VarGamma, initialised to 0.
func selfAttention(ctx *context.Context, x *graph.Node, kc int) *graph.Node {
	c := x.Shape().Dimensions[3]
	proj := func(name string, out int) *graph.Node {
		return nn.Conv(ctx.In(name), x, nn.ConvLayer{Out: out, Kernel: 1, Stride: 1, Dilation: 1, Bias: true, Init: nn.InitTorchDefault})
	}
	q, k, v := proj("query", kc), proj("key", kc), proj("value", c)
	gamma := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node { return graph.Zeros(g, s) }).
		VariableWithShape(VarGamma, shapes.Make(x.DType())).ValueGraph(x.Graph())
	return nn.SelfAttention(x, q, k, v, gamma)
}

// instanceNorm normalises x per sample and channel; with l.Affine it learns VarNormScale
// (initialised to 1) and VarNormShift (0), as PyTorch's InstanceNorm2d(affine=True).
func instanceNorm(ctx *context.Context, x *graph.Node, l sdk.Layer) *graph.Node {
	eps := l.Eps
	if eps == 0 {
		eps = instanceNormEps
	}
	if !l.Affine {
		return nn.InstanceNorm(x, nil, nil, eps)
	}
	g, dt, c := x.Graph(), x.DType(), x.Shape().Dimensions[3]
	scale := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node { return graph.Ones(g, s) }).
		VariableWithShape(VarNormScale, shapes.Make(dt, c)).ValueGraph(g)
	shift := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node { return graph.Zeros(g, s) }).
		VariableWithShape(VarNormShift, shapes.Make(dt, c)).ValueGraph(g)
	return nn.InstanceNorm(x, scale, shift, eps)
}
