package train

import (
	"strings"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/losses"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/optim"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Scope names of the step graph's variables.
const (
	SegmentorScope = "segmentor"
	SegOptScope    = "seg_opt"
)

// IgnoreLabel marks pixels without a label.
const IgnoreLabel = 255

// Batch is one domain's input to a step.
type Batch struct {
	Image *graph.Node // [N,H,W,3] BGR minus mean
	Label *graph.Node // [N,H,W] int32 trainIds, 255 ignored; nil when the domain is unlabelled
}

// Step is the graph-building view of one training iteration that strategies use.
type Step struct {
	Ctx    *context.Context // root context (unchecked)
	Iter   *graph.Node      // float32 scalar: index of this iteration, 0-based
	Source Batch
	Target Batch // Image is nil unless the strategy is a TargetUser
	Seg    model.Segmentor
	Train  config.Train
}

// SegCtx is the segmentor's variable scope.
func (s *Step) SegCtx() *context.Context { return s.Ctx.In(SegmentorScope) }

// Features runs E on images.
func (s *Step) Features(x *graph.Node) *graph.Node { return s.Seg.Extract(s.SegCtx(), x) }

// Logits runs P on features.
func (s *Step) Logits(f *graph.Node) *graph.Node { return s.Seg.Predict(s.SegCtx(), f) }

// SegmentationLoss is the cross-entropy of logits upsampled (bilinear, align_corners) to the
// label size, ignoring label 255.
func (s *Step) SegmentationLoss(logits, labels *graph.Node) *graph.Node {
	return losses.CrossEntropy(UpsampleTo(logits, labels), labels, IgnoreLabel)
}

// UpsampleTo resizes logits [N,h,w,C] bilinearly (align_corners) to the spatial size of
// labels [N,H,W].
func UpsampleTo(logits, labels *graph.Node) *graph.Node {
	d := labels.Shape().Dimensions
	return infer.UpsampleToSize(logits, d[1], d[2])
}

// SegmentorGroups returns the segmentor's variables as optimizer groups: the backbone at the
// base learning rate and the head scopes at head_lr_mult times it. Call it after the forward
// passes have created the variables.
func (s *Step) SegmentorGroups() []optim.Group {
	return SegmentorGroups(s.Ctx, s.Seg, s.Train.HeadLRMult)
}

// SegmentorGroups splits the trainable variables under the segmentor scope into backbone and
// head groups.
func SegmentorGroups(ctx *context.Context, seg model.Segmentor, headMult float64) []optim.Group {
	var body, head []*context.Variable
	for _, v := range TrainableUnder(ctx, "/"+SegmentorScope) {
		isHead := false
		for _, h := range seg.HeadScopes() {
			if inScope(v.Scope(), "/"+SegmentorScope+"/"+h) {
				isHead = true
			}
		}
		if isHead {
			head = append(head, v)
		} else {
			body = append(body, v)
		}
	}
	return []optim.Group{{Vars: body, LRMult: 1}, {Vars: head, LRMult: headMult}}
}

// TrainableUnder lists the trainable variables in scope (absolute, "/name") and below it.
func TrainableUnder(ctx *context.Context, scope string) []*context.Variable {
	var out []*context.Variable
	for v := range ctx.IterVariables() {
		if v.Trainable && inScope(v.Scope(), scope) {
			out = append(out, v)
		}
	}
	return out
}

func inScope(scope, root string) bool {
	return scope == root || strings.HasPrefix(scope, root+"/")
}

// LRScale is the poly decay factor (1 - it/horizon)^power shared by every optimizer of a step.
func (s *Step) LRScale() *graph.Node {
	return optim.Poly(s.Iter, s.Train.Horizon(), s.Train.PolyPower)
}

// SegmentorOptimizer is the segmentor's SGD (momentum, weight decay; state under seg_opt).
func (s *Step) SegmentorOptimizer() optim.Optimizer {
	return optim.NewSGD(optim.SGDConfig{LR: s.Train.LR, Momentum: s.Train.Momentum, WeightDecay: s.Train.WeightDecay}, SegOptScope)
}

// DiscriminatorOptimizer is a discriminator's Adam (disc_lr, disc_beta1/2), state under scope.
func (s *Step) DiscriminatorOptimizer(scope string) optim.Optimizer {
	return optim.NewAdam(optim.AdamConfig{LR: s.Train.DiscLR, Beta1: s.Train.DiscBeta1, Beta2: s.Train.DiscBeta2}, scope)
}

// UpdateSegmentor adds the segmentor's SGD update for loss (momentum, weight decay, poly LR
// over train.poly_horizon, head multiplier). Only segmentor variables change.
func (s *Step) UpdateSegmentor(loss *graph.Node) {
	optim.Minimize(s.Ctx, s.SegmentorOptimizer(), loss, s.SegmentorGroups(), s.LRScale())
}
