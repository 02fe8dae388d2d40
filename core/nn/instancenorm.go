package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// InstanceNorm normalises every channel of every sample of x [N,H,W,C] over its H*W pixels,
// as PyTorch's F.instance_norm without running statistics: y = (x-mean)/sqrt(var+eps) with
// the biased variance, then y*gamma + beta when gamma and beta [C] are not nil.
func InstanceNorm(x, gamma, beta *graph.Node, eps float64) *graph.Node {
	if x.Rank() != 4 || (gamma == nil) != (beta == nil) {
		panic(fmt.Sprintf("nn.InstanceNorm: want x [N,H,W,C] and both or neither of gamma, beta; got %s", x.Shape()))
	}
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, 1, 2)
	centred := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Square(centred), graph.ReduceMean, 1, 2)
	y := graph.Div(centred, graph.Sqrt(graph.AddScalar(variance, eps))) // Rsqrt has no gradient in GoMLX
	if gamma != nil {
		y = graph.Add(graph.Mul(y, bcastLast(gamma, 4)), bcastLast(beta, 4))
	}
	return y
}
