package matrix

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// Files of the slurm executor, under the matrix's output directory.
const (
	SlurmDir    = "slurm"     // job scripts, job logs and the job record
	SlurmRecord = "jobs.json" // every job submitted, per run (SlurmDir/SlurmRecord)
)

// StageRef is one stage of a staged run: its name (train --until-stage) and its directory
// inside the run directory.
type StageRef struct {
	Name string
	Dir  string
}

// SlurmExecutor submits a matrix's runs as Slurm batch jobs: one job per run, and for a staged
// run (DAST) one job per stage, each depending on the previous one (afterok). Every job runs
// the same `dast train` command the local executor runs in a child process, in the same run
// directory, so the runs and the results are the same. Submit returns once the jobs are
// queued; calling it again submits only runs that are neither finished nor queued or running.
type SlurmExecutor struct {
	Matrix *Matrix
	Jobs   []Job
	OutDir string
	// Dast is the dast executable the job scripts run (an absolute path every node can reach).
	Dast string
	// Workdir is the jobs' working directory (absolute): relative run directories and configs
	// resolve against it, as they do for the command that submits.
	Workdir string
	// Env are NAME=value lines the job scripts export before running dast.
	Env    []string
	Client Slurm
	// Stages lists the stages of a staged job; nil, or an empty list, for a one-stage run.
	Stages      func(Job) ([]StageRef, error)
	MetricsFile string // a run's final metrics file (marks a finished run or stage)
	ConfigFile  string // a run's resolved config (marks a started run: resume it)
	Log         *zap.Logger
	// Now stamps the record (nil: time.Now).
	Now func() time.Time
}

// SlurmJobRecord is one submitted job.
type SlurmJobRecord struct {
	ID      string `json:"id"`
	Attempt int    `json:"attempt"`         // 1 for the first submission of the run, then 2, ...
	Stage   string `json:"stage,omitempty"` // the stage directory (staged runs)
	After   string `json:"after,omitempty"` // the job it waits for (afterok)
	Script  string `json:"script"`          // the batch script
	Log     string `json:"log"`             // its standard output and error
	Until   string `json:"until,omitempty"` // train --until-stage
	Submit  string `json:"submitted"`       // time of submission (RFC 3339)
}

// SlurmRunRecord is one run of the matrix and its jobs, oldest first.
type SlurmRunRecord struct {
	Row  string           `json:"row"`
	Seed int64            `json:"seed"`
	Dir  string           `json:"dir"`
	Jobs []SlurmJobRecord `json:"jobs"`
}

// latest returns the jobs of the run's newest submission.
func (r *SlurmRunRecord) latest() []SlurmJobRecord {
	n := 0
	for _, j := range r.Jobs {
		n = max(n, j.Attempt)
	}
	var out []SlurmJobRecord
	for _, j := range r.Jobs {
		if j.Attempt == n {
			out = append(out, j)
		}
	}
	return out
}

// SlurmRecordFile is SlurmDir/SlurmRecord.
type SlurmRecordFile struct {
	Matrix  string           `json:"matrix"`
	Workdir string           `json:"workdir"` // where relative run directories resolve
	Runs    []SlurmRunRecord `json:"runs"`
}

func (f *SlurmRecordFile) run(j Job) *SlurmRunRecord {
	for i := range f.Runs {
		if f.Runs[i].Row == j.Row.Name && f.Runs[i].Seed == j.Seed {
			return &f.Runs[i]
		}
	}
	f.Runs = append(f.Runs, SlurmRunRecord{Row: j.Row.Name, Seed: j.Seed, Dir: j.Dir})
	return &f.Runs[len(f.Runs)-1]
}

// dir resolves a run directory of the record.
func (f *SlurmRecordFile) dir(d string) string {
	if filepath.IsAbs(d) || f.Workdir == "" {
		return d
	}
	return filepath.Join(f.Workdir, d)
}

// ReadSlurmRecord reads the job record of the matrix output directory out.
func ReadSlurmRecord(out string) (*SlurmRecordFile, error) {
	path := filepath.Join(out, SlurmDir, SlurmRecord)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (%s is missing: the matrix was not submitted with --executor slurm)", out, errNoSlurmRecord, path)
	}
	if err != nil {
		return nil, err
	}
	var f SlurmRecordFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

