// Package matrixrun executes an experiment matrix (app/matrix) for dast matrix and dast
// reproduce: locally, in this process or in child dast processes, or as Slurm batch jobs; and
// it reports where a matrix's runs stand.
package matrixrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
)

// Local validates every row's config, then runs the matrix's jobs into out (jobs at once:
// 0 = the matrix's own setting; more than 1 runs each in a child dast process) and returns the
// aggregated results.
func Local(ctx context.Context, m *matrix.Matrix, out string, sets []string, jobs int) (matrix.Results, error) {
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
		run = runInChild(log, status, childProcs(jobs))
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
		tree, release, err := load.Tree(ctx, j.Config, j.Sets)
		if err == nil {
			var staged train.Staged
			if staged, err = load.StagedStrategy(tree); err == nil && staged == nil {
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
			stored, err := load.RunConfig(j.Dir)
			if err != nil {
				return nil, err
			}
			cfg, sets = stored, nil
		}
		tree, release, err := load.Tree(ctx, cfg, sets)
		if err != nil {
			return nil, err
		}
		defer release()
		opts := train.Options{RunDir: j.Dir, Resume: resume, Log: log.With(zap.String("row", j.Row.Name), zap.Int64("seed", j.Seed))}
		staged, err := load.StagedStrategy(tree)
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

// ChildEnv marks a dast process started by dast matrix (=1); tests use it to run the CLI from
// the test binary.
const ChildEnv = "DAST_MATRIX_CHILD"

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// childProcs is the GOMAXPROCS of each of jobs child processes: the CPUs shared out among them
// (at least 1), so that children running at once do not oversubscribe the machine (each
// child's compute workers spin while they wait for work). "" when the user set GOMAXPROCS,
// which the children then inherit. The CPU count changes no result: every kernel gives the
// same bits on any number of CPUs.
func childProcs(jobs int) string {
	if os.Getenv("GOMAXPROCS") != "" {
		return ""
	}
	return strconv.Itoa(max(1, runtime.NumCPU()/max(jobs, 1)))
}

// runInChild trains a job in a child dast process (for --jobs > 1), its log in the run
// directory's train.log.
func runInChild(log *zap.Logger, status *childStatus, procs string) matrix.RunFunc {
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
		c.Env = append(os.Environ(), ChildEnv+"=1")
		if procs != "" {
			c.Env = append(c.Env, "GOMAXPROCS="+procs)
		}
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
