package resnet

import (
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// bnMomentum is PyTorch's BatchNorm2d running-statistics momentum.
const bnMomentum = 0.1

// bnVar returns a non-trainable [C] batch-norm variable of ctx (created with value init).
func bnVar(ctx *context.Context, name string, c int, x *graph.Node, init float64) *context.Variable {
	v := ctx.WithInitializer(func(g *graph.Graph, s shapes.Shape) *graph.Node {
		return graph.BroadcastToDims(graph.Scalar(g, s.DType, init), s.Dimensions...)
	}).VariableWithShape(name, shapes.Make(x.DType(), c))
	v.SetTrainable(false)
	return v
}

// batchStatsBN is PyTorch's BatchNorm2d in train mode with frozen affine parameters, for graphs
// marked as training (ctx.SetTraining(g, true)): x [N,H,W,C] is normalised with the batch's
// mean and biased variance over N, H and W (gradients flow through both), and the running
// statistics move by momentum 0.1 towards the batch mean and unbiased variance. In other graphs
// (evaluation) it is FrozenBN. The variables are FrozenBN's, so checkpoints and pretrained
// files are the same in both modes.
func batchStatsBN(ctx *context.Context, x *graph.Node, eps float64) *graph.Node {
	g := x.Graph()
	d := x.Shape().Dimensions
	c := d[3]
	mean, variance := bnVar(ctx, nn.VarMean, c, x, 0), bnVar(ctx, nn.VarVariance, c, x, 1)
	gamma, beta := bnVar(ctx, nn.VarGamma, c, x, 1).ValueGraph(g), bnVar(ctx, nn.VarBeta, c, x, 0).ValueGraph(g)
	if !ctx.IsTraining(g) {
		return nn.FrozenBatchNorm(x, mean.ValueGraph(g), variance.ValueGraph(g), gamma, beta, eps)
	}
	bm := graph.ReduceMean(x, 0, 1, 2)
	centered := graph.Sub(x, graph.Reshape(bm, 1, 1, 1, c))
	bv := graph.ReduceMean(graph.Mul(centered, centered), 0, 1, 2)
	n := float64(d[0] * d[1] * d[2])
	unbiased := graph.StopGradient(bv)
	if n > 1 {
		unbiased = graph.MulScalar(unbiased, n/(n-1))
	}
	mean.SetValueGraph(graph.Add(graph.MulScalar(mean.ValueGraph(g), 1-bnMomentum), graph.MulScalar(graph.StopGradient(bm), bnMomentum)))
	variance.SetValueGraph(graph.Add(graph.MulScalar(variance.ValueGraph(g), 1-bnMomentum), graph.MulScalar(unbiased, bnMomentum)))
	return nn.FrozenBatchNorm(x, bm, bv, gamma, beta, eps)
}
