package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/matrix/gate"
	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

func init() { commands = append(commands, newMatrixCmd) }

func newMatrixCmd() *cobra.Command {
	var cfg, out, executor, baseline string
	var sets []string
	var jobs int
	var tolerance float64
	var sl slurmFlags
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
			if cfg == "" {
				return fmt.Errorf("--config MATRIX.yaml is required")
			}
			m, err := matrix.Load(cfg)
			if err != nil {
				return err
			}
			if out == "" {
				out = m.OutDir
			}
			if out == "" {
				out = filepath.Join("runs", m.Name)
			}
			if executor == "" {
				executor = m.Executor
			}
			if err := matrix.CheckExecutor(executor); err != nil {
				return fmt.Errorf("--executor: %w", err)
			}
			var base *matrix.Results
			if baseline != "" {
				b, err := matrix.ReadResults(baseline)
				if err != nil {
					return err
				}
				base = &b
			}
			var res matrix.Results
			if executor == "slurm" {
				var finished bool
				if res, finished, err = runMatrixSlurm(cmd.Context(), cmd.OutOrStdout(), m, out, sets, sl); !finished {
					if base != nil && err == nil {
						fmt.Fprintf(cmd.OutOrStdout(), "baseline: not compared yet, the matrix is not finished; rerun this command when it is\n")
					}
					return err
				}
			} else {
				res, err = runMatrix(cmd.Context(), m, out, sets, jobs)
			}
			if err != nil && len(res.Rows) == 0 {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Markdown())
			fmt.Fprintf(cmd.OutOrStdout(), "results: %s\n", filepath.Join(out, matrix.ResultsMarkdown))
			if err != nil || base == nil {
				return err
			}
			tol := -1.0
			if cmd.Flags().Changed("tolerance") {
				if tolerance < 0 || math.IsNaN(tolerance) || math.IsInf(tolerance, 0) {
					return fmt.Errorf("--tolerance %v: want a finite number of mIoU points >= 0", tolerance)
				}
				tol = tolerance
			}
			c := gate.Compare(*base, res, tol)
			c.Baseline = baseline
			fmt.Fprint(cmd.OutOrStdout(), "\n"+c.Markdown())
			return c.Err()
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
	f.BoolVar(&sl.wait, "wait", false, "slurm: wait for the jobs to end, then write the results (default: submit and return)")
	f.DurationVar(&sl.poll, "poll", 10*time.Second, "slurm: with --wait, how often to ask Slurm where the jobs stand")
	return cmd
}

// runMatrix validates every row's config, then runs the matrix's jobs into out (jobs at once:
// 0 = the matrix's own setting) and returns the aggregated results.
func runMatrix(ctx context.Context, m *matrix.Matrix, out string, sets []string, jobs int) (matrix.Results, error) {
	log := runlog.FromContext(ctx)
	if err := m.CheckSets(sets); err != nil {
		return matrix.Results{}, err
	}
	js := m.Jobs(out, sets)
	if err := validateJobs(ctx, js); err != nil {
		return matrix.Results{}, err
	}
	if jobs == 0 {
		jobs = max(m.Parallel, 1)
	}
	run := runInProcess(log)
	if jobs > 1 {
		status := newChildStatus()
		run = runInChild(log, status)
		// Children log to their run directories; every 30 s one line says where each stands.
		tick := time.NewTicker(30 * time.Second)
		stop := make(chan struct{})
		defer func() { tick.Stop(); close(stop) }()
		go func() {
			for {
				select {
				case <-tick.C:
					if l := status.Line(); l != "" {
						log.Info("matrix status: " + l)
					}
				case <-stop:
					return
				}
			}
		}()
	}
	r := &matrix.Runner{Matrix: m, Jobs: js, OutDir: out, Parallel: jobs, Run: run, Log: log,
		MetricsFile: train.MetricsFile, ConfigFile: train.ConfigFile, StageMetrics: train.StageMetrics,
		OnDone: func(done, total int) { log.Info("matrix progress", zap.Int("done", done), zap.Int("of", total)) }}
	return r.Execute(ctx)
}

