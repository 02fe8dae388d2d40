package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/dryrun"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/train"
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
				stored, err := load.RunConfig(resume)
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
			tree, release, err := load.Tree(cmd.Context(), cfg, sets)
			if err != nil {
				return err
			}
			defer release()
			staged, err := load.StagedStrategy(tree)
			if err != nil {
				return err
			}
			var res *train.Result
			if staged != nil {
				if dryRun {
					return dryrun.WriteStages(cmd.OutOrStdout(), tree, staged)
				}
				res, err = train.RunStages(cmd.Context(), tree, staged, opts)
			} else {
				if dryRun { // from the config alone: datasets as their modules declare them
					setup, err := train.AssembleDeclared(tree)
					if err != nil {
						return err
					}
					return dryrun.WriteSetup(cmd.OutOrStdout(), setup)
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
