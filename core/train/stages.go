package train

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// Stage is one training run of a multi-stage method (DAST: the DA stage, then self-training
// rounds).
type Stage struct {
	Name string
	// Edits derive the stage's configuration from the run's (config.Tree.Derive; see Config).
	Edits []config.Edit
	// Pseudo, when set, makes pseudo labels with the previous stage's final model before this
	// stage trains; the stage's strategy.pseudo_labels and init_from point at them.
	Pseudo *pseudo.Options
}

// Staged is implemented by strategy modules that are pipelines of stages rather than one
// training step (strategy.dast). tree is the run's configuration, validated.
type Staged interface {
	Stages(tree *config.Tree) ([]Stage, error)
}

// Config derives the stage's configuration from the run's, named path (the file it is written
// to). A stage with pseudo labels also needs WithStart.
func (s Stage) Config(run *config.Tree, path string) (*config.Tree, error) {
	return run.Derive(path, s.Edits...)
}

// WithStart returns the configuration of a self-training stage cfg training on the pseudo
// labels in labels, starting from checkpoint start.
func WithStart(cfg *config.Tree, labels, start string) (*config.Tree, error) {
	return cfg.Derive(cfg.Path(), config.Set("strategy.pseudo_labels", labels), config.Set("init_from", start))
}

// StageFile is the summary a staged run writes: each stage's directory and final mIoU.
const StageFile = "stages.json"

// StageResult is one line of stages.json.
type StageResult struct {
	Stage string   `json:"stage"`
	Dir   string   `json:"dir"`
	MIoU  *float64 `json:"miou"`
	// Start is the checkpoint the stage started from (the previous stage's selected snapshot
	// or final weights); nil for a stage that started from scratch.
	Start *string `json:"start,omitempty"`
}

