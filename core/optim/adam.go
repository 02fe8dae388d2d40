package optim

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// AdamConfig configures Adam. DAST's discriminators: LR 1e-4, Beta1 0.9, Beta2 0.99.
// Zero Beta1, Beta2 and Eps take PyTorch's defaults 0.9, 0.999 and 1e-8.
type AdamConfig struct {
	LR          float64
	Beta1       float64
	Beta2       float64
	Eps         float64
	WeightDecay float64 // L2 penalty added to the gradient (PyTorch Adam, not AdamW)
}

// withDefaults fills the zero fields.
func (c AdamConfig) withDefaults() AdamConfig {
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	return c
}

// Adam is torch.optim.Adam (amsgrad off): with t the step (from 1), d = g + wd*p;
// m = b1*m + (1-b1)*d; v = b2*v + (1-b2)*d²; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
// State: "<name>_m" and "<name>_v" per variable and the step counter shared by all its variables.
type Adam struct {
	cfg AdamConfig
	st  state
}

// NewAdam returns an Adam optimizer keeping its state under the context scope "/"+scope.
func NewAdam(cfg AdamConfig, scope string) *Adam {
	return &Adam{cfg: cfg.withDefaults(), st: newState("Adam", scope)}
}

// Config returns the optimizer's configuration, defaults filled in.
func (o *Adam) Config() AdamConfig { return o.cfg }

// Scope implements Optimizer.
func (o *Adam) Scope() string { return o.st.scope }

// Reset implements Optimizer.
func (o *Adam) Reset(ctx *context.Context) error { return o.st.reset(ctx) }

// Apply implements Optimizer.
func (o *Adam) Apply(ctx *context.Context, groups []Group, grads []*graph.Node, lrScale *graph.Node) {
	g := prepare("Adam "+o.st.scope, groups, grads, lrScale)
	if g == nil {
		return
	}
	c := o.cfg
	// Scalars in float64, as PyTorch computes them in Python floats.
	t := graph.ConvertDType(o.st.step(ctx, g), dtypes.Float64)
	bc1 := graph.OneMinus(graph.Pow(graph.Scalar(g, dtypes.Float64, c.Beta1), t))
	bc2Sqrt := graph.Sqrt(graph.OneMinus(graph.Pow(graph.Scalar(g, dtypes.Float64, c.Beta2), t)))
	lrs := lrNodes(g, c.LR, groups, lrScale)
	i := 0
	for gi, gr := range groups {
		stepSize := graph.Div(lrs[gi], bc1)
		for _, v := range gr.Vars {
			grad := grads[i]
			i++
			if grad == nil {
				continue
			}
			p := v.ValueGraph(g)
			dt := p.DType()
			d := grad
			if c.WeightDecay != 0 {
				d = graph.Add(d, graph.MulScalar(p, c.WeightDecay))
			}
			mVar, vVar := o.st.slot(ctx, v, "m"), o.st.slot(ctx, v, "v")
			m := graph.Add(graph.MulScalar(mVar.ValueGraph(g), c.Beta1), graph.MulScalar(d, 1-c.Beta1))
			sq := graph.Add(graph.MulScalar(vVar.ValueGraph(g), c.Beta2),
				graph.MulScalar(graph.Mul(d, d), 1-c.Beta2))
			mVar.SetValueGraph(m)
			vVar.SetValueGraph(sq)
			denom := graph.AddScalar(graph.Div(graph.Sqrt(sq), as(bc2Sqrt, dt)), c.Eps)
			v.SetValueGraph(graph.Sub(p, graph.Div(graph.Mul(as(stepSize, dt), m), denom)))
		}
	}
}
