package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// goResult is one Go measurement.
type goResult struct {
	desc    string    // backend description
	compile float64   // seconds of the first execution (graph building, compilation, weight init)
	times   []float64 // wall seconds of each timed step
	params  map[string]int
	losses  []string // per executed step: "name=value ..."
	// nonFinite is the first iteration with a NaN or Inf loss (-1: none). The benchmark keeps
	// timing: a from-scratch ResNet-101 with frozen (identity) BN diverges in a step or two,
	// and the work per step does not depend on the values.
	nonFinite int
}

// timeGo runs the DA step of b on the backend spec: warmup untimed iterations (the first
// builds and compiles the graph and creates the weights) and then steps timed ones. A step's
// time ends when its losses have been copied to the host, so device work is included.
//
// The step is the trainer's: a context.Exec whose graph is the strategy's Step on the
// iteration index, the source image and label and the target image, every variable (weights,
// optimizer state) updated in place between executions.
func timeGo(b *bench, spec string, warmup, steps int) (*goResult, error) {
	root := b.setup.Root
	be, err := backend.New(spec)
	if err != nil {
		return nil, err
	}
	defer be.Finalize()
	res := &goResult{desc: be.Description(), params: map[string]int{}, nonFinite: -1}
	if !backend.IsPureGo(be) && be.NumDevices() > 0 {
		res.desc += "; device 0: " + be.DeviceDescription(0)
	}
	gctx := context.New().Checked(false)
	if err := gctx.SetRNGStateFromSeed(root.Seed); err != nil {
		return nil, err
	}
	var names []string
	exec, err := context.NewExec(be, gctx, func(ctx *context.Context, in []*graph.Node) []*graph.Node {
		s := &train.Step{Ctx: ctx, Iter: in[0], Source: train.Batch{Image: in[1], Label: in[2]},
			Target: train.Batch{Image: in[3]}, Seg: b.setup.Seg, Train: root.Train}
		losses := b.setup.Strategy.Step(s)
		out := make([]*graph.Node, len(losses))
		names = names[:0]
		for i, l := range losses {
			names = append(names, l.Name)
			out[i] = graph.ConvertDType(l.Value, dtypes.Float32)
		}
		return out
	})
	if err != nil {
		return nil, fmt.Errorf("build training step: %w", err)
	}
	src := tensors.FromFlatDataAndDimensions(datasets.ToInput(b.src), 1, b.src.H, b.src.W, 3)
	lbl := tensors.FromFlatDataAndDimensions(datasets.Labels(b.src), 1, b.src.H, b.src.W)
	tgt := tensors.FromFlatDataAndDimensions(datasets.ToInput(b.tgt), 1, b.tgt.H, b.tgt.W, 3)
	for it := range warmup + steps {
		t0 := time.Now()
		outs, err := exec.Exec(tensors.FromScalar(float32(it)), src, lbl, tgt)
		if err != nil {
			return nil, fmt.Errorf("iteration %d: %w", it, err)
		}
		parts := make([]string, len(outs))
		for i, o := range outs {
			v := o.Value().(float32)
			if (math.IsNaN(float64(v)) || math.IsInf(float64(v), 0)) && res.nonFinite < 0 {
				res.nonFinite = it
			}
			parts[i] = fmt.Sprintf("%s=%.7g", names[i], v)
			o.FinalizeAll()
		}
		wall := time.Since(t0).Seconds()
		switch {
		case it == 0:
			res.compile = wall
		case it >= warmup:
			res.times = append(res.times, wall)
		}
		res.losses = append(res.losses, strings.Join(parts, " "))
	}
	for v := range gctx.IterVariables() {
		if v.Trainable {
			top, _, _ := strings.Cut(strings.TrimPrefix(v.Scope(), context.ScopeSeparator), context.ScopeSeparator)
			res.params[top] += v.Shape().Size()
		}
	}
	return res, nil
}

// runChild times the Go step and prints key-value lines for the parent: backend, times
// (comma-separated seconds of each timed step), compile_s, nonfinite_at, params_<scope> and
// loss_<iteration>.
func runChild(b *bench, spec string, warmup, steps int) error {
	r, err := timeGo(b, spec, warmup, steps)
	if err != nil {
		return err
	}
	fmt.Printf("backend %s\n", strings.ReplaceAll(r.desc, "\n", " "))
	fmt.Printf("times %s\n", floats(r.times))
	fmt.Printf("compile_s %g\n", r.compile)
	fmt.Printf("nonfinite_at %d\n", r.nonFinite)
	for _, k := range slices.Sorted(maps.Keys(r.params)) {
		fmt.Printf("params_%s %d\n", k, r.params[k])
	}
	for it, l := range r.losses {
		fmt.Printf("loss_%d %s\n", it, l)
	}
	return nil
}

// floats renders values comma-separated.
func floats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', 6, 64)
	}
	return strings.Join(s, ",")
}