func writeSlurmRecord(out string, f *SlurmRecordFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(out, SlurmDir, SlurmRecord), append(b, '\n'))
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
func (e *SlurmExecutor) Submit(ctx context.Context) (SubmitSummary, error) {
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
		if err := os.MkdirAll(filepath.Join(e.OutDir, SlurmDir, d), 0o755); err != nil {
			return sum, err
		}
	}
	lock, err := runinfo.LockDir(e.OutDir)
	if err != nil {
		return sum, fmt.Errorf("matrix: %w", err)
	}
	defer lock.Release()
	rec, err := ReadSlurmRecord(e.OutDir)
	if errors.Is(err, errNoSlurmRecord) {
		rec, err = &SlurmRecordFile{Matrix: e.Matrix.Name, Workdir: e.Workdir}, nil
	}
	if err != nil {
		return sum, err
	}
	if rec.Workdir != e.Workdir {
		return sum, fmt.Errorf("%s: submitted from %s, now from %s: run dast matrix in the first directory (relative run directories must resolve alike)", filepath.Join(e.OutDir, SlurmDir, SlurmRecord), rec.Workdir, e.Workdir)
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
		if StateOf(j, e.MetricsFile, e.ConfigFile) == Done {
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
		if werr := writeSlurmRecord(e.OutDir, rec); werr != nil && err == nil {
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
	return sum, writeSlurmRecord(e.OutDir, rec)
}

// submitRun submits the jobs of one run (its unfinished stages, chained) and records them.
func (e *SlurmExecutor) submitRun(ctx context.Context, j Job, rr *SlurmRunRecord, attempt int, now func() time.Time) ([]string, error) {
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
		script := filepath.Join(e.abs(e.OutDir), SlurmDir, "scripts", name+".sh")
		logPattern := filepath.Join(e.abs(e.OutDir), SlurmDir, "logs", name+".%j.log")
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
		rr.Jobs = append(rr.Jobs, SlurmJobRecord{ID: id, Attempt: attempt, Stage: p.stage, After: after,
			Script: script, Log: strings.ReplaceAll(logPattern, "%j", id), Until: p.until,
			Submit: now().UTC().Format(time.RFC3339)})
		ids = append(ids, id)
		after = id
	}
	return ids, nil
}

func (e *SlurmExecutor) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.Workdir, p)
}

// script renders a job's batch script: the sbatch options, then the dast train command of the
// local executor (a fresh run, or --resume when the run directory holds a config already).
func (e *SlurmExecutor) script(j Job, name, logPath, until string) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# dast matrix %s: row %s, seed %d (written by dast matrix --executor slurm)\n", e.Matrix.Name, j.Row.Name, j.Seed)
	opts := []string{"--job-name=" + name, "--output=" + logPath, "--chdir=" + e.Workdir}
	opts = append(opts, e.Matrix.SlurmFor(j.Row).options()...)
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

// RunStatus is where one run of a submitted matrix stands.
type RunStatus struct {
	Row  string
	Seed int64
	Dir  string
	// State is "done", "running", "pending", "failed" or "not submitted".
	State string
	Stage string   // the stage of the job the state is about (staged runs)
	JobID string   // that job
	Slurm JobState // what Slurm says of it (empty when it forgot the job)
	// Progress is the job's last progress line ("train 120/250 eta 40s"), when running.
	Progress string
	MIoU     *float64 // done
	// Error is the last error line of the failed job's log.
	Error string
}

// SlurmStatus reports each run of the matrix submitted into out.
func SlurmStatus(ctx context.Context, client Slurm, out, metricsFile string) ([]RunStatus, error) {
	rec, err := ReadSlurmRecord(out)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rec.Runs {
		for _, j := range r.latest() {
			ids = append(ids, j.ID)
		}
	}
	states, err := client.States(ctx, ids)
	if err != nil {
		return nil, err
	}
	var res []RunStatus
	for _, r := range rec.Runs {
		s := RunStatus{Row: r.Row, Seed: r.Seed, Dir: r.Dir}
		dir := rec.dir(r.Dir)
		jobs := r.latest()
		if m, err := metrics.ReadJSON(filepath.Join(dir, metricsFile)); err == nil {
			s.State = "done"
			v := m.MIoU
			s.MIoU = &v
			res = append(res, s)
			continue
		}
		s.State = "not submitted"
		if len(jobs) > 0 {
			s.State = "failed"
		}
		for _, j := range jobs {
			st := states[j.ID]
			if st.Active() {
				s.JobID, s.Stage, s.Slurm = j.ID, j.Stage, st
				s.State = "pending"
				if st.State != "PENDING" {
					s.State = "running"
					s.Progress = lastProgress(j.Log)
				}
				break
			}
		}
		if s.State == "failed" {
			// The first job of the submission that did not finish its stage is the one that
			// failed; the ones after it were cancelled with it.
			for _, j := range jobs {
				if j.Stage != "" {
					if _, err := os.Stat(filepath.Join(dir, j.Stage, metricsFile)); err == nil {
						continue
					}
				}
				s.JobID, s.Stage, s.Slurm = j.ID, j.Stage, states[j.ID]
				s.Error = lastError(j.Log)
				break
			}
		}
		res = append(res, s)
	}
	return res, nil
}

