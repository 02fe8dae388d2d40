package optim

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Poly returns the float32 scalar (1 - it/maxIt)^power, the polynomial learning-rate decay of
// DeepLab (power 0.9), clamped to 0 once it >= maxIt. it is a scalar node of any numeric dtype
// holding the 0-based iteration, so one compiled graph serves every step; pass the result as
// Apply's lrScale. It panics when maxIt <= 0.
func Poly(it *graph.Node, maxIt int, power float64) *graph.Node {
	if maxIt <= 0 {
		panic(fmt.Errorf("optim.Poly: maxIt must be positive, got %d", maxIt))
	}
	if !it.Shape().IsScalar() {
		panic(fmt.Errorf("optim.Poly: iteration must be a scalar, got %s", it.Shape()))
	}
	g := it.Graph()
	frac := graph.DivScalar(graph.ConvertDType(it, dtypes.Float64), float64(maxIt))
	base := graph.Max(graph.OneMinus(frac), graph.ScalarZero(g, dtypes.Float64))
	return graph.ConvertDType(graph.Pow(base, graph.Scalar(g, dtypes.Float64, power)), dtypes.Float32)
}

// PolyValue is Poly computed on the host, for logging the learning rate.
func PolyValue(it, maxIt int, power float64) float64 {
	if maxIt <= 0 {
		return 0
	}
	base := 1 - float64(it)/float64(maxIt)
	if base <= 0 {
		return 0
	}
	return math.Pow(base, power)
}
