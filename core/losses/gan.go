package losses

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// LSGAN returns the least-squares GAN loss mean(weight * (pred - target)^2) of discriminator
// outputs pred (any shape) against the constant label target (dast: source = 0, target = 1).
// weight is nil (plain mean, PyTorch's nn.MSELoss) or broadcastable to pred's shape (same rank,
// axes of size 1 broadcast, or a scalar); the mean is over pred's elements.
func LSGAN(pred *graph.Node, target float64, weight *graph.Node) *graph.Node {
	diff := graph.AddScalar(pred, -target)
	return weightedMean("LSGAN", graph.Square(diff), weight)
}

// BCEWithLogits returns mean(weight * l) with the binary cross-entropy of the logits pred against
// the constant label target, l = max(x, 0) - x*target + log(1 + exp(-|x|)), the numerically stable
// form PyTorch's nn.BCEWithLogitsLoss uses. weight is as in LSGAN.
func BCEWithLogits(pred *graph.Node, target float64, weight *graph.Node) *graph.Node {
	g := pred.Graph()
	zero := graph.ScalarZero(g, pred.DType())
	l := graph.Sub(graph.Max(pred, zero), graph.MulScalar(pred, target))
	l = graph.Add(l, graph.Log1p(graph.Exp(graph.Neg(graph.Abs(pred)))))
	return weightedMean("BCEWithLogits", l, weight)
}

// weightedMean returns mean(weight * el) over el's elements; weight nil means 1.
func weightedMean(name string, el, weight *graph.Node) *graph.Node {
	if !el.DType().IsFloat() {
		panic(fmt.Errorf("losses.%s: pred must be float, got %s", name, el.Shape()))
	}
	if weight == nil {
		return graph.ReduceAllMean(el)
	}
	if weight.DType() != el.DType() {
		weight = graph.ConvertDType(weight, el.DType())
	}
	if !weight.Shape().IsScalar() {
		if err := broadcastable(weight.Shape(), el.Shape()); err != nil {
			panic(fmt.Errorf("losses.%s: %w", name, err))
		}
		if !weight.Shape().Equal(el.Shape()) {
			weight = graph.BroadcastToDims(weight, el.Shape().Dimensions...)
		}
	}
	return graph.ReduceAllMean(graph.Mul(weight, el))
}

// broadcastable checks that w can broadcast to shape s: same rank, each axis equal or 1.
func broadcastable(w, s shapes.Shape) error {
	if w.Rank() != s.Rank() {
		return fmt.Errorf("weight %s does not broadcast to pred %s: ranks differ", w, s)
	}
	for i, d := range w.Dimensions {
		if d != 1 && d != s.Dimensions[i] {
			return fmt.Errorf("weight %s does not broadcast to pred %s on axis %d", w, s, i)
		}
	}
	return nil
}