// SlurmCancel cancels the queued and running jobs submitted into out and returns their ids.
func SlurmCancel(ctx context.Context, client Slurm, out string) ([]string, error) {
	rec, err := ReadSlurmRecord(out)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rec.Runs {
		for _, j := range r.Jobs {
			ids = append(ids, j.ID)
		}
	}
	states, err := client.States(ctx, ids)
	if err != nil {
		return nil, err
	}
	var live []string
	for _, id := range ids {
		if st, ok := states[id]; ok && !terminal[st.State] {
			live = append(live, id)
		}
	}
	return live, client.Cancel(ctx, live)
}

// logRecord is the part of a dast JSON log line status reads.
type logRecord struct {
	Level string   `json:"level"`
	Msg   string   `json:"msg"`
	What  string   `json:"what"`
	Done  int      `json:"done"`
	Total int      `json:"total"`
	ETA   *float64 `json:"eta"` // seconds
	Error string   `json:"error"`
	It    int      `json:"it"`
	Of    int      `json:"of"`
}

// lastProgress is the newest progress of a job's JSON log: "train 120/250 eta 40s".
func lastProgress(path string) string {
	out := "starting"
	scanLog(path, func(line []byte) {
		var r logRecord
		if json.Unmarshal(line, &r) != nil {
			return
		}
		switch r.Msg {
		case "progress", "finished":
			out = fmt.Sprintf("%s %d", r.What, r.Done)
			if r.Total > 0 {
				out += fmt.Sprintf("/%d", r.Total)
			}
			if r.ETA != nil {
				out += " eta " + (time.Duration(*r.ETA) * time.Second).String()
			}
		case "train":
			if r.Of > 0 {
				out = fmt.Sprintf("train %d/%d", r.It, r.Of)
			}
		}
	})
	return out
}

// lastError is the last error line of a job's log (a JSON error record's message and error,
// else the last line that is not a JSON record, else the last line).
func lastError(path string) string {
	var lastErr, lastPlain, last string
	found := scanLog(path, func(line []byte) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			return
		}
		last = s
		var r logRecord
		if json.Unmarshal(line, &r) != nil {
			lastPlain = s
			return
		}
		if r.Level == "error" || r.Level == "fatal" {
			lastErr = r.Msg
			if r.Error != "" {
				lastErr += ": " + r.Error
			}
		}
	})
	switch {
	case !found:
		return "no log (" + path + "): the job never started"
	case lastPlain != "":
		return lastPlain
	case lastErr != "":
		return lastErr
	case last == "":
		return "empty log " + path
	}
	return last
}

// scanLog calls f for each line of the file at path and reports whether it could be read.
func scanLog(path string, f func([]byte)) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		f(sc.Bytes())
	}
	return true
}

// Collect aggregates the matrix from its run directories without running anything (the
// slurm executor, once its jobs ended): finished runs give their metrics, the others the
// error fail names. It writes the same results.json, csv and md as Execute.
func (r *Runner) Collect(fail func(Job) error) (Results, error) {
	lock, err := r.lockOut()
	if err != nil {
		return Results{}, err
	}
	defer lock.Release()
	var outcomes, derived []Outcome
	var failed []string
	for _, j := range r.Jobs {
		o := Outcome{Job: j}
		if StateOf(j, r.MetricsFile, r.ConfigFile) == Done {
			m, err := metrics.ReadJSON(filepath.Join(j.Dir, r.MetricsFile))
			if err != nil {
				o.Err = err
			} else {
				o.Metrics = &m
			}
		} else {
			o.Err = fail(j)
		}
		if o.Err != nil {
			failed = append(failed, fmt.Sprintf("%s seed %d (%v)", j.Row.Name, j.Seed, o.Err))
		}
		o = r.withWeights(o)
		outcomes = append(outcomes, o)
		derived = append(derived, r.derive(o)...)
	}
	res := Aggregate(r.Matrix, append(outcomes, derived...))
	if err := r.write(res); err != nil {
		return res, err
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("%d of %d runs failed: %v; rerun the same command to submit them again (finished runs are skipped)", len(failed), len(r.Jobs), failed)
	}
	return res, nil
}
