package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// ReLU is max(x, 0). (Written with Where against a scalar zero: its gradient is one Where,
// cheaper on the pure-Go backend than Max's, and no zero tensor of x's size is built.)
func ReLU(x *graph.Node) *graph.Node {
	zero := graph.ScalarZero(x.Graph(), x.DType())
	return graph.Where(graph.GreaterThan(x, zero), x, zero)
}

// LeakyReLU is x for x > 0 and slope*x otherwise, written as x times a constant-per-pixel
// factor (1 or slope, without gradient: it is piecewise constant): the same values bit for bit
// as the select of x and slope*x, and its gradient is one product (g*1 or g*slope) instead of
// two selects, a scaling and a sum.
func LeakyReLU(x *graph.Node, slope float64) *graph.Node {
	g, dt := x.Graph(), x.DType()
	factor := graph.Where(graph.GreaterThan(x, graph.ScalarZero(g, dt)), graph.ScalarOne(g, dt), graph.Scalar(g, dt, slope))
	return graph.Mul(x, graph.StopGradient(factor))
}

// FrozenBatchNorm is inference-mode batch normalisation over the last (channel) axis:
// y = (x-mean)/sqrt(variance+eps)*gamma + beta, with mean, variance, gamma, beta of shape [C].
func FrozenBatchNorm(x, mean, variance, gamma, beta *graph.Node, eps float64) *graph.Node {
	scale := graph.Div(gamma, graph.Sqrt(graph.AddScalar(variance, eps))) // Rsqrt has no gradient in GoMLX
	shift := graph.Sub(beta, graph.Mul(mean, scale))
	return graph.Add(graph.Mul(x, bcastLast(scale, x.Rank())), bcastLast(shift, x.Rank()))
}

// bcastLast reshapes a [C] vector to rank r with C on the last axis.
func bcastLast(v *graph.Node, r int) *graph.Node {
	dims := make([]int, r)
	for i := range dims {
		dims[i] = 1
	}
	dims[r-1] = v.Shape().Dimensions[0]
	return graph.Reshape(v, dims...)
}

// Softmax is the softmax over the last axis.
func Softmax(x *graph.Node) *graph.Node { return graph.Softmax(x, -1) }

// LogSoftmax is the log-softmax over the last axis.
func LogSoftmax(x *graph.Node) *graph.Node { return graph.LogSoftmax(x, -1) }