// RunStages runs a staged method: each stage in its own run directory under dir
// (NN-<stage>), stage configs written beside them (NN-<stage>.yaml) and pseudo labels in
// NN-<stage>-pseudo. A finished stage is skipped and an interrupted one resumed, so the same
// command continues after a crash in any round. The last stage's metrics become the run's.
func RunStages(ctx context.Context, tree *config.Tree, st Staged, opts Options) (*Result, error) {
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	root, err := tree.Root()
	if err != nil {
		return nil, err
	}
	dir := opts.RunDir
	if dir == "" {
		dir = filepath.Join(root.OutDir, root.Name)
	}
	y, err := tree.YAML()
	if err != nil {
		return nil, err
	}
	stages, err := st.Stages(tree)
	if err != nil {
		return nil, fmt.Errorf("%s: strategy: %w", tree.Path(), err)
	}
	if err := checkUntilStage(opts.UntilStage, stages); err != nil {
		return nil, err
	}
	// The staged run's directory is locked for the whole pipeline; each stage's Run locks its
	// own directory too.
	lock, err := runinfo.LockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if removed, err := runinfo.RemoveTempFiles(dir); err != nil {
		return nil, err
	} else if len(removed) > 0 {
		log.Info("removed temporary files of interrupted writes", zap.Strings("files", removed))
	}
	if err := runinfo.Write(dir, runinfo.Info{Name: root.Name, Seed: root.Seed, Backend: root.Backend, Config: y, Args: opts.Args}); err != nil {
		return nil, err
	}
	var results []StageResult
	var last *Result
	prevDir := ""
	var prevSetup *Setup
	for i, stage := range stages {
		name := fmt.Sprintf("%02d-%s", i+1, stage.Name)
		stageDir := filepath.Join(dir, name)
		cfgPath := filepath.Join(dir, name+".yaml")
		cfg, err := stage.Config(tree, cfgPath)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
		}
		var start *string
		if stage.Pseudo != nil {
			if prevDir == "" {
				return nil, fmt.Errorf("stage %s: pseudo labels need a previous stage", stage.Name)
			}
			labels := filepath.Join(dir, name+"-pseudo")
			// The previous stage's selected snapshot (data.select) starts this one, else its
			// final weights.
			ckpt, selected, err := selection.StartCheckpoint(prevDir)
			if err != nil {
				return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
			}
			if cfg, err = WithStart(cfg, labels, ckpt); err != nil {
				return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
			}
			start = &ckpt
			if selected {
				log.Info("starting from the selected snapshot", zap.String("stage", stage.Name), zap.String("checkpoint", ckpt))
			}
			if _, err := os.Stat(filepath.Join(labels, "stats.json")); err != nil {
				log.Info("pseudo labels", zap.String("stage", stage.Name), zap.String("from", ckpt), zap.Float64("q", stage.Pseudo.Q))
				if _, err := PseudoLabel(prevSetup, ckpt, prevSetup.Target, labels, *stage.Pseudo, opts.NewProgress); err != nil {
					return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
				}
			}
		}
		// The stage runs from the file it is written to, as a resumed stage (or dast train
		// --resume of the stage's directory) does.
		b, err := cfg.YAML()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.WriteMkdir(cfgPath, func(f *os.File) error { _, err := f.Write(b); return err }); err != nil {
			return nil, err
		}
		stree, err := config.Load(cfgPath, nil)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
		}
		setup, err := Assemble(stree)
		if err != nil {
			return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
		}
		var m *metrics.Metrics
		if mm, err := metrics.ReadJSON(filepath.Join(stageDir, MetricsFile)); err == nil {
			log.Info("stage already done, skipped", zap.String("stage", name))
			m = &mm
			last = &Result{Dir: stageDir, Metrics: m}
		} else {
			_, statErr := os.Stat(filepath.Join(stageDir, ConfigFile))
			o := opts
			o.RunDir, o.Resume = stageDir, statErr == nil
			log.Info("stage", zap.String("stage", name), zap.Bool("resume", o.Resume))
			if last, err = Run(ctx, setup, o); err != nil {
				return nil, fmt.Errorf("stage %s: %w", stage.Name, err)
			}
			m = last.Metrics
		}
		r := StageResult{Stage: stage.Name, Dir: stageDir, Start: start}
		if m != nil {
			v := m.MIoU
			r.MIoU = &v
		}
		results = append(results, r)
		prevDir, prevSetup = stageDir, setup
		if opts.UntilStage == stage.Name && i < len(stages)-1 {
			return &Result{Dir: stageDir, Metrics: m}, nil
		}
	}
	js, _ := json.MarshalIndent(results, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(dir, StageFile), append(js, '\n')); err != nil {
		return nil, err
	}
	res := &Result{Dir: dir}
	if last != nil {
		res.Iterations, res.Checkpoint, res.Metrics = last.Iterations, last.Checkpoint, last.Metrics
		if last.Metrics != nil {
			if err := copyMetrics(filepath.Join(last.Dir, MetricsFile), filepath.Join(dir, MetricsFile)); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// ReadStages reads the stages.json of a staged run directory, with every stage's Dir resolved
// inside runDir (stage directories sit there, so a moved run is still found).
func ReadStages(runDir string) ([]StageResult, error) {
	path := filepath.Join(runDir, StageFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a finished staged run: %w", runDir, err)
	}
	var stages []StageResult
	if err := json.Unmarshal(b, &stages); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no stages", path)
	}
	for i := range stages {
		stages[i].Dir = filepath.Join(runDir, filepath.Base(stages[i].Dir))
	}
	return stages, nil
}

// StageMetrics reads the final metrics of stage `stage` of the staged run in runDir and
// returns them with the stage's run directory.
func StageMetrics(runDir, stage string) (*metrics.Metrics, string, error) {
	stages, err := ReadStages(runDir)
	if err != nil {
		return nil, "", err
	}
	var names []string
	for _, s := range stages {
		if s.Stage != stage {
			names = append(names, s.Stage)
			continue
		}
		m, err := metrics.ReadJSON(filepath.Join(s.Dir, MetricsFile))
		if err != nil {
			return nil, s.Dir, err
		}
		return &m, s.Dir, nil
	}
	return nil, "", fmt.Errorf("%s: no stage %q (stages: %v)", filepath.Join(runDir, StageFile), stage, names)
}
