package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
)

func ptr(v float64) *float64 { return &v }

// results builds results of rows whose seeds have the given mIoUs (nil: failed).
func results(rows map[string][]*float64, order ...string) matrix.Results {
	var res matrix.Results
	for _, name := range order {
		rr := matrix.RowResult{Name: name, Label: strings.ToUpper(name)}
		var vs []float64
		for i, v := range rows[name] {
			rr.Seeds = append(rr.Seeds, matrix.SeedResult{Seed: int64(i + 1), MIoU: v})
			if v != nil {
				vs = append(vs, *v)
			}
		}
		if len(vs) > 0 {
			var sum float64
			for _, v := range vs {
				sum += v
			}
			mean, std := sum/float64(len(vs)), 1.0
			rr.MeanMIoU, rr.StdMIoU, rr.Finished = &mean, &std, len(vs)
		}
		res.Rows = append(res.Rows, rr)
	}
	res.Comparisons = matrix.RowDiffs(res.Rows) // as matrix.Aggregate fills it
	return res
}

func TestGainsAndRanking(t *testing.T) {
	res := results(map[string][]*float64{
		"so":   {ptr(30), ptr(35), ptr(40)},
		"dast": {ptr(36), nil, ptr(43)},
		"da":   {ptr(31), ptr(36), ptr(41)},
	}, "so", "da", "dast")
	if g, ok := Gain(res, "dast", "so"); !ok || g != 39.5-35 {
		t.Errorf("Gain = %v, %v; want 4.5 (means 39.5 and 35)", g, ok)
	}
	if _, ok := Gain(res, "dast", "nope"); ok {
		t.Error("Gain with an unknown row reported a value")
	}
	got := pairedGains(res, "dast", "so")
	if len(got) != 2 || got[0] != (matrix.SeedDiff{Seed: 1, Diff: 6}) || got[1] != (matrix.SeedDiff{Seed: 3, Diff: 3}) {
		t.Errorf("pairedGains = %v, want seed 1 +6 and seed 3 +3 (seed 2 failed)", got)
	}
	if got := pairedGains(res, "dast", "nope"); got != nil {
		t.Errorf("pairedGains with an unknown row = %v", got)
	}
	var order []string
	for _, r := range Ranking(res) {
		order = append(order, r.Name)
	}
	if strings.Join(order, ">") != "dast>da>so" {
		t.Errorf("Ranking = %v", order)
	}
	// da - so is +1 on all three seeds (sd 0: decided); dast - da pairs seeds 1 and 3 (+5, +2:
	// mean 3.5, sd 2.12, t(0.975, 1) = 12.71, so the interval [-15.6, 22.6] contains 0).
	d := decisions(res.Comparisons)
	if !strings.Contains(d, "Decided by the paired 95% interval (it excludes 0): DA − SO +1.0 [+1.0, +1.0]") ||
		!strings.Contains(d, "DAST − DA +3.5") || strings.Contains(d, "DAST − DA +3.5 [") {
		t.Errorf("decisions: %s", d)
	}
}

func TestWriteWithoutPictures(t *testing.T) {
	dir := t.TempDir()
	mf := filepath.Join(dir, "m.yaml")
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("seed: 1\n"), 0o644)
	os.WriteFile(mf, []byte("matrix: {seeds: [1, 2], rows: [{name: so, config: a.yaml}, {name: dast, config: a.yaml}], report: {baseline: so, method: dast}}\n"), 0o644)
	m, err := matrix.Load(mf)
	if err != nil {
		t.Fatal(err)
	}
	res := results(map[string][]*float64{"so": {ptr(30), ptr(32)}, "dast": {ptr(36), ptr(35)}}, "so", "dast")
	w, err := Write(dir, m, res, Info{Command: "dast reproduce", Skipped: 4})
	if err != nil {
		t.Fatal(err)
	}
	if w.Curves != "" || w.Panel != "" || len(w.Problems) != 0 {
		t.Errorf("pictures without a report block asking for them: %+v", w)
	}
	md, err := os.ReadFile(w.Report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"command: `dast reproduce`", "4 runs were already finished", "Ordering by mean mIoU: DAST 35.5 > SO 31.0",
		"DAST minus SO: +4.5", "seed 1 +6.0, seed 2 +3.0; DAST is better on 2 of 2 seeds", "| DAST | 36.0 | 35.0 |",
		"What the seed changes", "Not decided by these seeds"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
}
