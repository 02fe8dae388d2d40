// Package attention is DAST's discriminator attention: the discoverer's logits d = D(f) on a
// target feature f become a one-channel map alpha = |tanh(d)|, and the predictor P sees
// f' = f + f*alpha instead of f. Positions the discoverer finds clearly domain-specific
// (|d| large) are amplified. The same alpha, resized to the corrector's output grid, may also
// weight the corrector's per-pixel adversarial loss (the paper; the release does not).
package attention

import (
	"fmt"

	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// Alpha is |tanh(d)| for discoverer logits d [N,h,w,1].
func Alpha(d *graph.Node) *graph.Node {
	checkMap("Alpha", "d", d)
	return graph.Abs(graph.Tanh(d))
}

// Apply returns f + f*alpha for a feature f [N,h,w,C] and alpha [N,h,w,1] (alpha broadcast over
// f's channels). With stopGradient, alpha is wrapped in StopGradient, so no gradient reaches the
// discoverer or, through it, f; the release lets the gradient flow (stopGradient=false is the
// strategies' default).
func Apply(f, alpha *graph.Node, stopGradient bool) *graph.Node {
	checkMap("Apply", "alpha", alpha)
	fd, ad := f.Shape().Dimensions, alpha.Shape().Dimensions
	if f.Rank() != 4 || fd[0] != ad[0] || fd[1] != ad[1] || fd[2] != ad[2] {
		panic(fmt.Sprintf("attention.Apply: want f [N,h,w,C] matching alpha %s, got f %s", alpha.Shape(), f.Shape()))
	}
	if alpha.DType() != f.DType() {
		alpha = graph.ConvertDType(alpha, f.DType())
	}
	if stopGradient {
		alpha = graph.StopGradient(alpha)
	}
	if fd[3] != 1 {
		alpha = graph.BroadcastToDims(alpha, fd...)
	}
	return graph.Add(f, graph.Mul(f, alpha))
}

// ToGrid resizes alpha [N,h,w,1] to [N,H,W,1] bilinearly (align_corners true) so it can weight
// the corrector's per-pixel loss on the corrector's output grid (H x W).
func ToGrid(alpha *graph.Node, h, w int) *graph.Node {
	checkMap("ToGrid", "alpha", alpha)
	if h < 1 || w < 1 {
		panic(fmt.Sprintf("attention.ToGrid: grid %dx%d must be positive", h, w))
	}
	return nn.ResizeBilinear(alpha, h, w, true)
}

// checkMap panics (the GoMLX way for graph-building errors) unless x is [N,h,w,1].
func checkMap(fn, name string, x *graph.Node) {
	if x.Rank() != 4 || x.Shape().Dimensions[3] != 1 {
		panic(fmt.Sprintf("attention.%s: want %s [N,h,w,1], got %s", fn, name, x.Shape()))
	}
}
