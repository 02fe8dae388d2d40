package matrixrun

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/matrix/gate"
)

// Options are dast matrix's: the matrix file, the output directory (default: the matrix's,
// else runs/<name>), the executor (local or slurm; default: the matrix's), a results.json to
// compare with, overrides of every row, runs at once for the local executor, the largest drop
// of a row's mean mIoU that passes the comparison (when ToleranceSet; else the paired
// interval's) and the slurm executor's options.
type Options struct {
	Config, Out, Executor, Baseline string
	Sets                            []string
	Jobs                            int
	Tolerance                       float64
	ToleranceSet                    bool
	Slurm                           SlurmOptions
}

// Run runs the matrix of o with its executor, prints the results table to w and, with a
// baseline, the comparison with it: an error when a row's mean mIoU dropped too far.
func Run(ctx context.Context, w io.Writer, o Options) error {
	cfg, out, executor, baseline, sets, jobs, tolerance, sl := o.Config, o.Out, o.Executor, o.Baseline, o.Sets, o.Jobs, o.Tolerance, o.Slurm
	if cfg == "" {
		return fmt.Errorf("--config MATRIX.yaml is required")
	}
	m, err := matrix.Load(cfg)
	if err != nil {
		return err
	}
	out = m.Dir(out)
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
		if res, finished, err = Slurm(ctx, w, m, out, sets, sl); !finished {
			if base != nil && err == nil {
				fmt.Fprintf(w, "baseline: not compared yet, the matrix is not finished; rerun this command when it is\n")
			}
			return err
		}
	} else {
		res, err = Local(ctx, m, out, sets, jobs)
	}
	if err != nil && len(res.Rows) == 0 {
		return err
	}
	fmt.Fprint(w, res.Markdown())
	fmt.Fprintf(w, "results: %s\n", filepath.Join(out, matrix.ResultsMarkdown))
	if err != nil || base == nil {
		return err
	}
	tol := -1.0
	if o.ToleranceSet {
		if tolerance < 0 || math.IsNaN(tolerance) || math.IsInf(tolerance, 0) {
			return fmt.Errorf("--tolerance %v: want a finite number of mIoU points >= 0", tolerance)
		}
		tol = tolerance
	}
	c := gate.Compare(*base, res, tol)
	c.Baseline = baseline
	fmt.Fprint(w, "\n"+c.Markdown())
	return c.Err()
}
