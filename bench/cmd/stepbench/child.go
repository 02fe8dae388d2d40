package main

import (
	"fmt"
	"maps"
	"math"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dast-uda/dast/bench/internal/peer"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// goResult is one Go measurement.
type goResult struct {
	times, cpus []float64 // per timed step: wall and process CPU seconds
	compile     float64   // seconds of the first execution (graph building and compilation)
	params      map[string]int
	losses      []string // per executed step (warm-up included): "name=value ..."
	kernels     string   // fastgo's status
}

// timeGo runs the training step of b on the pure-Go backend spec: warmup untimed iterations
// (the first one builds and compiles the graph) and then steps timed ones. With dump set, the
// initial weights are written there first (see dumpWeights).
//
// The step is the trainer's (core/train's compile): a context.Exec whose graph is the
// strategy's Step on the iteration index, the source image and label and the target image,
// with every variable (weights, optimizer state) updated in place between executions.
func timeGo(b *bench, spec string, warmup, steps int, dump, profile string) (*goResult, error) {
	root := b.setup.Root
	be, err := backend.New(spec)
	if err != nil {
		return nil, err
	}
	defer be.Finalize()
	res := &goResult{kernels: fastgo.Status(), params: map[string]int{}}
	if !backend.IsPureGo(be) {
		res.kernels = "n/a (not the pure-Go backend)"
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
	h, w := b.h, b.w
	src := tensors.FromFlatDataAndDimensions(datasets.ToInput(b.src), 1, h, w, 3)
	lbl := tensors.FromFlatDataAndDimensions(datasets.Labels(b.src), 1, h, w)
	tgt := tensors.FromFlatDataAndDimensions(datasets.ToInput(b.tgt), 1, h, w, 3)

	// Create and initialize the networks' weights with a forward pass of their own, so that
	// they can be written out before the first step changes them. The step graph then finds
	// them in the (unchecked) context and creates only the optimizers' state.
	if err := initWeights(b, be, gctx, src); err != nil {
		return nil, err
	}
	if dump != "" {
		if err := dumpWeights(gctx, dump); err != nil {
			return nil, err
		}
	}

	for it := range warmup + steps {
		if it == warmup && profile != "" {
			stop, err := startProfile(profile)
			if err != nil {
				return nil, err
			}
			defer stop()
		}
		t0, c0 := time.Now(), peer.CPUSeconds()
		outs, err := exec.Exec(tensors.FromScalar(float32(it)), src, lbl, tgt)
		if err != nil {
			return nil, fmt.Errorf("iteration %d: %w", it, err)
		}
		var parts []string
		for i, o := range outs {
			v := o.Value().(float32)
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("iteration %d: loss %s is %v", it, names[i], v)
			}
			parts = append(parts, fmt.Sprintf("%s=%.7g", names[i], v))
			o.FinalizeAll()
		}
		wall, cpu := time.Since(t0).Seconds(), peer.CPUSeconds()-c0
		switch {
		case it == 0:
			res.compile = wall
		case it >= warmup:
			res.times = append(res.times, wall)
			res.cpus = append(res.cpus, cpu)
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

// startProfile starts a CPU profile written to path; stop ends it and closes the file.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile %s: %w", path, err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// vmHWM is this process's peak resident memory in MiB (VmHWM in /proc/self/status), or NaN.
func vmHWM() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			if _, err := fmt.Sscan(rest, &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return math.NaN()
}

// runChild is the child process's job: time the Go step and print key-value lines for the
// parent: times and cpus (comma-separated seconds of each timed step), compile_s, vmhwm_mb,
// kernels, loss_<iteration> for every step run and params_<scope>.
func runChild(b *bench, spec string, warmup, steps int, dump, profile string) error {
	r, err := timeGo(b, spec, warmup, steps, dump, profile)
	if err != nil {
		return err
	}
	fmt.Printf("times %s\n", floats(r.times))
	fmt.Printf("cpus %s\n", floats(r.cpus))
	fmt.Printf("compile_s %g\n", r.compile)
	fmt.Printf("vmhwm_mb %g\n", vmHWM())
	fmt.Printf("kernels %s\n", r.kernels)
	for it, l := range r.losses {
		fmt.Printf("loss_%d %s\n", it, l)
	}
	for _, k := range slices.Sorted(maps.Keys(r.params)) {
		fmt.Printf("params_%s %d\n", k, r.params[k])
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
