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

func writeMatrix(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yaml"} {
		os.WriteFile(filepath.Join(dir, f), []byte("seed: 1\n"), 0o644)
	}
	p := filepath.Join(dir, "m.yaml")
	os.WriteFile(p, []byte(body), 0o644)
	return p
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{"rows: []", "field rows not found"},
		{"matrix: {name: x}", "no rows"},
		{"matrix: {rows: [{name: r, config: missing.yaml}]}", "missing.yaml"},
		{"matrix: {rows: [{name: r, config: a.yaml}, {name: r, config: b.yaml}]}", "used twice"},
		{"matrix: {seeds: [1, 1], rows: [{name: r, config: a.yaml}]}", "listed twice"},
		{"matrix: {rows: [{name: r, config: a.yaml, set: [nokey]}]}", "not key=value"},
		{"matrix: {rows: [{name: r, config: a.yaml, colour: red}]}", "colour"},
		{"matrix: {rows: [{name: r, config: a.yaml}, {name: d, of: r}]}", "needs both of (the row) and stage"},
		{"matrix: {rows: [{name: r, config: a.yaml}, {name: d, stage: da}]}", "needs both of (the row) and stage"},
		{"matrix: {rows: [{name: r, config: a.yaml}, {name: d, of: r, stage: da, config: b.yaml}]}", "trains nothing"},
		{"matrix: {rows: [{name: r, config: a.yaml}, {name: d, of: x, stage: da}]}", `"x" is not a training row`},
		{"matrix: {rows: [{name: r, config: a.yaml}], report: {panel: [r, s]}}", `matrix.report.panel[1]: "s" is not a row`},
		{"matrix: {rows: [{name: r, config: a.yaml}], report: {images: 99}}", "matrix.report.images: 99"},
		{"matrix: {rows: [{name: r, config: a.yaml}], report: {colour: red}}", "colour"},
	}
	for _, tt := range tests {
		_, err := Load(writeMatrix(t, tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestJobsExpandRowsTimesSeeds(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {name: t3, seeds: [1, 2], rows: [{name: a, config: a.yaml, set: [x=1]}, {name: b, config: b.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	jobs := m.Jobs("out", []string{"train.iterations=2"})
	if len(jobs) != 4 {
		t.Fatalf("%d jobs, want 4", len(jobs))
	}
	j := jobs[1]
	if j.Row.Name != "a" || j.Seed != 2 || j.Dir != filepath.Join("out", "a", "seed2") {
		t.Errorf("job 1 = %+v", j)
	}
	want := []string{"x=1", "train.iterations=2", "seed=2", "name=a-seed2"}
	if err := m.CheckSets([]string{"c:x=1"}); err == nil || !strings.Contains(err.Error(), `"c" is not a training row`) {
		t.Errorf("CheckSets(c:x=1) = %v, want the unknown row named", err)
	}
	if err := m.CheckSets([]string{"b:x=1", "y=2"}); err != nil {
		t.Errorf("CheckSets: %v", err)
	}
	scoped := m.Jobs("out", []string{"b:strategy.rounds=2", "train.iterations=2"})
	if got := strings.Join(scoped[0].Sets, " "); got != "x=1 train.iterations=2 seed=1 name=a-seed1" {
		t.Errorf("row a sets %q: a row-scoped override of b leaked", got)
	}
	if got := strings.Join(scoped[2].Sets, " "); got != "strategy.rounds=2 train.iterations=2 seed=1 name=b-seed1" {
		t.Errorf("row b sets %q, want its scoped override", got)
	}
	if p, err := Load(writeMatrix(t, "matrix: {rows: [{name: a, config: a.yaml}, {name: b, config: b.yaml, priority: 1}]}")); err != nil {
		t.Error(err)
	} else if js := p.Jobs("out", nil); js[0].Row.Name != "b" || js[1].Row.Name != "a" {
		t.Errorf("jobs %s, %s: want the priority row first", js[0].Row.Name, js[1].Row.Name)
	}
	if strings.Join(j.Sets, " ") != strings.Join(want, " ") {
		t.Errorf("sets %v, want %v", j.Sets, want)
	}
}

// fakeMetrics stands for a finished run: mIoU = base + seed.
func fakeMetrics(miou float64) *metrics.Metrics {
	return &metrics.Metrics{MIoU: miou, NumClasses: 2, PerClass: []metrics.ClassIoU{{Name: "road", IoU: miou + 1}, {Name: "car", IoU: miou - 1}}}
}

func TestRunnerSkipsDoneResumesPartialAndAggregates(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {seeds: [1, 2, 3], rows: [{name: base, config: a.yaml}, {name: better, config: b.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	jobs := m.Jobs(out, nil)
	// base seed 1 finished earlier; better seed 1 was interrupted.
	os.MkdirAll(jobs[0].Dir, 0o755)
	metrics.WriteJSON(filepath.Join(jobs[0].Dir, "metrics.json"), *fakeMetrics(11))
	os.MkdirAll(jobs[3].Dir, 0o755)
	os.WriteFile(filepath.Join(jobs[3].Dir, "config.yaml"), nil, 0o644)

	var ran, resumed []string
	run := func(_ context.Context, j Job, resume bool) (*metrics.Metrics, error) {
		ran = append(ran, j.Dir)
		if resume {
			resumed = append(resumed, j.Dir)
		}
		if j.Row.Name == "better" && j.Seed == 3 {
			return nil, errors.New("boom")
		}
		base := 10.0
		if j.Row.Name == "better" {
			base = 20
		}
		mm := fakeMetrics(base + float64(j.Seed))
		metrics.WriteJSON(filepath.Join(j.Dir, "metrics.json"), *mm)
		return mm, nil
	}
	for _, j := range jobs {
		os.MkdirAll(j.Dir, 0o755)
	}
	os.Remove(filepath.Join(jobs[3].Dir, "metrics.json"))
	r := &Runner{Matrix: m, Jobs: jobs, OutDir: out, Run: run, MetricsFile: "metrics.json", ConfigFile: "config.yaml"}
	res, err := r.Execute(context.Background())
	if err == nil || !strings.Contains(err.Error(), "better seed 3") {
		t.Fatalf("error %v, want the failed run named", err)
	}
	if len(ran) != 5 {
		t.Errorf("ran %d jobs, want 5 (one was done)", len(ran))
	}
	if len(resumed) != 1 || resumed[0] != jobs[3].Dir {
		t.Errorf("resumed %v, want only %s", resumed, jobs[3].Dir)
	}
	if got := *res.Rows[0].MeanMIoU; got != 12 {
		t.Errorf("base mean %v, want 12 (11, 12, 13)", got)
	}
	if got := *res.Rows[0].StdMIoU; got != 1 {
		t.Errorf("base std %v, want 1", got)
	}
	if res.Rows[1].Finished != 2 || *res.Rows[1].MeanMIoU != 21.5 {
		t.Errorf("better row %+v, want 2 finished with mean 21.5", res.Rows[1])
	}
	if strings.Join(res.Classes, ",") != "road,car" {
		t.Errorf("classes %v", res.Classes)
	}
	md, _ := os.ReadFile(filepath.Join(out, ResultsMarkdown))
	for _, want := range []string{"| method | road | car | mIoU |", "| base | 13.0 | 11.0 | 12.0 ± 1.0 |", "| better | 22.5 | 20.5 | 21.5 ± 0.7 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var parsed Results
	js, _ := os.ReadFile(filepath.Join(out, ResultsJSON))
	if err := json.Unmarshal(js, &parsed); err != nil || len(parsed.Rows) != 2 || parsed.Rows[1].Seeds[2].Error != "boom" {
		t.Errorf("results.json: %v %+v", err, parsed)
	}
	csv, _ := os.ReadFile(filepath.Join(out, ResultsCSV))
	if !strings.HasPrefix(string(csv), "row,label,seed,road,car,miou,error\n") || !strings.Contains(string(csv), "base,base,mean,13.0000,11.0000,12.0000,") {
		t.Errorf("results.csv:\n%s", csv)
	}
}

// TestDerivedRowsReadStagesOfTheirRow: a derived row trains nothing; its seeds are the named
// stage of its row's runs, in the table at its own position.
func TestDerivedRowsReadStagesOfTheirRow(t *testing.T) {
	m, err := Load(writeMatrix(t, `matrix:
  seeds: [1, 2]
  rows:
    - {name: base, config: a.yaml}
    - {name: da, label: DA, of: dast, stage: da}
    - {name: dast, config: b.yaml}
`))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	jobs := m.Jobs(out, nil)
	if len(jobs) != 4 {
		t.Fatalf("%d jobs, want 4 (the derived row trains nothing)", len(jobs))
	}
	run := func(_ context.Context, j Job, _ bool) (*metrics.Metrics, error) {
		if j.Row.Name == "dast" && j.Seed == 2 {
			return nil, errors.New("boom")
		}
		return fakeMetrics(float64(10*len(j.Row.Name)) + float64(j.Seed)), nil
	}
	var asked []string
	stage := func(dir, st string) (*metrics.Metrics, string, error) {
		asked = append(asked, dir+"|"+st)
		return fakeMetrics(30), filepath.Join(dir, "01-"+st), nil
	}
	r := &Runner{Matrix: m, Jobs: jobs, OutDir: out, Run: run, MetricsFile: "metrics.json", ConfigFile: "config.yaml", StageMetrics: stage}
	res, err := r.Execute(context.Background())
	if err == nil || strings.Count(err.Error(), "seed 2") != 1 {
		t.Fatalf("error %v, want dast seed 2 reported once", err)
	}
	if len(asked) != 1 || asked[0] != filepath.Join(out, "dast", "seed1")+"|da" {
		t.Errorf("stage reads %v, want dast seed1's da stage only", asked)
	}
	if len(res.Rows) != 3 || res.Rows[1].Name != "da" || res.Rows[1].Label != "DA" {
		t.Fatalf("rows %+v, want base, da, dast", res.Rows)
	}
	da := res.Rows[1]
	if da.Finished != 1 || *da.MeanMIoU != 30 || da.Seeds[0].Dir != filepath.Join(out, "dast", "seed1", "01-da") {
		t.Errorf("derived row %+v", da)
	}
	if len(da.Seeds) != 2 || !strings.Contains(da.Seeds[1].Error, "boom") {
		t.Errorf("derived seed 2 %+v, want the parent's failure", da.Seeds)
	}
}

// TestDir: the runs go to the given directory, else the matrix file's out_dir, else
// runs/<matrix name>.
func TestDir(t *testing.T) {
	for _, tc := range []struct{ file, out, want string }{
		{"matrix: {name: m1, seeds: [1], rows: [{name: a, config: a.yaml}]}", "given", "given"},
		{"matrix: {name: m1, out_dir: from_file, seeds: [1], rows: [{name: a, config: a.yaml}]}", "", "from_file"},
		{"matrix: {name: m1, seeds: [1], rows: [{name: a, config: a.yaml}]}", "", filepath.Join("runs", "m1")},
	} {
		m, err := Load(writeMatrix(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Dir(tc.out); got != tc.want {
			t.Errorf("%s: Dir(%q) = %q, want %q", tc.file, tc.out, got, tc.want)
		}
		if j := m.Jobs(tc.out, nil); j[0].Dir != filepath.Join(tc.want, "a", "seed1") {
			t.Errorf("%s: Jobs(%q) put a run in %q, want under %q", tc.file, tc.out, j[0].Dir, tc.want)
		}
	}
}
