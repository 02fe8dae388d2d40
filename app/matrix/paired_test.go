package matrix

import (
	"math"
	"strings"
	"testing"
)

func row(name string, mious map[int64]float64) RowResult {
	r := RowResult{Name: name, Label: strings.ToUpper(name)}
	for seed := int64(1); seed <= 9; seed++ {
		if v, ok := mious[seed]; ok {
			r.Seeds = append(r.Seeds, SeedResult{Seed: seed, MIoU: &v})
		}
	}
	return r
}

// TestDiffRows checks the paired interval against values worked out by hand: differences
// 1..5 have mean 3 and sample sd sqrt(2.5); t(0.975, 4 df) = 2.776445 from a t table, so the
// half-width is 2.776445*sqrt(2.5)/sqrt(5) = 1.963243.
func TestDiffRows(t *testing.T) {
	tests := []struct {
		name         string
		a, b         map[int64]float64
		n, holds     int
		mean, lo, hi float64 // NaN: absent
		decided      bool
	}{
		{"five seeds, decided", map[int64]float64{1: 10, 2: 20, 3: 30, 4: 40, 5: 50}, map[int64]float64{1: 11, 2: 22, 3: 33, 4: 44, 5: 55},
			5, 5, 3, 3 - 1.963243, 3 + 1.963243, true},
		{"straddles zero", map[int64]float64{1: 10, 2: 10, 3: 10}, map[int64]float64{1: 12, 2: 9, 3: 10.5},
			// mean 0.5, sd sqrt(((1.5)^2+(-1.5)^2+0)/2)=1.5, t(0.975,2)=4.302653: half 3.726
			3, 2, 0.5, 0.5 - 4.302653*1.5/math.Sqrt(3), 0.5 + 4.302653*1.5/math.Sqrt(3), false},
		{"decided lower", map[int64]float64{1: 5, 2: 5}, map[int64]float64{1: 3, 2: 2.9},
			// mean -2.05, sd 0.0707107, t(0.975,1)=12.706205: half 0.635310
			2, 2, -2.05, -2.05 - 0.635310, -2.05 + 0.635310, true},
		{"only shared seeds pair", map[int64]float64{1: 1, 2: 2, 7: 9}, map[int64]float64{2: 3, 3: 4},
			1, 1, 1, math.NaN(), math.NaN(), false},
		{"nothing paired", map[int64]float64{1: 1}, map[int64]float64{2: 1}, 0, 0, math.NaN(), math.NaN(), math.NaN(), false},
	}
	near := func(p *float64, want float64) bool {
		if math.IsNaN(want) {
			return p == nil
		}
		return p != nil && math.Abs(*p-want) < 1e-5
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DiffRows(row("a", tt.a), row("b", tt.b))
			if c.N != tt.n || c.SignHolds != tt.holds || c.Decided != tt.decided || !near(c.MeanDiff, tt.mean) || !near(c.CILow, tt.lo) || !near(c.CIHigh, tt.hi) {
				t.Errorf("got n %d holds %d decided %v mean %v [%v, %v]; want n %d holds %d decided %v mean %v [%v, %v]",
					c.N, c.SignHolds, c.Decided, deref(c.MeanDiff), deref(c.CILow), deref(c.CIHigh), tt.n, tt.holds, tt.decided, tt.mean, tt.lo, tt.hi)
			}
			if c.Label != "B − A" {
				t.Errorf("label %q", c.Label)
			}
		})
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// TestRowDiffsOrder checks that every pair appears once, later row minus earlier, adjacent
// steps first.
func TestRowDiffsOrder(t *testing.T) {
	one := map[int64]float64{1: 1}
	cs := RowDiffs([]RowResult{row("s", one), row("a", one), row("d", one), row("t", one)})
	var got []string
	for _, c := range cs {
		got = append(got, c.B+"-"+c.A)
	}
	want := "a-s d-a t-d d-s t-a t-s"
	if strings.Join(got, " ") != want {
		t.Errorf("pairs %v, want %s", got, want)
	}
	md := RowDiffsMarkdown(cs)
	if !strings.Contains(md, "| T − D | +0.00 | – | 0/1 | no (one paired seed) |") {
		t.Errorf("markdown:\n%s", md)
	}
}
