// Package slurm is a matrix's Slurm executor: it writes each run's batch scripts (one job per
// stage of a staged run, chained afterok), submits them with Slurm's client commands, keeps
// the job record (DIR/slurm/jobs.json), and reports and cancels what it submitted, reading
// the jobs' JSON logs for their progress and last error.
package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// StageRef is one stage of a staged run: its name (train --until-stage) and its directory
// inside the run directory.
type StageRef struct {
	Name string
	Dir  string
}

// Executor submits a matrix's runs as Slurm batch jobs: one job per run, and for a staged
// run (DAST) one job per stage, each depending on the previous one (afterok). Every job runs
// the same `dast train` command the local executor runs in a child process, in the same run
// directory, so the runs and the results are the same. Submit returns once the jobs are
// queued; calling it again submits only runs that are neither finished nor queued or running.
type Executor struct {
	Matrix *matrix.Matrix
	Jobs   []matrix.Job
	OutDir string
	// Dast is the dast executable the job scripts run (an absolute path every node can reach).
	Dast string
	// Workdir is the jobs' working directory (absolute): relative run directories and configs
	// resolve against it, as they do for the command that submits.
	Workdir string
	// Env are NAME=value lines the job scripts export before running dast.
	Env    []string
	Client Client
	// Stages lists the stages of a staged job; nil, or an empty list, for a one-stage run.
	Stages      func(matrix.Job) ([]StageRef, error)
	MetricsFile string // a run's final metrics file (marks a finished run or stage)
	ConfigFile  string // a run's resolved config (marks a started run: resume it)
	Log         *zap.Logger
	// Now stamps the record (nil: time.Now).
	Now func() time.Time
}

// SubmitSummary counts what Submit found and did, in runs.
type SubmitSummary struct {
	Runs, Done, Queued, Submitted int
	JobIDs                        []string // jobs submitted now
}

// Submit queues every run that is neither finished nor queued or running. A run whose jobs
// ended without finishing it (failed, cancelled, timed out, killed) is submitted again and
// resumes from its newest checkpoint; jobs of it still waiting on a dependency that can
// never be met are cancelled first.
func (e *Executor) Submit(ctx context.Context) (SubmitSummary, error) {
	log := e.Log
	if log == nil {
		log = zap.NewNop()
	}
	now := e.Now
	if now == nil {
		now = time.Now
	}
	var sum SubmitSummary
	if !filepath.IsAbs(e.Dast) || !filepath.IsAbs(e.Workdir) {
		return sum, fmt.Errorf("slurm: the dast executable (%s) and the working directory (%s) must be absolute paths", e.Dast, e.Workdir)
	}
	for _, d := range []string{"scripts", "logs"} {
		if err := os.MkdirAll(filepath.Join(e.OutDir, Dir, d), 0o755); err != nil {
			return sum, err
		}
	}
	lock, err := runinfo.LockDir(e.OutDir)
	if err != nil {
		return sum, fmt.Errorf("matrix: %w", err)
	}
	defer lock.Release()
	rec, err := ReadRecord(e.OutDir)
	if errors.Is(err, errNoRecord) {
		rec, err = &Record{Matrix: e.Matrix.Name, Workdir: e.Workdir}, nil
	}
	if err != nil {
		return sum, err
	}
	if rec.Workdir != e.Workdir {
		return sum, fmt.Errorf("%s: submitted from %s, now from %s: run dast matrix in the first directory (relative run directories must resolve alike)", filepath.Join(e.OutDir, Dir, RecordFile), rec.Workdir, e.Workdir)
	}
	var ids []string
	for _, r := range rec.Runs {
		for _, j := range r.latest() {
			ids = append(ids, j.ID)
		}
	}
	states, err := e.Client.States(ctx, ids)
	if err != nil {
		return sum, err
	}
	for _, j := range e.Jobs {
		sum.Runs++
		rr := rec.run(j) // every run is in the record, so status lists the finished ones too
		if matrix.StateOf(j, e.MetricsFile, e.ConfigFile) == matrix.Done {
			sum.Done++
			continue
		}
		active, stuck := false, []string(nil)
		for _, sj := range rr.latest() {
			st := states[sj.ID]
			switch {
			case st.Active():
				active = true
			case st.State == "PENDING":
				stuck = append(stuck, sj.ID)
			}
		}
		if active {
			sum.Queued++
			continue
		}
		if err := e.Client.Cancel(ctx, stuck); err != nil {
			return sum, err
		}
		attempt := 1
		for _, sj := range rr.Jobs {
			attempt = max(attempt, sj.Attempt+1)
		}
		submitted, err := e.submitRun(ctx, j, rr, attempt, now)
		// The record is written after every run, so no job id is lost when a later one fails.
		if werr := writeRecord(e.OutDir, rec); werr != nil && err == nil {
			err = werr
		}
		if err != nil {
			return sum, fmt.Errorf("submit %s seed %d: %w", j.Row.Name, j.Seed, err)
		}
		sum.Submitted++
		sum.JobIDs = append(sum.JobIDs, submitted...)
		log.Info("matrix: submitted", zap.String("row", j.Row.Name), zap.Int64("seed", j.Seed),
			zap.Strings("jobs", submitted), zap.Int("attempt", attempt))
	}
	return sum, writeRecord(e.OutDir, rec)
}

