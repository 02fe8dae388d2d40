package describe

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Report describes an assembled run.
type Report struct {
	Config    string
	Strategy  string
	Classes   int
	BatchSize int
	// Inputs are the image sizes [N,H,W] described: source, then target when the strategy uses it.
	Inputs     [][]int
	InputNames []string
	Seg        *SegmentorReport
	// Discriminators are the configured discriminators, on the inputs their role implies: the
	// discoverer on features f, any other role on class probabilities at image resolution.
	Discriminators []*Component
	// Scopes sums the training step's variables by top-level scope (segmentor, each
	// discriminator, each optimizer's slots, ...).
	Scopes []Component
	Memory Memory
}

// Memory is the training-step memory estimate, in bytes (see the package documentation).
type Memory struct {
	Variables   int64
	Gradients   int64
	Activations int64 // 2 x Forward: the forward outputs backpropagation keeps and their gradients
	Forward     int64 // forward layer outputs (native layers) of the segmentor and discriminators per domain
	StepGraph   int64 // every node output of the pure-Go training-step graph: no-reuse upper bound
}

// Total is variables + gradients + activations.
func (m Memory) Total() int64 { return m.Variables + m.Gradients + m.Activations }

// Describe builds setup's segmentor, discriminators and one training step on placeholder
// inputs of the datasets' image sizes and reports sizes and memory. Nothing is executed.
func Describe(b backends.Backend, setup *train.Setup) (*Report, error) {
	bs := setup.Root.Train.BatchSize
	if bs < 1 {
		bs = 1
	}
	r := &Report{Config: setup.Tree.Path(), Strategy: setup.StrategyName, Classes: setup.Classes, BatchSize: bs}
	// Input sizes: the datasets' declared sizes (train.AssembleDeclared), else sample 0's.
	h, w, err := train.SampleSize(setup.Source)
	if err != nil {
		return nil, fmt.Errorf("describe: data.source: %w", err)
	}
	r.Inputs = append(r.Inputs, []int{bs, h, w})
	r.InputNames = append(r.InputNames, "source")
	if setup.Target != nil {
		h, w, err := train.SampleSize(setup.Target)
		if err != nil {
			return nil, fmt.Errorf("describe: data.target: %w", err)
		}
		r.Inputs = append(r.Inputs, []int{bs, h, w})
		r.InputNames = append(r.InputNames, "target")
	}
	// Components are built with the native layer ops (one node per layer, as XLA and PyTorch
	// run them): their node outputs are the forward activations.
	if r.Seg, err = Segmentor(NativeLayers(b), setup.Seg, r.Inputs...); err != nil {
		return nil, err
	}
	for _, f := range r.Seg.Forward {
		r.Memory.Forward += f
	}
	if err := r.discriminators(NativeLayers(b), setup); err != nil {
		return nil, err
	}
	for _, d := range r.Discriminators {
		for _, f := range d.Forward {
			r.Memory.Forward += f
		}
	}
	r.Memory.Activations = 2 * r.Memory.Forward
	if err := r.step(b, setup); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Report) discriminators(b backends.Backend, setup *train.Setup) error {
	roles := make([]string, 0, len(setup.Root.Discriminators))
	for role := range setup.Root.Discriminators {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	for _, role := range roles {
		path := "discriminators." + role
		db, err := config.Build[model.DiscriminatorBuilder](setup.Tree, path, "discriminator")
		if err != nil {
			return err
		}
		var ins []shapes.Shape
		in := setup.Classes
		if role == "discoverer" {
			in = setup.Seg.FeatureChannels()
			ins = r.Seg.E.Outputs
		} else {
			for _, s := range r.Inputs {
				ins = append(ins, shapes.Make(dtypes.Float32, s[0], s[1], s[2], setup.Classes))
			}
		}
		d, err := db.NewDiscriminator(in)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		c, err := Discriminator(b, role, d, ins...)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		r.Discriminators = append(r.Discriminators, c)
	}
	return nil
}

// step builds the strategy's training step as the trainer does and sums its variables by
// top-level scope and its nodes' outputs.
func (r *Report) step(b backends.Backend, setup *train.Setup) error {
	ctx := context.New().Checked(false)
	g := graph.NewGraph(b, "describe_step")
	defer g.Finalize()
	err := catch("training step", func() {
		ctx.SetTraining(g, true) // as in a training step (train-mode layers such as bn: batch_stats)
		src := r.Inputs[0]
		s := &train.Step{Ctx: ctx, Iter: graph.Parameter(g, "iter", shapes.Make(dtypes.Float32)),
			Source: train.Batch{
				Image: graph.Parameter(g, "source", shapes.Make(dtypes.Float32, src[0], src[1], src[2], 3)),
				Label: graph.Parameter(g, "labels", shapes.Make(dtypes.Int32, src[0], src[1], src[2])),
			},
			Seg: setup.Seg, Train: setup.Root.Train}
		if len(r.Inputs) > 1 {
			tgt := r.Inputs[1]
			s.Target = train.Batch{Image: graph.Parameter(g, "target", shapes.Make(dtypes.Float32, tgt[0], tgt[1], tgt[2], 3))}
		}
		setup.Strategy.Step(s)
	})
	if err != nil {
		return err
	}
	byScope := map[string]*Component{}
	var order []string
	for v := range ctx.IterVariables() {
		top := strings.SplitN(strings.TrimPrefix(v.Scope(), context.ScopeSeparator), context.ScopeSeparator, 2)[0]
		if top == "" {
			top = "(root)"
		}
		c, ok := byScope[top]
		if !ok {
			c = &Component{Name: top}
			byScope[top] = c
			order = append(order, top)
		}
		c.add(v)
		bytes := int64(v.Shape().Memory())
		r.Memory.Variables += bytes
		if v.Trainable {
			r.Memory.Gradients += bytes
		}
	}
	sort.Strings(order)
	for _, name := range order {
		r.Scopes = append(r.Scopes, *byScope[name])
	}
	r.Memory.StepGraph = activationBytes(g)
	return nil
}

// WriteText prints r as tables: components with parameter counts and output shapes, the
// training step's variables by scope, and the memory estimate.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "config %s: strategy %s, %d classes, batch %d, inputs %s\n\n", r.Config, r.Strategy, r.Classes, r.BatchSize, r.inputString())
	fmt.Fprintln(tw, "component\tparams\ttrainable\tBN stats\tvariables\toutputs ("+strings.Join(r.InputNames, ", ")+")\t")
	comps := []*Component{&r.Seg.E, &r.Seg.P}
	comps = append(comps, r.Discriminators...)
	var total int64
	for i, c := range comps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t\n", c.Name, Count(c.Params), Count(c.Trainable), Count(c.Stats), c.Variables, ShapeString(c.Outputs))
		total += c.Params
		if i == 1 && len(comps) > 2 {
			fmt.Fprintf(tw, "segmentor E+P\t%s\t\t\t\t\t\n", Count(total))
		}
	}
	fmt.Fprintf(tw, "total\t%s\t\t\t\t\t\n", Count(total))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")
	fmt.Fprintln(tw, "step scope\tvalues\ttrainable\t\tvariables\tbytes\t")
	for _, c := range r.Scopes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\t%d\t%s\t\n", c.Name, Count(c.Params+c.Stats), Count(c.Trainable), c.Variables, Bytes(c.Bytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	m := r.Memory
	_, err := fmt.Fprintf(w, "\ntraining-step memory estimate (float32):\n"+
		"  variables (weights, BN stats, optimizer slots)     %10s\n"+
		"  gradients (one per trainable value)                %10s\n"+
		"  activations (2 x forward layer outputs)           %10s\n"+
		"  total                                              %10s\n"+
		"  pure-Go step graph, every node, no buffer reuse    %10s  (upper bound on the go backend)\n",
		Bytes(m.Variables), Bytes(m.Gradients), Bytes(m.Activations), Bytes(m.Total()), Bytes(m.StepGraph))
	return err
}

func (r *Report) inputString() string {
	parts := make([]string, len(r.Inputs))
	for i, in := range r.Inputs {
		parts[i] = fmt.Sprintf("%s %dx%d", r.InputNames[i], in[1], in[2])
	}
	return strings.Join(parts, ", ")
}

// Count formats n with thousands separators.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Bytes formats n bytes in binary units.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}
