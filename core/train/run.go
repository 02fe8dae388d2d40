package train

import (
	stdctx "context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/tblog"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"go.uber.org/zap"
)

// Files of a run directory.
const (
	ConfigFile     = runinfo.ConfigFile  // the fully resolved config
	MetricsFile    = runinfo.MetricsFile // final target-val metrics
	HistoryFile    = "history.jsonl"
	CheckpointsDir = runinfo.CheckpointsDir
)

// Progress reports the advance of a long loop (a bar on a terminal, log lines otherwise).
type Progress interface {
	Add(n int)
	Close()
}

// Options control a run beyond its config.
type Options struct {
	// RunDir is the run directory. Empty: <out_dir>/<name>, with a numeric suffix when taken.
	RunDir string
	// Resume continues the run in RunDir from its newest checkpoint.
	Resume bool
	Log    *zap.Logger
	// NewProgress makes a progress reporter; nil logs plain lines.
	NewProgress func(total int, what string) Progress
	// Args is the command line recorded in run.json (default os.Args).
	Args []string
	// UntilStage, for a staged run (RunStages), stops after the stage of that name, leaving
	// the later stages (and the run's stages.json and metrics.json) to a later call: dast
	// matrix --executor slurm runs each stage as its own job.
	UntilStage string
}

// Result is what a finished run produced.
type Result struct {
	Dir        string
	Iterations int
	Checkpoint string
	Metrics    *metrics.Metrics // nil without data.val
}

// Run trains the configured model, checkpointing as it goes, and evaluates it on data.val.
func Run(ctx stdctx.Context, setup *Setup, opts Options) (*Result, error) {
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	root := setup.Root
	if root.Train.Iterations <= 0 {
		return nil, fmt.Errorf("%s: train.iterations: %d: nothing to train (set train.iterations to the number of steps)", sourceOf(setup, "train.iterations"), root.Train.Iterations)
	}
	if err := preflight(setup, log); err != nil {
		return nil, err
	}
	dir, lock, err := prepareDir(setup, opts, log)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if w, ok := setup.Seg.(model.Warner); ok && root.InitFrom == "" {
		for _, msg := range w.Warnings() {
			log.Warn(msg)
		}
	}
	log.Info("run", zap.String("dir", dir), zap.String("strategy", setup.StrategyName),
		zap.Int64("seed", root.Seed), zap.String("backend", root.Backend), zap.Int("iterations", root.Train.Iterations))

	b, err := backend.New(root.Backend)
	if err != nil {
		return nil, err
	}
	defer b.Finalize()

	gctx := context.New().Checked(false)
	start := 0
	var snap *checkpoint.Snapshot
	if opts.Resume {
		last, ok, err := checkpoint.Latest(filepath.Join(dir, CheckpointsDir))
		if err != nil {
			return nil, err
		}
		if ok {
			if snap, err = checkpoint.Open(last.Path); err != nil {
				return nil, err
			}
			if start, err = snap.Iteration(); err != nil {
				return nil, err
			}
			if s := snap.Meta["seed"]; s != strconv.FormatInt(root.Seed, 10) {
				return nil, fmt.Errorf("resume %s: checkpoint seed %q differs from the config's %d", dir, s, root.Seed)
			}
			snap.Attach(gctx)
			// The RNG state is only read by initializers, which a resumed run does not call:
			// load it now so it continues from the checkpoint's state.
			gctx.GetVariableByScopeAndName(context.RootScope, context.RNGStateVariableName)
			log.Info("resuming", zap.String("checkpoint", last.Path), zap.Int("iteration", start))
		} else {
			log.Info("resume: no checkpoint yet, starting from scratch", zap.String("dir", dir))
		}
	}
	if opts.Resume {
		if err := trimResumed(dir, start, root.Train.Iterations, log); err != nil {
			return nil, err
		}
	}
	var initSnap *checkpoint.Snapshot
	if snap == nil {
		if err := gctx.SetRNGStateFromSeed(root.Seed); err != nil {
			return nil, err
		}
		if root.InitFrom != "" {
			path, err := runinfo.ResolveCheckpoint(root.InitFrom)
			if err != nil {
				return nil, fmt.Errorf("init_from: %w", err)
			}
			if initSnap, err = checkpoint.Open(path); err != nil {
				return nil, fmt.Errorf("init_from: %w", err)
			}
			initSnap.AttachModel(gctx)
			log.Info("model weights from", zap.String("checkpoint", path))
		}
	}

	t := &trainer{setup: setup, opts: opts, log: log, dir: dir, backend: b, ctx: gctx,
		source: data.NewSampler(setup.Source.Len(), root.Seed, "source")}
	if setup.Target != nil {
		t.target = data.NewSampler(setup.Target.Len(), root.Seed, "target")
	}
	if err := t.compile(); err != nil {
		return nil, err
	}
	tb := &tbModel{t: t}
	if t.tb, err = tblog.Open(dir, log, root.Train, len(root.Discriminators) > 0, setup.Val, tb); err != nil {
		return nil, err
	}
	defer t.tb.Close()
	// GoMLX builds the graph (creating or loading every variable) at the first execution; a
	// resumed run checks the checkpoint matched the model right after it, before anything is saved.
	t.verify, t.verifyInit = snap, initSnap
	return t.loop(ctx, start)
}

