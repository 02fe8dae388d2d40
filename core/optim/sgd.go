package optim

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// SGDConfig configures SGD. DAST's segmentor: LR 2.5e-4, Momentum 0.9, WeightDecay 5e-4.
type SGDConfig struct {
	LR          float64 // base learning rate
	Momentum    float64 // 0 disables the momentum buffer
	WeightDecay float64 // L2 penalty added to the gradient
}

// SGD is stochastic gradient descent with PyTorch's torch.optim.SGD semantics (no dampening, no
// Nesterov): d = g + wd*p; buf = momentum*buf + d (buf starts at zero, so the first step's buf is
// d exactly); p -= lr*buf. State: one "<name>_momentum" buffer per variable and the step counter.
type SGD struct {
	cfg SGDConfig
	st  state
}

// NewSGD returns an SGD optimizer keeping its state under the context scope "/"+scope.
func NewSGD(cfg SGDConfig, scope string) *SGD {
	return &SGD{cfg: cfg, st: newState("SGD", scope)}
}

// Config returns the optimizer's configuration.
func (o *SGD) Config() SGDConfig { return o.cfg }

// Scope implements Optimizer.
func (o *SGD) Scope() string { return o.st.scope }

// Reset implements Optimizer.
func (o *SGD) Reset(ctx *context.Context) error { return o.st.reset(ctx) }

// Apply implements Optimizer.
func (o *SGD) Apply(ctx *context.Context, groups []Group, grads []*graph.Node, lrScale *graph.Node) {
	g := prepare("SGD "+o.st.scope, groups, grads, lrScale)
	if g == nil {
		return
	}
	o.st.step(ctx, g)
	lrs := lrNodes(g, o.cfg.LR, groups, lrScale)
	i := 0
	for gi, gr := range groups {
		for _, v := range gr.Vars {
			grad := grads[i]
			i++
			if grad == nil {
				continue
			}
			p := v.ValueGraph(g)
			d := grad
			if o.cfg.WeightDecay != 0 {
				d = graph.Add(d, graph.MulScalar(p, o.cfg.WeightDecay))
			}
			if o.cfg.Momentum != 0 {
				buf := o.st.slot(ctx, v, "momentum")
				b := graph.Add(graph.MulScalar(buf.ValueGraph(g), o.cfg.Momentum), d)
				buf.SetValueGraph(b)
				d = b
			}
			v.SetValueGraph(graph.Sub(p, graph.Mul(as(lrs[gi], p.DType()), d)))
		}
	}
}
