package matrix

import (
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
)

func TestDataIssuesInTables(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {seeds: [1, 2], rows: [{name: base, config: a.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	jobs := m.Jobs(t.TempDir(), nil)
	clean := Aggregate(m, []Outcome{{Job: jobs[0], Metrics: fakeMetrics(10)}, {Job: jobs[1], Metrics: fakeMetrics(12)}})
	if md := clean.Markdown(); strings.Contains(md, "Data issues") {
		t.Errorf("no issues, yet:\n%s", md)
	}
	bad := fakeMetrics(12)
	bad.DataIssues = map[string]metrics.DataIssues{
		"data.val":    {Skipped: 1, SkippedFiles: []metrics.SkippedFile{{File: "v/3.png", Reason: "truncated"}}},
		"data.source": {ResizedLabels: 7},
	}
	res := Aggregate(m, []Outcome{{Job: jobs[0], Metrics: fakeMetrics(10)}, {Job: jobs[1], Metrics: bad}})
	md := res.Markdown()
	for _, want := range []string{"| base seed 2 | data.source | 0 | 7 |", "| base seed 2 | data.val | 1 | 0 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "seed 1 |") {
		t.Errorf("seed 1 had no issues:\n%s", md)
	}
	js, err := res.JSON()
	if err != nil || !strings.Contains(string(js), `"data_issues"`) || !strings.Contains(string(js), `"v/3.png"`) {
		t.Errorf("results.json lacks the issues (%v):\n%s", err, js)
	}
}
