package matrix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadResultsErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"empty.json": `{"matrix":"x","rows":[]}`, "bad.json": `{"rows": 3}`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadResults(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
	if _, err := ReadResults(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a missing baseline read without error")
	}
}

// TestAggregateIndependentOfFinishOrder: jobs finish in any order (children run at once,
// derived rows come last); the means are float sums, so Aggregate must add the seeds in seed
// order for results.json to be the same bytes on every run. The values make the order show.
func TestAggregateIndependentOfFinishOrder(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {seeds: [1, 2, 3], rows: [{name: base, config: a.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	jobs := m.Jobs(t.TempDir(), nil)
	vals := []float64{0.1, 1e16, -1e16}
	outcome := func(i int) Outcome { return Outcome{Job: jobs[i], Metrics: fakeMetrics(vals[i])} }
	want, err := json.Marshal(Aggregate(m, []Outcome{outcome(0), outcome(1), outcome(2)}))
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]int{{2, 1, 0}, {1, 2, 0}, {0, 2, 1}} {
		var outs []Outcome
		for _, i := range order {
			outs = append(outs, outcome(i))
		}
		got, err := json.Marshal(Aggregate(m, outs))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("finish order %v: results differ from seed order:\n%s\nwant\n%s", order, got, want)
		}
	}
}
