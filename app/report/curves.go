package report

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/dast-uda/dast/app/figures"
	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/train"
)

// curveSummary is what the curves say per seed, for the report's table.
type curveSummary struct {
	seeds []seedCurve
}

type seedCurve struct {
	seed                                     int64
	selected                                 *int
	selectScore                              *float64
	targetAtSelected, targetBest, targetLast *float64
}

// drawCurves plots mIoU against iteration for the runs of row: target val (history.jsonl) and
// the synthetic selection set (selection.jsonl), each the mean over seeds with a min..max band.
func drawCurves(path string, res matrix.Results, row string) (*curveSummary, error) {
	var rr *matrix.RowResult
	for i := range res.Rows {
		if res.Rows[i].Name == row {
			rr = &res.Rows[i]
		}
	}
	if rr == nil {
		return nil, fmt.Errorf("no row %q in the results", row)
	}
	var targets, selects [][]point
	sum := &curveSummary{}
	for _, s := range rr.Seeds {
		if s.MIoU == nil {
			continue
		}
		tv, err := readSeries(filepath.Join(s.Dir, train.HistoryFile))
		if err != nil {
			return nil, err
		}
		sv, err := readSeries(filepath.Join(s.Dir, selection.File))
		if err != nil {
			return nil, fmt.Errorf("%w (the run had no data.select)", err)
		}
		targets, selects = append(targets, tv), append(selects, sv)
		sc := seedCurve{seed: s.Seed}
		if len(tv) > 0 {
			last := tv[len(tv)-1].miou
			best := tv[0].miou
			for _, p := range tv {
				best = math.Max(best, p.miou)
			}
			sc.targetLast, sc.targetBest = &last, &best
		}
		sel, err := selectionOf(s.Dir)
		if err != nil {
			return nil, err
		}
		if sel != nil {
			it, score := sel.Iteration, sel.MIoU
			sc.selected, sc.selectScore = &it, &score
			for _, p := range tv {
				if p.it == it {
					v := p.miou
					sc.targetAtSelected = &v
				}
			}
		}
		sum.seeds = append(sum.seeds, sc)
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("row %q has no finished run", row)
	}
	tgt, err := meanSeries(fmt.Sprintf("target val (%s, not used for selection)", rr.Label), targets)
	if err != nil {
		return nil, err
	}
	sel, err := meanSeries("synthetic val (FDA-restyled source, selects the snapshot)", selects)
	if err != nil {
		return nil, err
	}
	title := fmt.Sprintf("mIoU vs iteration, %s: mean of %d seeds, band min..max", rr.Label, len(targets))
	p := figures.LinePlot{Title: title, XLabel: "iteration", YLabel: "mIoU (%)", Series: []figures.Series{tgt, sel}}
	if err := p.WritePNG(path); err != nil {
		return nil, err
	}
	return sum, nil
}

// meanSeries averages curves over seeds at the iterations every seed evaluated.
func meanSeries(label string, curves [][]point) (figures.Series, error) {
	count := map[int]int{}
	for _, c := range curves {
		for _, p := range c {
			count[p.it]++
		}
	}
	s := figures.Series{Label: label}
	for _, p := range curves[0] {
		if count[p.it] != len(curves) {
			continue
		}
		var sum float64
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, c := range curves {
			for _, q := range c {
				if q.it == p.it {
					sum += q.miou
					lo, hi = math.Min(lo, q.miou), math.Max(hi, q.miou)
				}
			}
		}
		s.X = append(s.X, float64(p.it))
		s.Y = append(s.Y, sum/float64(len(curves)))
		s.Lo, s.Hi = append(s.Lo, lo), append(s.Hi, hi)
	}
	if len(s.X) == 0 {
		return s, fmt.Errorf("%s: the seeds share no evaluated iteration", label)
	}
	return s, nil
}