// sourceOf names where key's value came from (a file or --set), else the config file.
func sourceOf(setup *Setup, key string) string {
	if src := setup.Tree.Source(key); src != "" {
		return src
	}
	return setup.Tree.Path()
}

// prepareDir takes the run directory's lock and readies it (runinfo.Prepare): a new run's
// directory is opts.RunDir, else <out_dir>/<name> (with a numeric suffix when taken).
func prepareDir(setup *Setup, opts Options, log *zap.Logger) (string, *runinfo.Lock, error) {
	r := setup.Root
	info := func() (runinfo.Info, error) {
		y, err := setup.Tree.YAML()
		return runinfo.Info{Name: r.Name, Seed: r.Seed, Backend: r.Backend, Config: y, Args: opts.Args}, err
	}
	return runinfo.Prepare(opts.RunDir, filepath.Join(r.OutDir, r.Name), opts.Resume, info, log)
}

type trainer struct {
	setup   *Setup
	opts    Options
	log     *zap.Logger
	dir     string
	backend backends.Backend
	ctx     *context.Context

	source, target *data.Sampler
	step           *context.Exec
	lossNames      []string
	predictor      *infer.Predictor
	verify         *checkpoint.Snapshot // checked against the model after the first step
	verifyInit     *checkpoint.Snapshot // init_from, likewise
	bestSelect     *selection.Record    // best snapshot-selection score so far (nil: not read yet)
	tb             *tblog.Recorder      // TensorBoard events (train.tensorboard), nil when off
}

// compile prepares the step executor; the graph is built at its first execution.
func (t *trainer) compile() error {
	useTarget := t.setup.Target != nil
	e, err := context.NewExec(t.backend, t.ctx, func(ctx *context.Context, in []*graph.Node) []*graph.Node {
		// The step graph is a training graph (layers such as batch-statistics BN depend on it);
		// the evaluation graphs are not.
		n := stepNodes(in, useTarget, t.setup.TargetLabels)
		ctx.SetTraining(n.Iter.Graph(), true)
		s := &Step{Ctx: ctx, Iter: n.Iter, Source: n.Source, Target: n.Target, Seg: t.setup.Seg, Train: t.setup.Root.Train}
		losses := t.setup.Strategy.Step(s)
		names := make([]string, len(losses))
		out := make([]*graph.Node, len(losses))
		for i, l := range losses {
			names[i] = l.Name
			out[i] = graph.ConvertDType(l.Value, dtypes.Float32)
		}
		t.lossNames = names
		return out
	})
	if err != nil {
		return fmt.Errorf("build training step: %w", err)
	}
	t.step = e
	return nil
}

