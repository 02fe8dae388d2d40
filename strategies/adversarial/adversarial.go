// Package adversarial registers the adversarial strategies of the paper's Table 3:
//
//	strategy.adaptsegnet  the baseline: one output-level discriminator (the corrector C)
//	strategy.da           DAST's DA stage: a feature-level discoverer D and the corrector C, with
//	                      the discoverer's confidence turned into attention on target features
//
// Both run the same iteration (Step) with different defaults; every ablation row is a config.
package adversarial

import (
	"fmt"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/core/optim"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/registry"
	"github.com/dast-uda/dast/strategies/adversarial/attention"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Domain labels of the GAN objectives.
const (
	SourceLabel = 0.0
	TargetLabel = 1.0
)

// Variable scopes of the discriminators and their optimizers.
const (
	DiscoverScope    = "discoverer"
	CorrectorScope   = "corrector"
	discoverOptScope = "discoverer_opt"
	correctOptScope  = "corrector_opt"
)

func init() {
	registry.Register(AdaptSegNet{})
	registry.Register(DA{})
	registry.Register(SelfTraining{})
}

// Options are the adversarial strategies' YAML options.
type Options struct {
	// Objective is the GAN objective block, {name: lsgan} or {name: bce}.
	Objective config.Block `koanf:"objective" doc:"GAN objective block: {name: lsgan} or {name: bce}"`
	LambdaD   float64      `koanf:"lambda_d" doc:"weight of the discoverer's adversarial term in the segmentor loss"`
	LambdaC   float64      `koanf:"lambda_c" doc:"weight of the corrector's adversarial term in the segmentor loss"`
	// Discoverer enables the feature-level discriminator (discriminators.discoverer).
	Discoverer bool `koanf:"discoverer" doc:"use the feature-level discoverer D (discriminators.discoverer)"`
	// Attention turns D's confidence on target features into attention: f' = f + f*|tanh(D(f))|.
	Attention bool `koanf:"attention" doc:"discriminator attention on target features (needs discoverer)"`
	// AttentionGrad lets the segmentor's gradient flow through alpha into f (the release does).
	AttentionGrad bool `koanf:"attention_grad" doc:"let gradients flow through the attention map (release: true)"`
	// CorrectorWeighting is none (release) or attention (paper: alpha weights C's adversarial loss).
	CorrectorWeighting string `koanf:"corrector_weighting" doc:"none | attention: weight C's adversarial loss per pixel by alpha"`
	// HalveDiscLoss halves each domain's discriminator loss (AdaptSegNet; the DAST release does not).
	HalveDiscLoss bool `koanf:"halve_disc_loss" doc:"halve the discriminator losses (AdaptSegNet does, DAST release does not)"`
	// PseudoLabels is a directory of target pseudo labels (dast pseudo); with it the segmentor
	// also minimises Mu * CE(up(p_t), pseudo label) (self-training).
	PseudoLabels string  `koanf:"pseudo_labels" doc:"directory of target pseudo labels (dast pseudo); enables the self-training loss"`
	Mu           float64 `koanf:"mu" doc:"weight of the pseudo-label cross-entropy on target images"`
}

// Validate checks the option combination.
func (o *Options) Validate() error {
	if o.Objective.Name() == "" {
		return fmt.Errorf("objective: a block with a name (lsgan or bce) is required")
	}
	if o.Mu < 0 {
		return fmt.Errorf("mu: %v must be >= 0", o.Mu)
	}
	if o.LambdaD < 0 || o.LambdaC < 0 {
		return fmt.Errorf("lambda_d and lambda_c must be >= 0 (got %v, %v)", o.LambdaD, o.LambdaC)
	}
	if o.Attention && !o.Discoverer {
		return fmt.Errorf("attention: needs discoverer: true (the attention is the discoverer's confidence)")
	}
	switch o.CorrectorWeighting {
	case "none":
	case "attention":
		if !o.Attention {
			return fmt.Errorf("corrector_weighting: attention needs attention: true")
		}
	default:
		return fmt.Errorf("corrector_weighting: %q must be none or attention", o.CorrectorWeighting)
	}
	return nil
}

// AdaptSegNet is strategy.adaptsegnet.
type AdaptSegNet struct{ Options }

// Module implements registry.Module.
func (AdaptSegNet) Module() registry.Info {
	return registry.Info{
		ID:          "strategy.adaptsegnet",
		Description: "AdaptSegNet baseline: output-level discriminator (corrector) only",
		New: func() registry.Module {
			return &AdaptSegNet{Options{Objective: config.Block{"name": "bce"}, LambdaC: 0.01,
				CorrectorWeighting: "none", HalveDiscLoss: true}}
		},
	}
}

// Validate implements registry.Validator.
func (a *AdaptSegNet) Validate() error {
	if a.Discoverer {
		return fmt.Errorf("discoverer: strategy.adaptsegnet has no discoverer; use strategy.da")
	}
	return a.Options.Validate()
}

// NewStrategy implements train.StrategyBuilder.
func (a *AdaptSegNet) NewStrategy(env *train.Env) (train.Strategy, error) {
	return build(env, a.Options)
}

// DADefaults are the options of DAST's DA stage (strategy.da), the one place they are
// written: LSGAN, λ_d = λ_c = 0.01, discoverer and corrector with discriminator attention
// (its gradient kept), the corrector loss weighted by the attention.
func DADefaults() Options {
	return Options{Objective: config.Block{"name": "lsgan"}, LambdaD: 0.01, LambdaC: 0.01,
		Discoverer: true, Attention: true, AttentionGrad: true, CorrectorWeighting: "attention"}
}

// SelfTrainingDefaults are DADefaults plus the pseudo-label loss weight μ = 1
// (strategy.self_training, and strategy.dast's options).
func SelfTrainingDefaults() Options {
	o := DADefaults()
	o.Mu = 1
	return o
}

// DA is strategy.da.
type DA struct{ Options }

// Module implements registry.Module.
func (DA) Module() registry.Info {
	return registry.Info{
		ID:          "strategy.da",
		Description: "DAST's DA stage: discoverer + corrector with discriminator attention",
		New: func() registry.Module {
			return &DA{DADefaults()}
		},
	}
}

// NewStrategy implements train.StrategyBuilder.
func (d *DA) NewStrategy(env *train.Env) (train.Strategy, error) { return build(env, d.Options) }

// SelfTraining is strategy.self_training: one round of DAST's self-training, the DA step plus
// Mu * CE on target pseudo labels.
type SelfTraining struct{ Options }

// Module implements registry.Module.
func (SelfTraining) Module() registry.Info {
	return registry.Info{
		ID:          "strategy.self_training",
		Description: "a DAST self-training round: the DA step plus cross-entropy on target pseudo labels",
		New: func() registry.Module {
			return &SelfTraining{SelfTrainingDefaults()}
		},
	}
}

// Validate implements registry.Validator.
func (st *SelfTraining) Validate() error {
	if st.PseudoLabels == "" {
		return fmt.Errorf("pseudo_labels: strategy.self_training needs a directory of pseudo labels (dast pseudo --out DIR)")
	}
	return st.Options.Validate()
}

// NewStrategy implements train.StrategyBuilder.
func (st *SelfTraining) NewStrategy(env *train.Env) (train.Strategy, error) {
	return build(env, st.Options)
}

// build resolves the objective and the discriminators the options name.
func build(env *train.Env, o Options) (*Adversarial, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ob, err := objective(env, o)
	if err != nil {
		return nil, err
	}
	a := &Adversarial{opts: o}
	if a.gan, err = ob.NewObjective(); err != nil {
		return nil, fmt.Errorf("strategy.objective: %w", err)
	}
	if a.corrector, err = discriminator(env, CorrectorScope, env.Classes); err != nil {
		return nil, err
	}
	if o.Discoverer {
		if a.discoverer, err = discriminator(env, DiscoverScope, env.Segmentor.FeatureChannels()); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// objective resolves the strategy's objective block (the config's, or the strategy's default).
func objective(env *train.Env, o Options) (model.ObjectiveBuilder, error) {
	return config.BuildOf[model.ObjectiveBuilder](env.Tree, "strategy.objective", "objective", o.Objective)
}

func discriminator(env *train.Env, role string, in int) (model.Discriminator, error) {
	path := "discriminators." + role
	if env.Root.Discriminators[role] == nil {
		return nil, fmt.Errorf("%s: the strategy needs a %s discriminator block, e.g. {name: %s}", path, role, role)
	}
	db, err := config.Build[model.DiscriminatorBuilder](env.Tree, path, "discriminator")
	if err != nil {
		return nil, err
	}
	d, err := db.NewDiscriminator(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// Adversarial is the built strategy.
type Adversarial struct {
	opts       Options
	gan        model.Objective
	discoverer model.Discriminator // nil for AdaptSegNet
	corrector  model.Discriminator
}

// UsesTarget implements train.TargetUser.
func (*Adversarial) UsesTarget() bool { return true }

// PseudoLabelDir implements train.PseudoLabelled.
func (a *Adversarial) PseudoLabelDir() string { return a.opts.PseudoLabels }

// Step is one iteration of the paper's Algorithm 1 without self-training (docs/ARCHITECTURE.md,
// "One training step").
func (a *Adversarial) Step(s *train.Step) []train.Loss {
	xs, ys, xt := s.Source.Image, s.Source.Label, s.Target.Image

	// 1. D and C are frozen: only the segmentor's variables are in the segmentor update below.
	//    Source forward: L_seg = CE(up(P(E(x_s))), y_s).
	fs := s.Features(xs)
	ps := s.Logits(fs)
	lossSeg := s.SegmentationLoss(ps, ys)

	// 2. Target forward, with attention: alpha = |tanh(D(f_t))|, f'_t = f_t + f_t*alpha.
	ft := s.Features(xt)
	var dt, alpha *graph.Node
	ftAtt := ft
	if a.discoverer != nil {
		dt = a.discoverer.Apply(a.dCtx(s), ft)
		if a.opts.Attention {
			alpha = attention.Alpha(dt)
			ftAtt = attention.Apply(ft, alpha, !a.opts.AttentionGrad)
		}
	}
	pt := s.Logits(ftAtt)
	qt := probabilities(pt, xt)
	ct := a.corrector.Apply(a.cCtx(s), qt)
	//    L_adv = lambda_d*GAN(D(f_t), source) + lambda_c*GAN(C(softmax(up(p_t))), source).
	var weight *graph.Node
	if a.opts.CorrectorWeighting == "attention" {
		d := ct.Shape().Dimensions
		weight = attention.ToGrid(alpha, d[1], d[2])
	}
	lossAdvC := a.gan.Loss(ct, SourceLabel, weight)
	lossAdv := graph.MulScalar(lossAdvC, a.opts.LambdaC)
	losses := []train.Loss{{Name: "seg", Value: lossSeg}, {Name: "adv_c", Value: lossAdvC}}
	if dt != nil {
		lossAdvD := a.gan.Loss(dt, SourceLabel, nil)
		lossAdv = graph.Add(lossAdv, graph.MulScalar(lossAdvD, a.opts.LambdaD))
		losses = append(losses, train.Loss{Name: "adv_d", Value: lossAdvD})
	}

	//    Self-training: + mu * CE(up(p_t), pseudo label) on the target batch.
	segTotal := graph.Add(lossSeg, lossAdv)
	if s.Target.Label != nil && a.opts.Mu > 0 {
		lossPseudo := s.SegmentationLoss(pt, s.Target.Label)
		segTotal = graph.Add(segTotal, graph.MulScalar(lossPseudo, a.opts.Mu))
		losses = append(losses, train.Loss{Name: "pseudo", Value: lossPseudo})
	}

	// 3. Segmentor update (SGD, poly LR, 10x head) on L_seg + L_adv (+ mu L_pseudo). The
	//    discriminators' gradients are computed below from their own losses; nothing here
	//    changes them.
	segGrads := optim.Gradients(segTotal, s.SegmentorGroups())

	// 4. Discriminators on stop-gradient inputs: source -> 0, target -> 1 (Adam, poly LR).
	lossC, lossD := a.discriminatorLosses(s, fs, ft, probabilities(ps, xs), qt)
	losses = append(losses, train.Loss{Name: "disc_c", Value: lossC})
	cGroups := groups(s.Ctx, "/"+CorrectorScope)
	cGrads := optim.Gradients(lossC, cGroups)
	var dGroups []optim.Group
	var dGrads []*graph.Node
	if lossD != nil {
		losses = append(losses, train.Loss{Name: "disc_d", Value: lossD})
		dGroups = groups(s.Ctx, "/"+DiscoverScope)
		dGrads = optim.Gradients(lossD, dGroups)
	}

	// All gradients were taken from the same (pre-update) weights; now apply the three updates.
	lr := s.LRScale()
	s.SegmentorOptimizer().Apply(s.Ctx, s.SegmentorGroups(), segGrads, lr)
	s.DiscriminatorOptimizer(correctOptScope).Apply(s.Ctx, cGroups, cGrads, lr)
	if a.discoverer != nil {
		s.DiscriminatorOptimizer(discoverOptScope).Apply(s.Ctx, dGroups, dGrads, lr)
	}
	return losses
}

// discriminatorLosses are the corrector's and (when present) the discoverer's losses on
// stop-gradient inputs: softmax maps qs/qt for C, features fs/ft for D. Nothing in them
// reaches the segmentor.
func (a *Adversarial) discriminatorLosses(s *train.Step, fs, ft, qs, qt *graph.Node) (lossC, lossD *graph.Node) {
	sg := graph.StopGradient
	lossC = a.discLoss(a.corrector.Apply(a.cCtx(s), sg(qs)), a.corrector.Apply(a.cCtx(s), sg(qt)))
	if a.discoverer != nil {
		lossD = a.discLoss(a.discoverer.Apply(a.dCtx(s), sg(fs)), a.discoverer.Apply(a.dCtx(s), sg(ft)))
	}
	return lossC, lossD
}

// discLoss is GAN(d(source), 0) + GAN(d(target), 1), halved when configured.
func (a *Adversarial) discLoss(onSource, onTarget *graph.Node) *graph.Node {
	l := graph.Add(a.gan.Loss(onSource, SourceLabel, nil), a.gan.Loss(onTarget, TargetLabel, nil))
	if a.opts.HalveDiscLoss {
		l = graph.MulScalar(l, 0.5)
	}
	return l
}

func (a *Adversarial) dCtx(s *train.Step) *context.Context { return s.Ctx.In(DiscoverScope) }
func (a *Adversarial) cCtx(s *train.Step) *context.Context { return s.Ctx.In(CorrectorScope) }

// Infer implements train.Inferer: target images go through the attention at inference too, so
// an evaluated DA model uses its discoverer.
func (a *Adversarial) Infer(ctx *context.Context, seg model.Segmentor, x *graph.Node) *graph.Node {
	sc := ctx.In(train.SegmentorScope)
	f := seg.Extract(sc, x)
	if a.discoverer != nil && a.opts.Attention {
		f = attention.Apply(f, attention.Alpha(a.discoverer.Apply(ctx.In(DiscoverScope), f)), true)
	}
	return seg.Predict(sc, f)
}

// HasAttention implements train.Attender.
func (a *Adversarial) HasAttention() bool { return a.discoverer != nil && a.opts.Attention }

// AttentionMap implements train.Attender: alpha = |tanh(D(E(x)))| [N,h,w,1], the map Infer
// applies to the features.
func (a *Adversarial) AttentionMap(ctx *context.Context, seg model.Segmentor, x *graph.Node) *graph.Node {
	f := seg.Extract(ctx.In(train.SegmentorScope), x)
	return attention.Alpha(a.discoverer.Apply(ctx.In(DiscoverScope), f))
}

// probabilities is softmax(up(logits)) at the image size of x, the corrector's input.
func probabilities(logits, x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	return nn.Softmax(infer.UpsampleToSize(logits, d[1], d[2]))
}

// groups is every trainable variable under scope, as one optimizer group.
func groups(ctx *context.Context, scope string) []optim.Group {
	return []optim.Group{{Vars: train.TrainableUnder(ctx, scope), LRMult: 1}}
}
