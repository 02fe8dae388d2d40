// Package gate is the regression gate of dast matrix --baseline: it compares a matrix's
// results with a stored results.json (the baseline) row by row, over the seeds both
// finished, and names the rows whose mean mIoU dropped by more than a tolerance.
package gate

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/matrix/internal/stats"
)

// RowChange compares one row of a matrix with the same row of a baseline.
type RowChange struct {
	Name, Label string
	Base, Now   *float64 // mean mIoU over the paired seeds
	Delta       float64  // Now - Base
	Paired      int      // seeds finished in both
	// Tolerance is the largest drop of the mean that passes; TolFrom says where it came from.
	Tolerance float64
	TolFrom   string
	// Exact counts the paired seeds whose final weights have the same sha256 in both.
	Exact, Hashed int
	// Platform names a platform fact that differs between the runs (when hashes differ).
	Platform  string
	Regressed bool
	Note      string // why a row is not compared, or what else to know
}

// Comparison is a matrix's results against a baseline.
type Comparison struct {
	Baseline string // the baseline file
	Rows     []RowChange
}

// Failed reports whether some row regressed.
func (c Comparison) Failed() bool {
	for _, r := range c.Rows {
		if r.Regressed {
			return true
		}
	}
	return false
}

// MinTolerance is the smallest default tolerance (mIoU points). Float-level changes, such as
// another SGEMM kernel's summation order, move a row's mean by thousandths (measured on
// table3_ci: at most 0.0025 with gonum's SGEMM instead of fastgo's AVX-512); when such a
// change shifts every seed alike the paired interval shrinks to nothing, and without a floor
// the gate would fail on it.
const MinTolerance = 0.05

// Compare compares the rows of now with the baseline's rows of the same name. A row regresses
// when its mean mIoU over the seeds both finished drops by more than the tolerance, or when a
// baseline row has no finished seed now. tolerance < 0 takes each row's tolerance from the
// paired differences (same seed, same data order): the half-width of their 95% Student-t
// interval, so a row fails when the interval lies wholly below zero; with one paired seed
// there is no interval; either way the default is at least MinTolerance. Rows only in now are
// listed, not judged.
func Compare(base, now matrix.Results, tolerance float64) Comparison {
	var c Comparison
	baseRows := map[string]matrix.RowResult{}
	for _, r := range base.Rows {
		baseRows[r.Name] = r
	}
	seen := map[string]bool{}
	for _, nr := range now.Rows {
		seen[nr.Name] = true
		br, ok := baseRows[nr.Name]
		ch := RowChange{Name: nr.Name, Label: nr.Label}
		if !ok {
			ch.Note = "new row (not in the baseline)"
			c.Rows = append(c.Rows, ch)
			continue
		}
		c.Rows = append(c.Rows, compareRow(br, nr, tolerance))
	}
	for _, br := range base.Rows {
		if !seen[br.Name] {
			c.Rows = append(c.Rows, RowChange{Name: br.Name, Label: br.Label, Regressed: true,
				Note: "row of the baseline missing from this matrix"})
		}
	}
	return c
}

func compareRow(br, nr matrix.RowResult, tolerance float64) RowChange {
	ch := RowChange{Name: nr.Name, Label: nr.Label}
	baseSeeds := map[int64]matrix.SeedResult{}
	for _, s := range br.Seeds {
		baseSeeds[s.Seed] = s
	}
	var b, n, d []float64
	for _, s := range nr.Seeds {
		bs, ok := baseSeeds[s.Seed]
		if !ok || s.MIoU == nil || bs.MIoU == nil {
			continue
		}
		b, n, d = append(b, *bs.MIoU), append(n, *s.MIoU), append(d, *s.MIoU-*bs.MIoU)
		hb, pb := weightsHash(bs.Weights)
		hn, pn := weightsHash(s.Weights)
		if hb != "" && hn != "" {
			ch.Hashed++
			if hb == hn {
				ch.Exact++
			} else if diff := platformDiff(pb, pn); diff != "" && ch.Platform == "" {
				ch.Platform = diff
			}
		}
	}
	ch.Paired = len(d)
	if ch.Paired == 0 {
		ch.Regressed = true
		ch.Note = "no seed finished in both (baseline seeds " + seedList(br) + ", now " + seedList(nr) + ")"
		return ch
	}
	mb, _ := stats.MeanStd(b)
	mn, _ := stats.MeanStd(n)
	md, sd := stats.MeanStd(d)
	ch.Base, ch.Now, ch.Delta = &mb, &mn, md
	switch {
	case tolerance >= 0:
		ch.Tolerance, ch.TolFrom = tolerance, "--tolerance"
	case ch.Paired == 1:
		ch.Tolerance, ch.TolFrom = 0, "one paired seed, no interval"
	default:
		ch.Tolerance = stats.HalfWidth95(sd, ch.Paired)
		ch.TolFrom = fmt.Sprintf("paired 95%% interval, %d seeds", ch.Paired)
	}
	if tolerance < 0 && ch.Tolerance < MinTolerance {
		ch.TolFrom = fmt.Sprintf("floor; %s: %.3f", ch.TolFrom, ch.Tolerance)
		ch.Tolerance = MinTolerance
	}
	// A drop within rounding of the tolerance (float noise in the means) is no regression.
	ch.Regressed = -ch.Delta > ch.Tolerance+1e-9
	if ch.Hashed == ch.Paired && ch.Exact == ch.Paired && math.Abs(ch.Delta) > 1e-9 {
		ch.Note = "same weights, different mIoU: the evaluation or the baseline file changed"
	}
	return ch
}