// inputs loads the batch of iteration it.
func (t *trainer) inputs(it int) ([]any, error) {
	bs := t.setup.Root.Train.BatchSize
	src, err := t.batch(t.setup.Source, t.source, it, bs, "data.source")
	if err != nil {
		return nil, err
	}
	in := stepInputs{
		Iter:        tensors.FromScalar(float32(it)),
		SourceImage: tensors.FromFlatDataAndDimensions(data.ToInput(src...), bs, src[0].H, src[0].W, 3),
		SourceLabel: tensors.FromFlatDataAndDimensions(data.Labels(src...), bs, src[0].H, src[0].W),
	}
	if t.setup.Target != nil {
		tgt, err := t.batch(t.setup.Target, t.target, it, bs, "data.target")
		if err != nil {
			return nil, err
		}
		in.TargetImage = tensors.FromFlatDataAndDimensions(data.ToInput(tgt...), bs, tgt[0].H, tgt[0].W, 3)
		if t.setup.TargetLabels {
			in.TargetLabel = tensors.FromFlatDataAndDimensions(data.Labels(tgt...), bs, tgt[0].H, tgt[0].W)
		}
	}
	return in.args(), nil
}

// stepInputs are the step graph's inputs by name. The compiled step takes them as one list,
// in the order of args; stepNodes reads the graph's parameters back in that same order.
type stepInputs struct {
	Iter                     *tensors.Tensor // float32 scalar
	SourceImage, SourceLabel *tensors.Tensor
	TargetImage              *tensors.Tensor // nil unless the strategy trains on target images
	TargetLabel              *tensors.Tensor // nil unless the target set carries (pseudo) labels
}

// args lists the inputs present: Iter, SourceImage, SourceLabel[, TargetImage[, TargetLabel]].
func (s stepInputs) args() []any {
	out := []any{s.Iter, s.SourceImage, s.SourceLabel}
	if s.TargetImage != nil {
		out = append(out, s.TargetImage)
		if s.TargetLabel != nil {
			out = append(out, s.TargetLabel)
		}
	}
	return out
}

// stepGraphInputs are the step graph's parameters, named as stepInputs.
type stepGraphInputs struct {
	Iter           *graph.Node
	Source, Target Batch
}

// stepNodes names the step graph's parameters in, laid out as stepInputs.args lays them out
// (target images when target, their labels when also targetLabels).
func stepNodes(in []*graph.Node, target, targetLabels bool) stepGraphInputs {
	n := stepGraphInputs{Iter: in[0], Source: Batch{Image: in[1], Label: in[2]}}
	if target {
		n.Target.Image = in[3]
		if targetLabels {
			n.Target.Label = in[4]
		}
	}
	return n
}

func (t *trainer) batch(ds data.Dataset, smp *data.Sampler, it, bs int, role string) ([]data.Sample, error) {
	out := make([]data.Sample, bs)
	for k := range out {
		i := smp.At(it*bs + k)
		s, err := ds.Get(i)
		if err != nil {
			return nil, fmt.Errorf("%s: sample %d: %w", role, i, err)
		}
		if role == "data.source" && s.Label == nil {
			return nil, fmt.Errorf("%s: sample %d (%s) has no label", role, i, s.Name)
		}
		out[k] = s
	}
	if err := data.CheckBatch(out...); err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	return out, nil
}

