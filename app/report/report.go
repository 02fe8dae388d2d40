// Package report writes the reproduction report of a finished matrix (`dast reproduce`):
// report.md with the paper-style table and an honest reading of it, the mIoU-vs-iteration
// figure of the DA stage on target val and on the synthetic (FDA) selection set (the paper's
// Figure 4), and a panel of segmentations of a few target val images (the paper's Figure 3).
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// File names written into the matrix's output directory.
const (
	ReportFile = "report.md"
	CurvesFile = "figure4_miou_vs_iteration.png"
	PanelFile  = "figure3_segmentations.png"
)

// Info is what the report says about how it was produced.
type Info struct {
	Command string        // the command line that ran the matrix
	Elapsed time.Duration // wall time of this invocation
	Skipped int           // runs found finished and not run again
}

// Written lists the files a report produced; a picture that could not be drawn is "" and
// its reason is in Problems (the report says so too).
type Written struct {
	Report, Curves, Panel string
	Problems              []string
}

// Write writes report.md and the pictures into dir for results res of matrix m.
func Write(dir string, m *matrix.Matrix, res matrix.Results, info Info) (Written, error) {
	w := Written{}
	rep := m.Report
	if rep == nil {
		rep = &matrix.Report{}
	}
	var curves *curveSummary
	if rep.Curves != "" {
		path := filepath.Join(dir, CurvesFile)
		c, err := drawCurves(path, res, rep.Curves)
		if err != nil {
			w.Problems = append(w.Problems, fmt.Sprintf("Figure 4 (%s): %v", path, err))
		} else {
			w.Curves, curves = path, c
		}
	}
	if len(rep.Panel) > 0 {
		path := filepath.Join(dir, PanelFile)
		if err := drawPanel(path, res, rep); err != nil {
			w.Problems = append(w.Problems, fmt.Sprintf("Figure 3 (%s): %v", path, err))
		} else {
			w.Panel = path
		}
	}
	md := markdown(dir, m, res, rep, info, w, curves)
	w.Report = filepath.Join(dir, ReportFile)
	if err := atomicfile.WriteFile(w.Report, []byte(md)); err != nil {
		return w, err
	}
	return w, nil
}

// Ranking returns the finished rows from best to worst mean mIoU.
func Ranking(res matrix.Results) []matrix.RowResult {
	var rows []matrix.RowResult
	for _, r := range res.Rows {
		if r.MeanMIoU != nil {
			rows = append(rows, r)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return *rows[i].MeanMIoU > *rows[j].MeanMIoU })
	return rows
}

// Gain is the difference of the mean mIoU of rows method and baseline; ok is false when
// either has no finished run.
func Gain(res matrix.Results, method, baseline string) (gain float64, ok bool) {
	var a, b *float64
	for _, r := range res.Rows {
		switch r.Name {
		case method:
			a = r.MeanMIoU
		case baseline:
			b = r.MeanMIoU
		}
	}
	if a == nil || b == nil {
		return 0, false
	}
	return *a - *b, true
}

// pairedGains returns, for every seed both rows finished, the method's mIoU minus the
// baseline's, in seed order (nil when either row is missing).
func pairedGains(res matrix.Results, method, baseline string) []matrix.SeedDiff {
	var m, b *matrix.RowResult
	for i := range res.Rows {
		switch res.Rows[i].Name {
		case method:
			m = &res.Rows[i]
		case baseline:
			b = &res.Rows[i]
		}
	}
	if m == nil || b == nil {
		return nil
	}
	return matrix.PairedDiffs(*b, *m)
}