// weightsHash reads the sha256 and platform of a results.json weights block.
func weightsHash(raw json.RawMessage) (string, map[string]string) {
	if len(raw) == 0 {
		return "", nil
	}
	var w struct {
		SHA256   string            `json:"sha256"`
		Platform map[string]string `json:"platform"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return "", nil
	}
	return w.SHA256, w.Platform
}

// platformDiff names the first platform fact that differs ("gemm go/amd64 vs go/arm64").
func platformDiff(a, b map[string]string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if a[k] != b[k] {
			return fmt.Sprintf("%s %s vs %s", k, orNone(a[k]), orNone(b[k]))
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func seedList(r matrix.RowResult) string {
	var s []string
	for _, x := range r.Seeds {
		if x.MIoU != nil {
			s = append(s, fmt.Sprint(x.Seed))
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

// Markdown renders the comparison as a table: every row, what moved, and the verdict.
func (c Comparison) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Against the baseline %s (mIoU mean over the seeds both finished):\n\n", c.Baseline)
	b.WriteString("| row | baseline | now | Δ | tolerance | weights | verdict |\n|---|---:|---:|---:|---|---|---|\n")
	num := func(p *float64) string {
		if p == nil {
			return "–"
		}
		return fmt.Sprintf("%.2f", *p)
	}
	for _, r := range c.Rows {
		verdict := "ok"
		switch {
		case r.Regressed:
			verdict = "**REGRESSED**"
		case r.Note != "" && r.Base == nil:
			verdict = "not compared"
		case r.Hashed > 0 && r.Exact == r.Paired:
			verdict = "ok, bit-exact"
		}
		if r.Note != "" {
			verdict += ": " + r.Note
		}
		weights := "no hashes"
		switch {
		case r.Paired == 0:
			weights = "–"
		case r.Hashed > 0 && r.Exact == r.Paired:
			weights = fmt.Sprintf("same sha256, %d/%d seeds", r.Exact, r.Paired)
		case r.Hashed > 0:
			weights = fmt.Sprintf("same sha256 %d/%d seeds", r.Exact, r.Paired)
			if r.Platform != "" {
				weights += " (" + r.Platform + ")"
			}
		}
		delta, tol := "–", "–"
		if r.Base != nil {
			delta = fmt.Sprintf("%+.2f", r.Delta)
			tol = fmt.Sprintf("%.2f (%s)", r.Tolerance, r.TolFrom)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Label, num(r.Base), num(r.Now), delta, tol, weights, verdict)
	}
	return b.String()
}

// Err is the gate's verdict as an error naming the rows that regressed (nil when none did).
func (c Comparison) Err() error {
	var bad []string
	for _, r := range c.Rows {
		if !r.Regressed {
			continue
		}
		if r.Base == nil {
			bad = append(bad, fmt.Sprintf("%s (%s)", r.Name, r.Note))
			continue
		}
		bad = append(bad, fmt.Sprintf("%s: mIoU %.2f -> %.2f (%+.2f, tolerance %.2f)", r.Name, *r.Base, *r.Now, r.Delta, r.Tolerance))
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("regression against the baseline %s: %s", c.Baseline, strings.Join(bad, "; "))
}
