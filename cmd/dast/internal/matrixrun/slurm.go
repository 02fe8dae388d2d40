package matrixrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/matrix/slurm"
	"github.com/dast-uda/dast/app/runlog"
	"github.com/dast-uda/dast/cmd/dast/internal/load"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
)

// SlurmOptions are dast matrix's options for the slurm executor: Wait for the jobs to end
// (asking Slurm every Poll) instead of returning once they are submitted.
type SlurmOptions struct {
	Wait bool
	Poll time.Duration
}

// Slurm submits the matrix's unfinished runs to Slurm. Once every run finished (at
// once, or after --wait) it writes the results as the local executor does and returns them
// with finished true; otherwise it prints where the matrix stands and returns finished false.
func Slurm(ctx context.Context, w io.Writer, m *matrix.Matrix, out string, sets []string, fl SlurmOptions) (matrix.Results, bool, error) {
	log := runlog.FromContext(ctx)
	if err := m.CheckSets(sets); err != nil {
		return matrix.Results{}, false, err
	}
	client := slurm.Client{}
	if err := client.Available(ctx); err != nil {
		return matrix.Results{}, false, err
	}
	js := m.Jobs(out, sets)
	if err := validateJobs(ctx, js); err != nil {
		return matrix.Results{}, false, err
	}
	self, err := os.Executable()
	if err != nil {
		return matrix.Results{}, false, fmt.Errorf("slurm: the dast executable: %w", err)
	}
	if self, err = filepath.Abs(self); err != nil {
		return matrix.Results{}, false, err
	}
	wd, err := os.Getwd()
	if err != nil {
		return matrix.Results{}, false, err
	}
	ex := &slurm.Executor{Matrix: m, Jobs: js, OutDir: out, Dast: self, Workdir: wd,
		Env: []string{ChildEnv + "=1"}, Client: client, Stages: stagesOf(ctx),
		MetricsFile: train.MetricsFile, ConfigFile: train.ConfigFile, Log: log}
	sum, err := ex.Submit(ctx)
	if err != nil {
		return matrix.Results{}, false, err
	}
	fmt.Fprintf(w, "slurm: %d runs: %d done, %d queued or running, %d submitted now (jobs %s)\n",
		sum.Runs, sum.Done, sum.Queued, sum.Submitted, strings.Join(sum.JobIDs, " "))
	r := &matrix.Runner{Matrix: m, Jobs: js, OutDir: out, Log: log, MetricsFile: train.MetricsFile,
		ConfigFile: train.ConfigFile, StageMetrics: train.StageMetrics}
	if sum.Done < sum.Runs {
		if !fl.Wait {
			fmt.Fprintf(w, "slurm: see `dast matrix status %s`; rerun this command to resubmit failed runs, and to write the results once all finished\n", out)
			return matrix.Results{}, false, nil
		}
		if err := waitSlurm(ctx, log, client, out, fl.Poll); err != nil {
			return matrix.Results{}, false, err
		}
	}
	st, err := slurm.Status(ctx, client, out, train.MetricsFile)
	if err != nil {
		return matrix.Results{}, false, err
	}
	res, err := r.Collect(func(j matrix.Job) error {
		for _, s := range st {
			if s.Row == j.Row.Name && s.Seed == j.Seed && s.State == "failed" {
				return fmt.Errorf("slurm job %s (%s) ended without finishing the run: %s", s.JobID, orText(s.Slurm.State, "forgotten by Slurm"), s.Error)
			}
		}
		return errors.New("not finished")
	})
	return res, true, err
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// waitSlurm polls the jobs of out until none is queued or running, logging a status line
// whenever it changes.
func waitSlurm(ctx context.Context, log *zap.Logger, client slurm.Client, out string, poll time.Duration) error {
	poll = max(poll, 100*time.Millisecond)
	last := ""
	for {
		st, err := slurm.Status(ctx, client, out, train.MetricsFile)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		var running []string
		for _, s := range st {
			counts[s.State]++
			if s.State == "running" {
				running = append(running, fmt.Sprintf("%s/seed%d %s %s", s.Row, s.Seed, s.Stage, s.Progress))
			}
		}
		line := fmt.Sprintf("%d done, %d running, %d pending, %d failed", counts["done"], counts["running"], counts["pending"], counts["failed"])
		if len(running) > 0 {
			line += ": " + strings.Join(running, "; ")
		}
		if line != last {
			log.Info("matrix status: " + line)
			last = line
		}
		if counts["running"] == 0 && counts["pending"] == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting (the jobs go on; `dast matrix status %s`): %w", out, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// stagesOf lists a job's stages (the directories train.RunStages gives them: NN-<stage>).
func stagesOf(ctx context.Context) func(matrix.Job) ([]slurm.StageRef, error) {
	return func(j matrix.Job) ([]slurm.StageRef, error) {
		tree, release, err := load.Tree(ctx, j.Config, j.Sets)
		if err != nil {
			return nil, err
		}
		defer release()
		staged, err := load.StagedStrategy(tree)
		if err != nil || staged == nil {
			return nil, err
		}
		stages, err := staged.Stages(tree)
		if err != nil {
			return nil, fmt.Errorf("%s: strategy: %w", j.Config, err)
		}
		refs := make([]slurm.StageRef, len(stages))
		for i, s := range stages {
			refs[i] = slurm.StageRef{Name: s.Name, Dir: fmt.Sprintf("%02d-%s", i+1, s.Name)}
		}
		return refs, nil
	}
}

// Status writes where each run of the matrix in dir stands: done (with its mIoU), running
// (the stage and its last progress line), pending (Slurm's reason), failed (the last error
// line of its job's log) or not submitted. A matrix submitted to Slurm is read from its job
// record and squeue, a local one from its run directories.
func Status(ctx context.Context, w io.Writer, dir string) error {
	st, err := slurm.Status(ctx, slurm.Client{}, dir, train.MetricsFile)
	if err != nil {
		if _, rerr := slurm.ReadRecord(dir); rerr == nil {
			return err
		}
		return localStatus(w, dir)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tstate\tstage\tjob\tdetail")
	for _, s := range st {
		detail := ""
		switch s.State {
		case "done":
			if s.MIoU != nil {
				detail = fmt.Sprintf("mIoU %.2f", *s.MIoU)
			}
		case "running":
			detail = s.Progress
		case "pending":
			detail = s.Slurm.Reason
		case "failed":
			detail = orText(s.Slurm.State, "ended") + ": " + s.Error
		}
		fmt.Fprintf(tw, "%s/seed%d\t%s\t%s\t%s\t%s\n", s.Row, s.Seed, s.State, orText(s.Stage, "-"), orText(s.JobID, "-"), detail)
	}
	return tw.Flush()
}

// localStatus reports the runs of a local matrix directory from their run directories.
func localStatus(w io.Writer, dir string) error {
	seeds, err := filepath.Glob(filepath.Join(dir, "*", "seed*"))
	if err != nil {
		return err
	}
	if len(seeds) == 0 {
		return fmt.Errorf("%s: no runs (no %s and no <row>/seed<N> run directories)", dir, filepath.Join(slurm.Dir, slurm.RecordFile))
	}
	sort.Strings(seeds)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tstate\tdetail")
	for _, s := range seeds {
		name, _ := filepath.Rel(dir, s)
		state, detail := "not started", ""
		if m, err := metrics.ReadJSON(filepath.Join(s, train.MetricsFile)); err == nil {
			state, detail = "done", fmt.Sprintf("mIoU %.2f", m.MIoU)
		} else if _, err := os.Stat(filepath.Join(s, train.ConfigFile)); err == nil {
			state, detail = "started", "no metrics yet (local executor: running, or interrupted and resumed by a rerun)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, state, detail)
	}
	return tw.Flush()
}
