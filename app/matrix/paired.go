package matrix

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dast-uda/dast/app/matrix/internal/stats"
)

// SeedDiff is the mIoU difference of two rows on one seed.
type SeedDiff struct {
	Seed int64   `json:"seed"`
	Diff float64 `json:"diff"`
}

// RowDiff is the paired difference of two rows, B minus A, over the seeds both finished:
// a seed is the same initialisation and data order in both rows, so the seed-to-seed spread
// common to both cancels. The interval is the 95% Student-t interval of the mean difference
// (n-1 degrees of freedom); Decided is true only when it excludes 0.
type RowDiff struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Label string `json:"label"` // "B label − A label"
	N     int    `json:"n"`
	// MeanDiff, SD (sample standard deviation of the differences), CILow and CIHigh are nil
	// when fewer than two seeds are paired (no interval).
	MeanDiff *float64 `json:"mean_diff"`
	SD       *float64 `json:"sd_diff"`
	CILow    *float64 `json:"ci_low"`
	CIHigh   *float64 `json:"ci_high"`
	// SignHolds counts the seeds whose difference has the sign of the mean difference.
	SignHolds int        `json:"sign_holds"`
	Decided   bool       `json:"decided"`
	PerSeed   []SeedDiff `json:"per_seed"`
}

// PairedDiffs returns, for every seed both rows finished, b's mIoU minus a's, in seed order.
func PairedDiffs(a, b RowResult) []SeedDiff {
	av := map[int64]float64{}
	for _, s := range a.Seeds {
		if s.MIoU != nil {
			av[s.Seed] = *s.MIoU
		}
	}
	var out []SeedDiff
	for _, s := range b.Seeds {
		if v, ok := av[s.Seed]; ok && s.MIoU != nil {
			out = append(out, SeedDiff{s.Seed, *s.MIoU - v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seed < out[j].Seed })
	return out
}

// DiffRows returns the paired comparison of rows a and b (b minus a).
func DiffRows(a, b RowResult) RowDiff {
	c := RowDiff{A: a.Name, B: b.Name, Label: b.Label + " − " + a.Label, PerSeed: PairedDiffs(a, b)}
	c.N = len(c.PerSeed)
	if c.N == 0 {
		return c
	}
	d := make([]float64, c.N)
	for i, s := range c.PerSeed {
		d[i] = s.Diff
	}
	mean, sd := stats.MeanStd(d)
	c.MeanDiff = &mean
	for _, x := range d {
		if (x > 0 && mean > 0) || (x < 0 && mean < 0) {
			c.SignHolds++
		}
	}
	if c.N < 2 {
		return c
	}
	half := stats.HalfWidth95(sd, c.N)
	lo, hi := mean-half, mean+half
	c.SD, c.CILow, c.CIHigh = &sd, &lo, &hi
	c.Decided = lo > 0 || hi < 0
	return c
}

// RowDiffs returns the paired comparison of every pair of rows, later row minus earlier
// (a matrix lists its rows from baseline to method, as the paper's tables do): for four rows,
// the three adjacent steps, then the longer spans.
func RowDiffs(rows []RowResult) []RowDiff {
	var out []RowDiff
	for gap := 1; gap < len(rows); gap++ {
		for i := 0; i+gap < len(rows); i++ {
			out = append(out, DiffRows(rows[i], rows[i+gap]))
		}
	}
	return out
}

// RowDiffsMarkdown renders the paired comparisons as a table.
func RowDiffsMarkdown(cs []RowDiff) string {
	if len(cs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| comparison | mean difference | 95% interval | seeds with that sign | decided |\n|---|---:|---:|---:|---|\n")
	for _, c := range cs {
		switch {
		case c.MeanDiff == nil:
			fmt.Fprintf(&b, "| %s | – | – | – | no (no paired seed) |\n", c.Label)
		case c.CILow == nil:
			fmt.Fprintf(&b, "| %s | %+.2f | – | %d/%d | no (one paired seed) |\n", c.Label, *c.MeanDiff, c.SignHolds, c.N)
		default:
			verdict := "no (the interval contains 0)"
			if c.Decided && *c.MeanDiff > 0 {
				verdict = "**yes, higher**"
			} else if c.Decided {
				verdict = "**yes, lower**"
			}
			fmt.Fprintf(&b, "| %s | %+.2f | [%+.2f, %+.2f] | %d/%d | %s |\n", c.Label, *c.MeanDiff, *c.CILow, *c.CIHigh, c.SignHolds, c.N, verdict)
		}
	}
	b.WriteString("\nPaired over seeds (the same seed is the same initialisation and data order in both rows): mean of the\n" +
		"per-seed differences with its 95% Student-t interval; a comparison is decided only when the interval excludes 0.\n")
	return b.String()
}
