package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
	"github.com/dast-uda/dast/app/report"
)

// TestReproduceEmbeddedSmoke runs the embedded reproduction at toy scale (2 iterations per
// stage, tiny sets) and checks what a researcher reads: the table with the four methods, the
// report with its ordering and selection table, results.json and both pictures.
func TestReproduceEmbeddedSmoke(t *testing.T) {
	out := filepath.Join(t.TempDir(), "repro")
	code, stdout, stderr := runCLI(t, "reproduce", "--out", out, "--jobs", "1",
		"--set", "train.iterations=2", "--set", "data.val.size=2", "--set", "data.target.size=4",
		"--set", "dast:strategy.round_iterations=2", "--set", "dast:strategy.rounds=1",
		"--set", "dast:data.select.source.size=2", "--set", "dast:train.eval_every=1")
	if code != 0 {
		t.Fatalf("reproduce exited %d: %s", code, stderr)
	}
	for _, want := range []string{"| Source only |", "| AdaptSegNet |", "| DA |", "| DAST |", "dast - source_only:", "ordering:", "report: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "configs", "synthetic", "reproduce.yaml")); err != nil {
		t.Errorf("the embedded configs were not written beside the runs: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(out, report.ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ordering by mean mIoU", "DAST minus Source only", "selected iteration", report.CurvesFile, report.PanelFile,
		"| DAST − Source only |", "95% interval", "What the seed changes"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	var res matrix.Results
	js, err := os.ReadFile(filepath.Join(out, matrix.ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 4 {
		t.Fatalf("results.json has %d rows, want 4", len(res.Rows))
	}
	for _, r := range res.Rows {
		if r.Finished != 5 {
			t.Errorf("row %s: %d of 5 seeds finished", r.Name, r.Finished)
		}
	}
	// Every pair of rows is compared over the 5 paired seeds, DAST - source-only among them.
	if len(res.Comparisons) != 6 {
		t.Fatalf("results.json has %d comparisons, want 6 (every pair of 4 rows)", len(res.Comparisons))
	}
	found := false
	for _, c := range res.Comparisons {
		if c.N != 5 || c.MeanDiff == nil || c.CILow == nil || c.CIHigh == nil || *c.CILow > *c.MeanDiff || *c.CIHigh < *c.MeanDiff {
			t.Errorf("comparison %s: n %d, interval not around the mean: %+v", c.Label, c.N, c)
		}
		found = found || (c.A == "source_only" && c.B == "dast")
	}
	if !found {
		t.Error("no DAST - source-only comparison in results.json")
	}
	for _, key := range []string{`"mean_diff"`, `"ci_low"`, `"ci_high"`, `"n"`, `"decided"`} {
		if !strings.Contains(string(js), key) {
			t.Errorf("results.json lacks %s", key)
		}
	}
	if da := res.Rows[2]; da.Name != "da" || !strings.HasSuffix(da.Seeds[0].Dir, "01-da") {
		t.Errorf("row 3 is %s with seed dir %s, want DAST's DA stage", da.Name, da.Seeds[0].Dir)
	}
	for _, f := range []string{report.CurvesFile, report.PanelFile} {
		fh, err := os.Open(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil || img.Bounds().Dx() < 100 {
			t.Errorf("%s: %v, %v", f, err, img)
		}
	}
	// Again: every run is done, nothing trains, the report is rewritten.
	code, stdout, stderr = runCLI(t, "reproduce", "--out", out, "--jobs", "1",
		"--set", "train.iterations=2", "--set", "data.val.size=2", "--set", "data.target.size=4",
		"--set", "dast:strategy.round_iterations=2", "--set", "dast:strategy.rounds=1",
		"--set", "dast:data.select.source.size=2", "--set", "dast:train.eval_every=1")
	if code != 0 || !strings.Contains(stdout, "| DAST |") {
		t.Fatalf("second reproduce exited %d: %s", code, stderr)
	}
	md, _ = os.ReadFile(filepath.Join(out, report.ReportFile))
	if !strings.Contains(string(md), "15 runs were already finished") {
		t.Errorf("the second report does not say the runs were reused:\n%s", md)
	}
	if code, _, stderr := runCLI(t, "reproduce", "--out", out, "--set", "nosuchrow:train.iterations=1"); code == 0 || !strings.Contains(stderr, `"nosuchrow" is not a training row`) {
		t.Errorf("a row-scoped override of an unknown row: exit %d, %s", code, stderr)
	}
}