func markdown(dir string, m *matrix.Matrix, res matrix.Results, rep *matrix.Report, info Info, w Written, curves *curveSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Reproduction: %s\n\n", m.Name)
	git := runinfo.Revision()
	dirty := ""
	if git.Dirty {
		dirty = " (with uncommitted changes)"
	}
	fmt.Fprintf(&b, "- command: `%s`\n- matrix: `%s`, seeds %v\n- source revision: %s%s\n- machine: %s/%s, %d cores\n- wall time of this invocation: %s",
		info.Command, m.Path(), seedList(m.Seeds), git.Revision, dirty, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), info.Elapsed.Round(time.Second))
	if info.Skipped > 0 {
		fmt.Fprintf(&b, " (%d runs were already finished and not run again)", info.Skipped)
	}
	b.WriteString("\n\n## Target val, per-class IoU and mIoU\n\n")
	b.WriteString(res.Markdown())

	b.WriteString("\n## Reading\n\n")
	ranked := Ranking(res)
	if len(ranked) > 0 {
		var parts []string
		for _, r := range ranked {
			parts = append(parts, fmt.Sprintf("%s %.1f", r.Label, *r.MeanMIoU))
		}
		fmt.Fprintf(&b, "Ordering by mean mIoU: %s.\n", strings.Join(parts, " > "))
	}
	if rep.Method != "" && rep.Baseline != "" {
		if g, ok := Gain(res, rep.Method, rep.Baseline); ok {
			fmt.Fprintf(&b, "%s minus %s: %+.1f mIoU points (mean over seeds).\n", label(res, rep.Method), label(res, rep.Baseline), g)
		}
		if d := pairedGains(res, rep.Method, rep.Baseline); len(d) > 0 {
			var parts []string
			better := 0
			for _, x := range d {
				parts = append(parts, fmt.Sprintf("seed %d %+.1f", x.Seed, x.Diff))
				if x.Diff > 0 {
					better++
				}
			}
			fmt.Fprintf(&b, "Per seed (same seed, same data order): %s; %s is better on %d of %d seeds.\n",
				strings.Join(parts, ", "), label(res, rep.Method), better, len(d))
		}
	}
	b.WriteString(decisions(res.Comparisons))
	b.WriteString("\n" + SeedVaries + "\n")
	b.WriteString("\n### Per seed\n\n| method | " + strings.Join(seedHeaders(m.Seeds), " | ") + " |\n|---|" + strings.Repeat("---:|", len(m.Seeds)) + "\n")
	for _, r := range res.Rows {
		b.WriteString("| " + r.Label + " |")
		for _, seed := range m.Seeds {
			cell := " – |"
			for _, s := range r.Seeds {
				if s.Seed == seed {
					switch {
					case s.MIoU != nil:
						cell = fmt.Sprintf(" %.1f |", *s.MIoU)
					case s.Error != "":
						cell = " failed |"
					}
				}
			}
			b.WriteString(cell)
		}
		b.WriteString("\n")
	}
	if curves != nil {
		b.WriteString("\n## Snapshot selection (the DA stage)\n\n")
		fmt.Fprintf(&b, "The synthetic validation set (held-out source images restyled toward the target by FDA) picks\n"+
			"the DA snapshot self-training starts from; target-val mIoU is recorded, never used for the choice.\n\n"+
			"| seed | selected iteration | synthetic-val mIoU | target val there | target val, best iteration | target val, last |\n|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range curves.seeds {
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", s.seed, intOr(s.selected), numOr(s.selectScore), numOr(s.targetAtSelected), numOr(s.targetBest), numOr(s.targetLast))
		}
	}
	b.WriteString("\n## Pictures\n\n")
	if w.Curves != "" {
		fmt.Fprintf(&b, "- mIoU vs iteration, target val and synthetic val (Figure 4): `%s`\n", w.Curves)
	}
	if w.Panel != "" {
		fmt.Fprintf(&b, "- segmentations of target val images (Figure 3): `%s`\n", w.Panel)
	}
	for _, p := range w.Problems {
		fmt.Fprintf(&b, "- not drawn: %s\n", p)
	}
	fmt.Fprintf(&b, "\nConfigs: `%s`. Run directories: `%s/<row>/seed<N>` (DA is the `01-da` stage of each DAST run). Numbers: `results.json`, `results.csv`.\n",
		filepath.Dir(filepath.Clean(m.Path())), filepath.Clean(dir))
	return b.String()
}

// SeedVaries states what a matrix seed changes in a run and what it leaves fixed.
const SeedVaries = "What the seed changes: the run's `seed` key, which seeds the initialisation of every variable " +
	"not loaded from a pretrained file (with `pretrained: builtin`, the classifier and the discriminators) and the " +
	"order in which source and target images are drawn. Fixed for every seed: the datasets (their own `seed`), " +
	"the pretrained encoder, the validation and selection sets and every other setting."

// decisions sums up the paired comparisons: which are decided (95% interval excludes 0).
func decisions(cs []matrix.RowDiff) string {
	var yes, no []string
	for _, c := range cs {
		if c.MeanDiff == nil {
			continue
		}
		if c.Decided {
			yes = append(yes, fmt.Sprintf("%s %+.1f [%+.1f, %+.1f]", c.Label, *c.MeanDiff, *c.CILow, *c.CIHigh))
		} else {
			no = append(no, fmt.Sprintf("%s %+.1f", c.Label, *c.MeanDiff))
		}
	}
	var b strings.Builder
	if len(yes) > 0 {
		fmt.Fprintf(&b, "Decided by the paired 95%% interval (it excludes 0): %s.\n", strings.Join(yes, "; "))
	}
	if len(no) > 0 {
		fmt.Fprintf(&b, "Not decided by these seeds (the interval contains 0, or fewer than two paired seeds): %s.\n", strings.Join(no, "; "))
	}
	return b.String()
}

func label(res matrix.Results, name string) string {
	for _, r := range res.Rows {
		if r.Name == name {
			return r.Label
		}
	}
	return name
}

func seedList(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

func seedHeaders(s []int64) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("seed %d", v)
	}
	return out
}

func intOr(p *int) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprint(*p)
}

func numOr(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *p)
}

// point is one evaluation: mIoU at an iteration.
type point struct {
	it   int
	miou float64
}

// readSeries reads a JSON-lines file of {"iteration", "miou"} records; a repeated iteration
// (an evaluation repeated after a resume) keeps its last value. Sorted by iteration.
func readSeries(path string) ([]point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	byIt := map[int]float64{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var rec struct {
			Iteration *int     `json:"iteration"`
			MIoU      *float64 `json:"miou"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if rec.Iteration == nil || rec.MIoU == nil {
			return nil, fmt.Errorf("%s:%d: want iteration and miou", path, line)
		}
		byIt[*rec.Iteration] = *rec.MIoU
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pts := make([]point, 0, len(byIt))
	for it, v := range byIt {
		pts = append(pts, point{it, v})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].it < pts[j].it })
	return pts, nil
}

// selectionOf reads a run's best snapshot; nil when it selected none.
func selectionOf(dir string) (*selection.Record, error) {
	s, ok, err := selection.Best(dir)
	if err != nil || !ok {
		return nil, err
	}
	return &s, nil
}
