package matrix

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// Result file names, written into the matrix's output directory.
const (
	ResultsJSON     = "results.json"
	ResultsCSV      = "results.csv"
	ResultsMarkdown = "results.md"
)

// RunFunc trains one job into j.Dir (resuming it when resume is true) and returns the final
// metrics.
type RunFunc func(ctx context.Context, j Job, resume bool) (*metrics.Metrics, error)

// Runner runs the jobs of a matrix.
type Runner struct {
	Matrix      *Matrix
	Jobs        []Job
	OutDir      string // where results.* go
	Parallel    int    // jobs at once (<= 1: sequential)
	Run         RunFunc
	Log         *zap.Logger
	MetricsFile string // name of a run's final metrics file
	ConfigFile  string // name of a run's resolved config file (marks a started run)
	OnDone      func(done, total int)
	// StageMetrics reads the final metrics and run directory of stage `stage` of the staged
	// run in runDir (for derived rows).
	StageMetrics func(runDir, stage string) (*metrics.Metrics, string, error)
}

// Execute runs every job not yet done, skipping finished ones and resuming interrupted ones,
// rewriting the result files after each job, and returns all outcomes. A failed job does not
// stop the others; the returned error lists the failures.
func (r *Runner) Execute(ctx context.Context) (Results, error) {
	log := r.Log
	if log == nil {
		log = zap.NewNop()
	}
	lock, err := r.lockOut()
	if err != nil {
		return Results{}, err
	}
	defer lock.Release()
	outcomes := make([]Outcome, len(r.Jobs))
	var derived []Outcome
	var mu sync.Mutex
	done := 0
	finish := func(i int, o Outcome) error {
		mu.Lock()
		defer mu.Unlock()
		o = r.withWeights(o)
		outcomes[i] = o
		derived = append(derived, r.derive(o)...)
		done++
		if r.OnDone != nil {
			r.OnDone(done, len(r.Jobs))
		}
		return r.write(Aggregate(r.Matrix, append(completed(outcomes), derived...)))
	}
	par := max(r.Parallel, 1)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var writeErr error
	for i, j := range r.Jobs {
		o := Outcome{Job: j}
		switch StateOf(j, r.MetricsFile, r.ConfigFile) {
		case Done:
			m, err := metrics.ReadJSON(filepath.Join(j.Dir, r.MetricsFile))
			if err != nil {
				o.Err = err
			} else {
				o.Metrics = &m
			}
			log.Info("matrix: already done, skipped", zap.String("row", j.Row.Name), zap.Int64("seed", j.Seed))
			if err := finish(i, o); err != nil {
				writeErr = err
			}
			continue
		}
		resume := StateOf(j, r.MetricsFile, r.ConfigFile) == Partial
		sem <- struct{}{}
		what := "matrix: running"
		if resume {
			what = "matrix: resuming"
		}
		log.Info(what, zap.String("row", j.Row.Name), zap.Int64("seed", j.Seed), zap.String("dir", j.Dir))
		wg.Add(1)
		go func(i int, o Outcome) {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				o.Err = ctx.Err()
			} else {
				o.Metrics, o.Err = r.Run(ctx, o.Job, resume)
			}
			if o.Err != nil {
				log.Error("matrix: run failed", zap.String("row", o.Job.Row.Name), zap.Int64("seed", o.Job.Seed), zap.Error(o.Err))
			}
			if err := finish(i, o); err != nil {
				mu.Lock()
				writeErr = err
				mu.Unlock()
			}
		}(i, o)
		if par == 1 {
			wg.Wait()
		}
	}
	wg.Wait()
	outcomes = append(outcomes, derived...)
	res := Aggregate(r.Matrix, outcomes)
	if err := r.write(res); err != nil {
		return res, err
	}
	if writeErr != nil {
		return res, writeErr
	}
	var failed []string
	for _, o := range outcomes {
		if o.Err != nil && !errors.Is(o.Err, errParentFailed) {
			failed = append(failed, fmt.Sprintf("%s seed %d (%v)", o.Job.Row.Name, o.Job.Seed, o.Err))
		}
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("%d of %d runs failed: %v; rerun the same command to retry them (finished runs are skipped)", len(failed), len(outcomes), failed)
	}
	return res, nil
}

// errParentFailed marks a derived row's outcome whose training row failed (reported once, there).
var errParentFailed = errors.New("its training row failed")

// derive makes the outcomes of the derived rows of o's row: each reads its stage of o's run.
func (r *Runner) derive(o Outcome) []Outcome {
	var out []Outcome
	for _, row := range r.Matrix.Rows {
		if row.Of != o.Job.Row.Name {
			continue
		}
		d := Outcome{Job: Job{Row: row, Seed: o.Job.Seed, Dir: o.Job.Dir}}
		switch {
		case o.Err != nil:
			d.Err = fmt.Errorf("%w: %s: %v", errParentFailed, o.Job.Row.Name, o.Err)
		case r.StageMetrics == nil:
			d.Err = fmt.Errorf("derived row %s: no stage reader", row.Name)
		default:
			d.Metrics, d.Job.Dir, d.Err = r.StageMetrics(o.Job.Dir, row.Stage)
		}
		out = append(out, r.withWeights(d))
	}
	return out
}

func completed(all []Outcome) []Outcome {
	var out []Outcome
	for _, o := range all {
		if o.Metrics != nil || o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

func (r *Runner) write(res Results) error {
	if err := os.MkdirAll(r.OutDir, 0o755); err != nil {
		return err
	}
	js, err := res.JSON()
	if err != nil {
		return err
	}
	cs, err := res.CSV()
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{ResultsJSON: js, ResultsCSV: cs, ResultsMarkdown: []byte(res.Markdown())} {
		if err := atomicfile.WriteMkdir(filepath.Join(r.OutDir, name), func(f *os.File) error {
			_, err := f.Write(data)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}