func (t *trainer) loop(ctx stdctx.Context, start int) (*Result, error) {
	tr := t.setup.Root.Train
	total := tr.Iterations
	res := &Result{Dir: t.dir, Iterations: start}
	var prog Progress
	if t.opts.NewProgress != nil && total > start {
		prog = t.opts.NewProgress(total-start, "train")
		defer prog.Close()
	}
	lastSaved := -1
	began := time.Now()
	for it := start; it < total; it++ {
		if err := ctx.Err(); err != nil {
			path, serr := t.save(it)
			if serr != nil {
				return res, fmt.Errorf("interrupted at iteration %d, and saving failed: %w", it, serr)
			}
			return res, fmt.Errorf("interrupted at iteration %d; state saved in %s; continue with --resume %s", it, path, t.dir)
		}
		args, err := t.inputs(it)
		if err != nil {
			return res, err
		}
		// Iterations are counted from 1 in messages, as in the log's "it" (the number done).
		outs, err := t.step.Exec(args...)
		if err != nil {
			return res, fmt.Errorf("iteration %d: %w", it+1, err)
		}
		if t.verify != nil {
			if err := t.verify.Verify(t.ctx); err != nil {
				return res, err
			}
			t.verify = nil
		}
		if t.verifyInit != nil {
			if err := t.verifyInit.VerifyModel(t.ctx); err != nil {
				return res, err
			}
			t.verifyInit = nil
		}
		vals := make([]float64, len(outs))
		for i, o := range outs {
			vals[i] = float64(o.Value().(float32))
			if math.IsNaN(vals[i]) || math.IsInf(vals[i], 0) {
				last := "none (no checkpoint was written yet)"
				if e, ok, _ := checkpoint.Latest(filepath.Join(t.dir, CheckpointsDir)); ok {
					last = e.Path
				}
				return res, fmt.Errorf("iteration %d: loss %s is %v; stopping (the update of this step is discarded; iterations done: %d); last good checkpoint: %s", it+1, t.lossNames[i], vals[i], it, last)
			}
		}
		done := it + 1
		res.Iterations = done
		if prog != nil {
			prog.Add(1)
		}
		if done%tr.LogEvery == 0 || done == total {
			fields := []zap.Field{zap.Int("it", done), zap.Int("of", total)}
			for i, n := range t.lossNames {
				fields = append(fields, zap.Float64("loss_"+n, vals[i]))
			}
			el := time.Since(began).Seconds()
			fields = append(fields, zap.Float64("it_per_s", float64(done-start)/el))
			t.log.Info("train", fields...)
			t.tb.Losses(done, t.lossNames, vals)
		}
		if tr.CheckpointEvery > 0 && done%tr.CheckpointEvery == 0 {
			if _, err := t.save(done); err != nil {
				return res, err
			}
			lastSaved = done
		}
		if tr.EvalEvery > 0 && done%tr.EvalEvery == 0 && done != total {
			if _, err := t.evaluate(done); err != nil {
				return res, err
			}
		}
	}
	if lastSaved != total && total > start {
		path, err := t.save(total)
		if err != nil {
			return res, err
		}
		res.Checkpoint = path
	} else if e, ok, _ := checkpoint.Latest(filepath.Join(t.dir, CheckpointsDir)); ok {
		res.Checkpoint = e.Path
	}
	m, err := t.evaluate(total)
	if err != nil {
		return res, err
	}
	issues := t.setup.DataIssues()
	warnDataIssues(t.log, issues)
	if m != nil {
		m.DataIssues = issues
		if err := runinfo.WriteMetrics(filepath.Join(t.dir, MetricsFile), *m, res.Checkpoint, t.setup.Root.Backend); err != nil {
			return res, err
		}
		res.Metrics = m
		t.log.Info("final", zap.Float64("miou", m.MIoU), zap.String("metrics", filepath.Join(t.dir, MetricsFile)))
	}
	return res, nil
}

// save writes a checkpoint of the state after `done` iterations.
func (t *trainer) save(done int) (string, error) {
	tr := t.setup.Root.Train
	meta := map[string]string{
		"seed":            strconv.FormatInt(t.setup.Root.Seed, 10),
		"strategy":        t.setup.StrategyName,
		"source_position": strconv.Itoa(done * tr.BatchSize),
	}
	if t.target != nil {
		meta["target_position"] = strconv.Itoa(done * tr.BatchSize)
	}
	path, err := checkpoint.Save(filepath.Join(t.dir, CheckpointsDir), done, t.ctx, meta, tr.KeepCheckpoints)
	if err != nil {
		return "", fmt.Errorf("checkpoint at iteration %d: %w", done, err)
	}
	t.log.Debug("checkpoint", zap.String("path", path))
	return path, nil
}