// validateJobs checks every job's config before anything runs.
func validateJobs(ctx context.Context, js []matrix.Job) error {
	for _, j := range js {
		tree, release, err := loadTree(ctx, j.Config, j.Sets)
		if err == nil {
			var staged train.Staged
			if staged, err = stagedStrategy(tree); err == nil && staged == nil {
				_, err = train.Assemble(tree)
			}
			release()
		}
		if err != nil {
			return fmt.Errorf("row %s (%s): %w", j.Row.Name, j.Config, err)
		}
	}
	return nil
}

// runInProcess trains a job in this process.
func runInProcess(log *zap.Logger) matrix.RunFunc {
	return func(ctx context.Context, j matrix.Job, resume bool) (*metrics.Metrics, error) {
		cfg := j.Config
		sets := j.Sets
		if resume {
			stored, err := runConfig(j.Dir)
			if err != nil {
				return nil, err
			}
			cfg, sets = stored, nil
		}
		tree, release, err := loadTree(ctx, cfg, sets)
		if err != nil {
			return nil, err
		}
		defer release()
		opts := train.Options{RunDir: j.Dir, Resume: resume, Log: log.With(zap.String("row", j.Row.Name), zap.Int64("seed", j.Seed))}
		staged, err := stagedStrategy(tree)
		if err != nil {
			return nil, err
		}
		var res *train.Result
		if staged != nil {
			res, err = train.RunStages(ctx, tree, staged, opts)
		} else {
			var setup *train.Setup
			if setup, err = train.Assemble(tree); err != nil {
				return nil, err
			}
			res, err = train.Run(ctx, setup, opts)
		}
		if err != nil {
			return nil, err
		}
		if res.Metrics == nil {
			return nil, fmt.Errorf("%s: the config has no data.val to score", j.Config)
		}
		return res.Metrics, nil
	}
}

// childEnv marks a dast process started by dast matrix (tests use it to run the CLI from the
// test binary).
const childEnv = "DAST_MATRIX_CHILD"

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// runInChild trains a job in a child dast process (for --jobs > 1), its log in the run
// directory's train.log.
func runInChild(log *zap.Logger, status *childStatus) matrix.RunFunc {
	return func(ctx context.Context, j matrix.Job, resume bool) (*metrics.Metrics, error) {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		args := []string{"--log-format", "json", "train"}
		if resume {
			args = append(args, "--resume", j.Dir)
		} else {
			args = append(args, "--config", j.Config, "--out", j.Dir)
			for _, s := range j.Sets {
				args = append(args, "--set", s)
			}
		}
		// The child's output is kept in memory and written to DIR/train.log when it ends: the
		// run directory must not exist before the child creates it.
		var logBuf bytes.Buffer
		c := exec.CommandContext(ctx, self, args...)
		job := fmt.Sprintf("%s/seed%d", j.Row.Name, j.Seed)
		tap := status.tap(job, &logBuf)
		defer status.finish(job)
		c.Stdout, c.Stderr = tap, tap
		c.Env = append(os.Environ(), childEnv+"=1")
		runErr := c.Run()
		logPath := filepath.Join(j.Dir, "train.log")
		if err := os.MkdirAll(j.Dir, 0o755); err == nil {
			f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err == nil {
				f.Write(logBuf.Bytes())
				f.Close()
			}
		}
		if runErr != nil {
			return nil, fmt.Errorf("train process for %s: %w: %s (log: %s)", j.Dir, runErr, lastLine(logBuf.String()), logPath)
		}
		m, err := metrics.ReadJSON(filepath.Join(j.Dir, train.MetricsFile))
		if err != nil {
			return nil, err
		}
		return &m, nil
	}
}
