package main

import (
	"fmt"
	"io"

	"github.com/dast-uda/dast/core/config"

	"strings"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newTrainCmd) }

func newTrainCmd() *cobra.Command {
	var cfg, out, resume, untilStage string
	var sets []string
	var dryRun, tensorBoard bool
	cmd := &cobra.Command{
		Use:   "train [--config FILE] [--set key=value]... [--out DIR] [--resume RUN_DIR]",
		Short: "Train a model from a config, checkpointing as it goes, and evaluate it",
		Long: "Train the model a config assembles (datasets, segmentor, discriminators, strategy) and\n" +
			"evaluate it on data.val. The run directory receives the resolved config, run.json\n" +
			"(seed, git revision, backend, host), checkpoints, history.jsonl and metrics.json.\n" +
			"--resume RUN_DIR continues an interrupted run from its newest checkpoint to the same\n" +
			"final weights as an uninterrupted run. Without --config it trains the embedded default,\n" +
			"configs/synthetic/da.yaml (DAST's DA stage on the built-in synthetic benchmark).",
		Example: "  dast train\n" +
			"  dast train --config configs/synthetic/source_only.yaml\n" +
			"  dast train --config configs/synthetic/da.yaml --set train.iterations=100 --out runs/try\n" +
			"  dast train --resume runs/source_only",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := runlog.FromContext(cmd.Context())
			opts := train.Options{RunDir: out, Log: log, NewProgress: progressFor(log), UntilStage: untilStage}
			if resume != "" {
				if out != "" && out != resume {
					return fmt.Errorf("--out %s and --resume %s name different run directories", out, resume)
				}
				stored, err := runConfig(resume)
				if err != nil {
					return err
				}
				if cfg != "" {
					return fmt.Errorf("--resume uses the run's own resolved config (%s); drop --config", stored)
				}
				cfg = stored
				opts.RunDir, opts.Resume = resume, true
			}
			if tensorBoard {
				sets = append(sets, "train.tensorboard=true")
			}
			tree, release, err := loadTree(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			staged, err := stagedStrategy(tree)
			if err != nil {
				return err
			}
			var res *train.Result
			if staged != nil {
				if dryRun {
					return describeStages(cmd.OutOrStdout(), tree, staged)
				}
				res, err = train.RunStages(cmd.Context(), tree, staged, opts)
			} else {
				if dryRun { // from the config alone: datasets as their modules declare them
					setup, err := train.AssembleDeclared(tree)
					if err != nil {
						return err
					}
					return describeSetup(cmd.OutOrStdout(), setup)
				}
				var setup *train.Setup
				if setup, err = train.Assemble(tree); err != nil {
					return err
				}
				res, err = train.Run(cmd.Context(), setup, opts)
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "run %s: %d iterations, checkpoint %s\n", res.Dir, res.Iterations, res.Checkpoint)
			if res.Metrics != nil {
				fmt.Fprint(w, res.Metrics.Table())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "config file (YAML)")
	f.StringArrayVar(&sets, "set", nil, "override a config key, e.g. --set train.iterations=100 (repeatable)")
	f.StringVar(&out, "out", "", "run directory (default <out_dir>/<name>, numbered when taken)")
	f.StringVar(&resume, "resume", "", "continue the run in this directory from its newest checkpoint")
	f.StringVar(&untilStage, "until-stage", "", "a staged config (strategy dast): stop after this stage (da, round1, ...); rerun to go on")
	f.BoolVar(&dryRun, "dry-run", false, "validate the config and print the assembled components, then exit")
	f.BoolVar(&tensorBoard, "tensorboard", false, "write TensorBoard event files to RUN_DIR/tensorboard (same as --set train.tensorboard=true)")
	return cmd
}

// describeSetup prints what a config assembles.
func describeSetup(w io.Writer, s *train.Setup) error {
	r := s.Root
	fmt.Fprintf(w, "config     %s\n", s.Tree.Path())
	fmt.Fprintf(w, "name       %s (seed %d, backend %s)\n", r.Name, r.Seed, r.Backend)
	fmt.Fprintf(w, "strategy   %s\n", s.StrategyName)
	fmt.Fprintf(w, "segmentor  %s, %d classes, feature channels %d\n", r.Segmentor.Name(), s.Classes, s.Seg.FeatureChannels())
	for _, role := range sortedRoles(r.Discriminators) {
		fmt.Fprintf(w, "disc       %s: %s\n", role, r.Discriminators[role].Name())
	}
	fmt.Fprintf(w, "source     %s, %s\n", r.Data.Source.Name(), imageCount(s.Source))
	if s.Target != nil {
		fmt.Fprintf(w, "target     %s, %s\n", r.Data.Target.Name(), imageCount(s.Target))
	}
	if s.Val != nil {
		fmt.Fprintf(w, "val        %s, %s\n", r.Data.Val.Name(), imageCount(s.Val))
	}
	t := r.Train
	fmt.Fprintf(w, "train      %d iterations, batch %d, lr %g (head x%g), momentum %g, wd %g, poly %g over %d; disc Adam lr %g betas (%g, %g)\n",
		t.Iterations, t.BatchSize, t.LR, t.HeadLRMult, t.Momentum, t.WeightDecay, t.PolyPower, t.Horizon(), t.DiscLR, t.DiscBeta1, t.DiscBeta2)
	fmt.Fprintln(w, "ok: the config is valid")
	return nil
}

// describeStages prints the stages of a pipeline strategy and validates the first one.
func describeStages(w io.Writer, tree *config.Tree, st train.Staged) error {
	stages, err := st.Stages(tree)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "config     %s\n", tree.Path())
	for i, s := range stages {
		cfg, err := s.Config(tree, fmt.Sprintf("%02d-%s.yaml", i+1, s.Name))
		if err != nil {
			return err
		}
		r, err := cfg.Root()
		if err != nil {
			return fmt.Errorf("stage %s: %w", s.Name, err)
		}
		line := fmt.Sprintf("stage %d    %s: strategy %v, %v iterations, lr %v", i+1, s.Name, r.Strategy.Name(), r.Train.Iterations, r.Train.LR)
		if s.Pseudo != nil {
			line += fmt.Sprintf(", pseudo labels q %g cap %g from the previous stage", s.Pseudo.Q, s.Pseudo.Cap)
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "ok: the config is valid")
	return nil
}

func sortedRoles[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && strings.Compare(out[j], out[j-1]) < 0; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// imageCount says how many images a dataset has, and whether that count is declared (not
// read from disk) and its sample size.
func imageCount(ds datasets.Dataset) string {
	d, ok := ds.(*train.Declared)
	if !ok {
		return fmt.Sprintf("%d images", ds.Len())
	}
	n := "a list file's images"
	if d.Facts.Images > 0 {
		n = fmt.Sprintf("%d images", d.Facts.Images)
	}
	return fmt.Sprintf("%s at %dx%d (declared by the module, not read from disk; dast data check reads them)", n, d.Facts.Width, d.Facts.Height)
}