// evaluate scores the current weights on data.val, appending the result to history.jsonl,
// and on data.select (snapshot selection, see selectScore). The metrics are nil without
// data.val.
func (t *trainer) evaluate(iteration int) (*metrics.Metrics, error) {
	if t.setup.Val == nil && t.setup.Select == nil {
		return nil, nil
	}
	if t.predictor == nil {
		p, err := infer.NewPredictor(t.backend, t.ctx, Inference(t.setup.Seg, t.setup.Strategy))
		if err != nil {
			return nil, err
		}
		t.predictor = p
	}
	var out *metrics.Metrics
	if t.setup.Val != nil {
		var prog Progress
		if t.opts.NewProgress != nil {
			prog = t.opts.NewProgress(t.setup.Val.Len(), "eval")
		}
		conf, err := infer.Evaluate(t.predictor, t.setup.Val, t.setup.Root.Eval.BatchSize, func(n int) {
			if prog != nil {
				prog.Add(n)
			}
		})
		if prog != nil {
			prog.Close()
		}
		if err != nil {
			return nil, err
		}
		m := conf.Metrics(t.setup.ClassNames, iteration)
		m.Subsets = infer.SubsetMIoUs(t.setup.Source, conf)
		if err := appendHistory(filepath.Join(t.dir, HistoryFile), m); err != nil {
			return nil, err
		}
		fields := []zap.Field{zap.Int("it", iteration), zap.Float64("miou", m.MIoU)}
		if ir, ok := t.setup.Val.(data.IssueReporter); ok {
			if n := ir.DataIssues().Skipped; n > 0 {
				// The eval progress counts every entry; the skipped ones were not scored.
				fields = append(fields, zap.Int("images", scored(t.setup.Val)), zap.Int("skipped", n))
			}
		}
		t.log.Info("val", fields...)
		t.tb.Val(m)
		out = &m
	}
	if t.setup.Select != nil {
		sel, err := t.selectScore(iteration)
		if err != nil {
			return nil, err
		}
		t.log.Info("select", zap.Int("it", iteration), zap.Float64("miou", sel.MIoU))
		t.tb.Selection(sel)
	}
	return out, nil
}

// selectScore scores the current weights on every selection part, appends the result to
// selection.jsonl and, when the score beats the best so far, saves the weights as the run's
// best checkpoint (best/).
func (t *trainer) selectScore(iteration int) (selection.Record, error) {
	sel, err := selection.Score(t.predictor, t.setup.Select, t.setup.ClassNames, t.setup.Root.Eval.BatchSize, iteration)
	if err != nil {
		return sel, err
	}
	if err := selection.Append(t.dir, sel); err != nil {
		return sel, err
	}
	if t.bestSelect == nil {
		best, ok, err := selection.Best(t.dir)
		if err != nil {
			return sel, err
		}
		if !ok {
			best = selection.Record{MIoU: -1}
		}
		t.bestSelect = &best
	}
	if sel.MIoU > t.bestSelect.MIoU {
		meta := map[string]string{"seed": strconv.FormatInt(t.setup.Root.Seed, 10), "strategy": t.setup.StrategyName}
		if err := selection.SaveBest(t.dir, t.ctx, sel, meta); err != nil {
			return sel, err
		}
		t.bestSelect = &sel
		t.log.Info("best snapshot", zap.Int("it", iteration), zap.Float64("select_miou", sel.MIoU))
	}
	return sel, nil
}

// tbModel is the model being trained as the TensorBoard log sees it: the run's predictor and,
// for a strategy with discriminator attention, its attention maps at the image size.
type tbModel struct {
	t   *trainer
	att *context.Exec // built on first use
}

// Predict implements tblog.Model.
func (m *tbModel) Predict(batch []data.Sample) ([]int32, error) { return m.t.predictor.Predict(batch) }

// Attention implements tblog.Model.
func (m *tbModel) Attention(s data.Sample) ([]float32, error) {
	a, ok := m.t.setup.Strategy.(Attender)
	if !ok || !a.HasAttention() {
		return nil, nil
	}
	if m.att == nil {
		e, err := context.NewExec(m.t.backend, m.t.ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
			d := x.Shape().Dimensions
			return graph.ConvertDType(infer.UpsampleToSize(a.AttentionMap(ctx, m.t.setup.Seg, x), d[1], d[2]), dtypes.Float32)
		})
		if err != nil {
			return nil, err
		}
		m.att = e
	}
	out, err := m.att.Exec1(tensors.FromFlatDataAndDimensions(data.ToInput(s), 1, s.H, s.W, 3))
	if err != nil {
		return nil, err
	}
	return tensors.CopyFlatData[float32](out)
}