// submitRun submits the jobs of one run (its unfinished stages, chained) and records them.
func (e *Executor) submitRun(ctx context.Context, j matrix.Job, rr *RunRecord, attempt int, now func() time.Time) ([]string, error) {
	var stages []StageRef
	if e.Stages != nil {
		var err error
		if stages, err = e.Stages(j); err != nil {
			return nil, err
		}
	}
	type part struct{ stage, until string }
	parts := []part{{}}
	if len(stages) > 0 {
		parts = nil
		for i, s := range stages {
			if _, err := os.Stat(filepath.Join(e.abs(j.Dir), s.Dir, e.MetricsFile)); err == nil {
				continue // finished in an earlier attempt
			}
			until := s.Name
			if i == len(stages)-1 {
				until = "" // the last stage also writes the run's stages.json and metrics.json
			}
			parts = append(parts, part{s.Dir, until})
		}
		if len(parts) == 0 {
			// Every stage finished but the run's own summary was not written (killed right
			// then): the last stage's job skips them all and writes it.
			parts = []part{{stages[len(stages)-1].Dir, ""}}
		}
	}
	var ids []string
	after := ""
	for _, p := range parts {
		name := fmt.Sprintf("%s.seed%d.a%d", j.Row.Name, j.Seed, attempt)
		if p.stage != "" {
			name += "." + p.stage
		}
		script := filepath.Join(e.abs(e.OutDir), Dir, "scripts", name+".sh")
		logPattern := filepath.Join(e.abs(e.OutDir), Dir, "logs", name+".%j.log")
		body := e.script(j, fmt.Sprintf("dast.%s.%s", e.Matrix.Name, name), logPattern, p.until)
		if err := atomicfile.WriteFile(script, []byte(body)); err != nil {
			return ids, err
		}
		if err := os.Chmod(script, 0o755); err != nil {
			return ids, err
		}
		id, err := e.Client.Submit(ctx, script, after)
		if err != nil {
			return ids, err
		}
		rr.Jobs = append(rr.Jobs, JobRecord{ID: id, Attempt: attempt, Stage: p.stage, After: after,
			Script: script, Log: strings.ReplaceAll(logPattern, "%j", id), Until: p.until,
			Submit: now().UTC().Format(time.RFC3339)})
		ids = append(ids, id)
		after = id
	}
	return ids, nil
}

func (e *Executor) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.Workdir, p)
}

// script renders a job's batch script: the sbatch options, then the dast train command of the
// local executor (a fresh run, or --resume when the run directory holds a config already).
func (e *Executor) script(j matrix.Job, name, logPath, until string) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# dast matrix %s: row %s, seed %d (written by dast matrix --executor slurm)\n", e.Matrix.Name, j.Row.Name, j.Seed)
	opts := []string{"--job-name=" + name, "--output=" + logPath, "--chdir=" + e.Workdir}
	opts = append(opts, e.Matrix.SlurmFor(j.Row).Options()...)
	for _, o := range opts {
		fmt.Fprintf(&b, "#SBATCH %s\n", o)
	}
	b.WriteString("set -eu\n")
	for _, kv := range e.Env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	dir := shellQuote(j.Dir)
	tail := ""
	if until != "" {
		tail = " --until-stage " + shellQuote(until)
	}
	fresh := []string{shellQuote(e.Dast), "--log-format", "json", "train", "--config", shellQuote(j.Config), "--out", dir}
	for _, s := range j.Sets {
		fresh = append(fresh, "--set", shellQuote(s))
	}
	fmt.Fprintf(&b, "if [ -e %s ]; then\n", shellQuote(filepath.Join(j.Dir, e.ConfigFile)))
	fmt.Fprintf(&b, "\texec %s --log-format json train --resume %s%s\n", shellQuote(e.Dast), dir, tail)
	b.WriteString("fi\n")
	fmt.Fprintf(&b, "exec %s%s\n", strings.Join(fresh, " "), tail)
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
