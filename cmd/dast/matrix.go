package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dast-uda/dast/app/matrix/slurm"
	"github.com/dast-uda/dast/cmd/dast/internal/matrixrun"
)

func init() { commands = append(commands, newMatrixCmd) }

func newMatrixCmd() *cobra.Command {
	var cfg, out, executor, baseline string
	var sets []string
	var jobs int
	var tolerance float64
	var sl matrixrun.SlurmOptions
	cmd := &cobra.Command{
		Use:   "matrix --config MATRIX.yaml [--set key=value]... [--jobs N] [--out DIR] [--executor local|slurm] [--baseline results.json]",
		Short: "Run an experiment matrix (rows x seeds) and tabulate it like the paper",
		Long: "Run every row of a matrix file (a config, or a config plus overrides) with every seed,\n" +
			"each in its own run directory under DIR/<row>/seed<S>. Finished runs are skipped and\n" +
			"interrupted ones resumed, so the same command continues after a crash. Writes\n" +
			"DIR/results.json, results.csv and results.md (per-class IoU, mIoU mean ± std over seeds).\n" +
			"--set applies to every row (e.g. --set train.iterations=2 for a smoke test).\n\n" +
			"--executor slurm submits every run as a Slurm batch job (a staged run such as DAST as\n" +
			"one job per stage, chained with --dependency=afterok) and returns; rerunning the same\n" +
			"command submits only runs neither finished nor queued, and once all finished writes the\n" +
			"results. `dast matrix status DIR` shows where each run stands, `dast matrix cancel DIR`\n" +
			"cancels what was submitted. Resources come from the matrix file's slurm: block.\n\n" +
			"--baseline FILE compares the finished results with a stored results.json and fails when\n" +
			"a row's mean mIoU drops by more than --tolerance (default: the half-width of the paired\n" +
			"95% interval of the per-seed differences, at least 0.05), printing what moved and which\n" +
			"runs are bit-exact (the same final-weights sha256).",
		Example: "  dast matrix --config configs/synthetic/table3.yaml\n" +
			"  dast matrix --config configs/synthetic/table3.yaml --set train.iterations=2 --out /tmp/smoke\n" +
			"  dast matrix --config configs/synthetic/table3.yaml --executor slurm --out /scratch/table3\n" +
			"  dast matrix status /scratch/table3\n" +
			"  dast matrix --config configs/synthetic/table3_ci.yaml --baseline configs/synthetic/table3_ci.baseline.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return matrixrun.Run(cmd.Context(), cmd.OutOrStdout(), matrixrun.Options{Config: cfg, Out: out, Executor: executor, Baseline: baseline,
				Sets: sets, Jobs: jobs, Tolerance: tolerance, ToleranceSet: cmd.Flags().Changed("tolerance"), Slurm: sl})
		},
	}
	cmd.AddCommand(newMatrixStatusCmd(), newMatrixCancelCmd())
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "matrix file (YAML with a matrix: block)")
	f.StringArrayVar(&sets, "set", nil, "override a key in every row's config (repeatable)")
	f.IntVar(&jobs, "jobs", 0, "runs at once, each in its own process when > 1 (default: the matrix's jobs, else 1)")
	f.StringVar(&out, "out", "", "output directory (default runs/<matrix name>)")
	f.StringVar(&executor, "executor", "", "where runs go: local (child processes here) or slurm (batch jobs); default: the matrix file's executor, else local")
	f.StringVar(&baseline, "baseline", "", "results.json to compare with: exit non-zero when a row's mean mIoU drops by more than --tolerance")
	f.Float64Var(&tolerance, "tolerance", 0, "largest drop of a row's mean mIoU (points) that passes --baseline (default: the paired 95% interval's half-width, at least 0.05)")
	f.BoolVar(&sl.Wait, "wait", false, "slurm: wait for the jobs to end, then write the results (default: submit and return)")
	f.DurationVar(&sl.Poll, "poll", 10*time.Second, "slurm: with --wait, how often to ask Slurm where the jobs stand")
	return cmd
}

func newMatrixStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status DIR",
		Short: "Show where each run of a matrix stands (done, running with stage and eta, pending, failed)",
		Long: "Show each run of the matrix in DIR: done (with its mIoU), running (the stage and its\n" +
			"last progress line with eta), pending (Slurm's reason), failed (the last error line of its\n" +
			"job's log) or not submitted. A matrix submitted with --executor slurm is read from its job\n" +
			"record (DIR/slurm/jobs.json) and squeue; a local one from its run directories.",
		Example: "  dast matrix status runs/table3",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return matrixrun.Status(cmd.Context(), cmd.OutOrStdout(), args[0])
		},
	}
}

func newMatrixCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "cancel DIR",
		Short:   "Cancel the queued and running Slurm jobs of a matrix submitted into DIR",
		Example: "  dast matrix cancel runs/table3",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := slurm.Cancel(cmd.Context(), slurm.Client{}, args[0])
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no queued or running jobs")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cancelled %d jobs: %s\n", len(ids), strings.Join(ids, " "))
			return nil
		},
	}
}
