package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/matrix"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/runlog"
	"github.com/dast-uda/dast/core/train"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
)

func init() { commands = append(commands, newMatrixCmd) }

func newMatrixCmd() *cobra.Command {
	var cfg, out string
	var sets []string
	var jobs int
	cmd := &cobra.Command{
		Use:   "matrix --config MATRIX.yaml [--set key=value]... [--jobs N] [--out DIR]",
		Short: "Run an experiment matrix (rows x seeds) and tabulate it like the paper",
		Long: "Run every row of a matrix file (a config, or a config plus overrides) with every seed,\n" +
			"each in its own run directory under DIR/<row>/seed<S>. Finished runs are skipped and\n" +
			"interrupted ones resumed, so the same command continues after a crash. Writes\n" +
			"DIR/results.json, results.csv and results.md (per-class IoU, mIoU mean ± std over seeds).\n" +
			"--set applies to every row (e.g. --set train.iterations=2 for a smoke test).",
		Example: "  dast matrix --config configs/synthetic/table3.yaml\n" +
			"  dast matrix --config configs/synthetic/table3.yaml --set train.iterations=2 --out /tmp/smoke",
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
			res, err := runMatrix(cmd.Context(), m, out, sets, jobs)
			if err != nil && len(res.Rows) == 0 {
				return err
			}
			fmt.Fprint(cmd.OutOrStdout(), res.Markdown())
			fmt.Fprintf(cmd.OutOrStdout(), "results: %s\n", filepath.Join(out, matrix.ResultsMarkdown))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg, "config", "", "matrix file (YAML with a matrix: block)")
	f.StringArrayVar(&sets, "set", nil, "override a key in every row's config (repeatable)")
	f.IntVar(&jobs, "jobs", 0, "runs at once, each in its own process when > 1 (default: the matrix's jobs, else 1)")
	f.StringVar(&out, "out", "", "output directory (default runs/<matrix name>)")
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
	// Validate every row's config before running anything.
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
			return matrix.Results{}, fmt.Errorf("row %s (%s): %w", j.Row.Name, j.Config, err)
		}
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
