package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
)

// Collect writes the same result files as Execute for the same finished runs.
func TestCollectMatchesExecute(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {seeds: [1, 2], rows: [{name: a, config: a.yaml}, {name: b, config: b.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	runs := filepath.Join(root, "runs")
	jobs := m.Jobs(runs, nil)
	run := func(_ context.Context, j Job, _ bool) (*metrics.Metrics, error) {
		mm := fakeMetrics(10 + float64(j.Seed) + float64(len(j.Row.Name)))
		if err := os.MkdirAll(j.Dir, 0o755); err != nil {
			return nil, err
		}
		// A weights block as train writes it, carried into results.json.
		b, _ := mm.MarshalJSON()
		b = append(b[:len(b)-1], []byte(`,"weights":{"sha256":"ab`+j.Row.Name+`","platform":{"goarch":"amd64"}}}`)...)
		return mm, os.WriteFile(filepath.Join(j.Dir, "metrics.json"), b, 0o644)
	}
	ex := &Runner{Matrix: m, Jobs: jobs, OutDir: filepath.Join(root, "exec"), Run: run, MetricsFile: "metrics.json", ConfigFile: "config.yaml"}
	if _, err := ex.Execute(context.Background()); err != nil {
		t.Fatal(err)
	}
	co := &Runner{Matrix: m, Jobs: jobs, OutDir: filepath.Join(root, "collect"), MetricsFile: "metrics.json", ConfigFile: "config.yaml"}
	if _, err := co.Collect(func(Job) error { return errors.New("not finished") }); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{ResultsJSON, ResultsCSV, ResultsMarkdown} {
		a, _ := os.ReadFile(filepath.Join(root, "exec", name))
		b, _ := os.ReadFile(filepath.Join(root, "collect", name))
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s: Execute and Collect differ:\n%s\n%s", name, a, b)
		}
	}
	res, err := ReadResults(filepath.Join(root, "collect", ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(res.Rows[1].Seeds[0].Weights, &w); err != nil || w.SHA256 != "abb" {
		t.Errorf("weights of row b seed 1: %q (%v)", w.SHA256, err)
	}
	// A run without metrics is reported with the reason fail gives, and Collect fails.
	os.Remove(filepath.Join(jobs[0].Dir, "metrics.json"))
	res, err = co.Collect(func(j Job) error { return errors.New("slurm job 12 CANCELLED") })
	if err == nil || !strings.Contains(err.Error(), "1 of 4 runs failed") {
		t.Errorf("Collect with a failed run: %v", err)
	}
	if got := res.Rows[0].Seeds[0].Error; got != "slurm job 12 CANCELLED" {
		t.Errorf("failed seed's error %q", got)
	}
}
