// Package backbones holds the parts DeepLab segmentors share; each segmentor lives in a
// sub-package that registers itself (segmentor.small, ...).
package backbones

import (
	"fmt"

	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ASPP is DeepLab-v2's classifier: parallel 3x3 convolutions with the given dilations (padding
// equal to the dilation, bias, weights N(0, 0.01)) whose outputs are summed. With onlyTwo, only
// the first two branches are summed, reproducing the public releases' bug, but every branch's
// variables are still created so checkpoints of both variants have the same layout.
func ASPP(ctx *context.Context, x *graph.Node, classes int, dilations []int, onlyTwo bool) *graph.Node {
	var sum *graph.Node
	for i, d := range dilations {
		y := nn.Conv(ctx.In(fmt.Sprintf("branch%d", i)), x, nn.ConvLayer{
			Out: classes, Kernel: 3, Dilation: d, Padding: d, Bias: true, Init: nn.InitNormal, Std: 0.01,
		})
		if onlyTwo && i >= 2 {
			continue
		}
		if sum == nil {
			sum = y
		} else {
			sum = graph.Add(sum, y)
		}
	}
	return sum
}

// CheckASPP validates the ASPP options every DeepLab segmentor shares: the branch dilations
// and the summing mode ("full", or "two" for the releases' bug).
func CheckASPP(mode string, dilations []int) error {
	if len(dilations) == 0 {
		return fmt.Errorf("aspp_dilations: need at least one branch")
	}
	for i, d := range dilations {
		if d < 1 {
			return fmt.Errorf("aspp_dilations[%d]: %d must be >= 1", i, d)
		}
	}
	if mode != "full" && mode != "two" {
		return fmt.Errorf("aspp: %q must be full or two", mode)
	}
	if mode == "two" && len(dilations) < 2 {
		return fmt.Errorf("aspp: two needs at least two aspp_dilations")
	}
	return nil
}
