package gate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
)

// results builds a Results of rows name -> per-seed mIoU (seeds 1, 2, ...), each seed's weights
// hash "h<row><seed>" unless hashes is false.
func results(rows map[string][]float64, order []string, hash func(row string, seed int) string) matrix.Results {
	var r matrix.Results
	for _, name := range order {
		rr := matrix.RowResult{Name: name, Label: name}
		for i, v := range rows[name] {
			v := v
			s := matrix.SeedResult{Seed: int64(i + 1), MIoU: &v}
			if hash != nil {
				w, _ := json.Marshal(map[string]any{"sha256": hash(name, i+1), "platform": map[string]string{"goarch": "amd64", "gemm": "go/amd64"}})
				s.Weights = w
			}
			rr.Seeds = append(rr.Seeds, s)
		}
		rr.Finished = len(rr.Seeds)
		r.Rows = append(r.Rows, rr)
	}
	return r
}

func sameHash(row string, seed int) string { return row + string(rune('0'+seed)) }

func TestCompare(t *testing.T) {
	base := results(map[string][]float64{"a": {40, 42, 44}, "b": {38, 39, 40}}, []string{"a", "b"}, sameHash)
	tests := []struct {
		name     string
		now      matrix.Results
		tol      float64
		failed   bool
		contains []string
	}{
		{"identical runs pass, bit-exact", base, -1, false, []string{"ok, bit-exact", "same sha256, 3/3 seeds", "paired 95% interval, 3 seeds"}},
		{"a row 3 points worse on every seed fails", results(map[string][]float64{"a": {37, 39, 41}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), -1, true,
			[]string{"| a | 42.00 | 39.00 | -3.00 | 0.05 (floor; paired 95% interval, 3 seeds: 0.000) | no hashes | **REGRESSED** |", "| b | 39.00 | 39.00 | +0.00"}},
		{"a drop of hundredths on every seed is below the floor", results(map[string][]float64{"a": {39.97, 41.97, 43.97}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), -1, false,
			[]string{"| a | 42.00 | 41.97 | -0.03 | 0.05 (floor;"}},
		{"noisy differences within the paired interval pass", results(map[string][]float64{"a": {38, 44, 43}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), -1, false,
			[]string{"| a | 42.00 | 41.67 | -0.33 |"}},
		{"an explicit tolerance decides", results(map[string][]float64{"a": {39.5, 41.5, 43.5}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), 0.4, true,
			[]string{"0.40 (--tolerance)", "**REGRESSED**"}},
		{"a drop within the explicit tolerance passes", results(map[string][]float64{"a": {39.5, 41.5, 43.5}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), 0.6, false, nil},
		{"a better row passes", results(map[string][]float64{"a": {45, 46, 47}, "b": {38, 39, 40}}, []string{"a", "b"}, nil), -1, false, []string{"+4.00"}},
		{"a missing row fails", results(map[string][]float64{"a": {40, 42, 44}}, []string{"a"}, sameHash), -1, true, []string{"row of the baseline missing"}},
		{"a new row is listed, not judged", results(map[string][]float64{"a": {40, 42, 44}, "b": {38, 39, 40}, "c": {1}}, []string{"a", "b", "c"}, sameHash), -1, false, []string{"new row"}},
		{"different hashes name the platform", results(map[string][]float64{"a": {40, 42, 44}, "b": {38, 39, 40}}, []string{"a", "b"}, func(r string, s int) string { return "x" }), -1, false,
			[]string{"same sha256 0/3 seeds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(base, tt.now, tt.tol)
			c.Baseline = "base.json"
			md := c.Markdown()
			if c.Failed() != tt.failed || (c.Err() != nil) != tt.failed {
				t.Errorf("failed %v (err %v), want %v:\n%s", c.Failed(), c.Err(), tt.failed, md)
			}
			for _, want := range tt.contains {
				if !strings.Contains(md, want) {
					t.Errorf("table lacks %q:\n%s", want, md)
				}
			}
		})
	}
}

// With one paired seed there is no interval: any drop beyond the floor fails.
func TestCompareOneSeed(t *testing.T) {
	base := results(map[string][]float64{"a": {40}}, []string{"a"}, nil)
	if c := Compare(base, results(map[string][]float64{"a": {39.9}}, []string{"a"}, nil), -1); !c.Failed() || !strings.Contains(c.Markdown(), "0.05 (floor; one paired seed, no interval: 0.000)") {
		t.Errorf("a 0.1 drop on one seed passed:\n%s", c.Markdown())
	}
	if c := Compare(base, base, -1); c.Failed() {
		t.Errorf("equal results failed:\n%s", c.Markdown())
	}
	// Only seeds both finished are paired.
	now := results(map[string][]float64{"a": {40, 10}}, []string{"a"}, nil)
	if c := Compare(base, now, -1); c.Failed() || c.Rows[0].Paired != 1 {
		t.Errorf("seed 2 (not in the baseline) was compared:\n%s", c.Markdown())
	}
}

// The checked-in CI baseline reads and passes against itself, bit-exact.
func TestCheckedInBaseline(t *testing.T) {
	path := filepath.Join("..", "..", "..", "configs", "synthetic", "table3_ci.baseline.json")
	base, err := matrix.ReadResults(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := matrix.Load(filepath.Join("..", "..", "..", "configs", "synthetic", "table3_ci.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Rows) != len(m.Rows) {
		t.Fatalf("baseline has %d rows, the CI matrix %d", len(base.Rows), len(m.Rows))
	}
	for i, r := range base.Rows {
		if r.Name != m.Rows[i].Name || r.Finished != len(m.Seeds) {
			t.Errorf("baseline row %d: %s with %d seeds, matrix row %s with %d", i, r.Name, r.Finished, m.Rows[i].Name, len(m.Seeds))
		}
	}
	c := Compare(base, base, -1)
	if c.Failed() || !strings.Contains(c.Markdown(), "ok, bit-exact") {
		t.Errorf("the baseline against itself:\n%s", c.Markdown())
	}
}

func FuzzReadResults(f *testing.F) {
	f.Add([]byte(`{"matrix":"x","rows":[{"name":"a","seeds":[{"seed":1,"miou":1.5,"weights":{"sha256":"ab"}}]}]}`))
	f.Add([]byte(`{"rows":[{"name":"a","seeds":[{"seed":1,"miou":null}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "r.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := matrix.ReadResults(p)
		if err != nil {
			return
		}
		c := Compare(r, r, -1)
		if c.Failed() {
			for _, row := range c.Rows {
				if row.Paired > 0 {
					t.Errorf("results against themselves regressed: %+v", row)
				}
			}
		}
		_ = c.Markdown()
	})
}
