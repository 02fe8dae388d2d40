package matrix

import (
	"fmt"
	"path/filepath"

	"github.com/dast-uda/dast/core/metrics"
)

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
