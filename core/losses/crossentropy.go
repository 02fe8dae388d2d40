package losses

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// CrossEntropy returns the mean cross-entropy of logits [N,H,W,C] against labels [N,H,W]
// (integer class ids in [0, C), or ignore), averaged over the pixels whose label is not ignore,
// like PyTorch's nn.CrossEntropyLoss(ignore_index=ignore). When every pixel is ignored the loss is
// exactly 0 and so is its gradient (PyTorch gives NaN there).
//
// Labels outside [0, C) other than ignore contribute zero loss but still count in the mean.
// It panics (the GoMLX way) when the shapes do not fit.
func CrossEntropy(logits, labels *graph.Node, ignore int) *graph.Node {
	ls, ys := logits.Shape(), labels.Shape()
	if !ls.DType.IsFloat() {
		panic(fmt.Errorf("losses.CrossEntropy: logits must be float, got %s", ls))
	}
	if !ys.DType.IsInt() {
		panic(fmt.Errorf("losses.CrossEntropy: labels must be integer, got %s", ys))
	}
	if ls.Rank() != ys.Rank()+1 {
		panic(fmt.Errorf("losses.CrossEntropy: logits %s must have one more axis than labels %s", ls, ys))
	}
	for i, d := range ys.Dimensions {
		if ls.Dimensions[i] != d {
			panic(fmt.Errorf("losses.CrossEntropy: logits %s and labels %s disagree on axis %d", ls, ys, i))
		}
	}
	g := logits.Graph()
	numClasses := ls.Dimensions[ls.Rank()-1]

	valid := graph.NotEqual(labels, graph.Scalar(g, ys.DType, ignore))
	safe := graph.Where(valid, labels, graph.ZerosLike(labels))
	oneHot := graph.OneHot(safe, numClasses, ls.DType)
	// -log p[label] per pixel; the one-hot is constant so only logits get a gradient.
	nll := graph.Neg(graph.ReduceSum(graph.Mul(graph.LogSoftmax(logits, -1), oneHot), -1))
	mask := graph.ConvertDType(valid, ls.DType)
	total := graph.ReduceAllSum(graph.Mul(nll, mask))
	count := graph.ReduceAllSum(mask)
	// max(count, 1): all-ignored gives 0/1 = 0, and the zero mask zeroes every gradient.
	return graph.Div(total, graph.Max(count, graph.OnesLike(count)))
}
