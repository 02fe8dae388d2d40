package matrix

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
)

func TestSlurmBlockErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{"matrix: {executor: pbs, rows: [{name: r, config: a.yaml}]}", `matrix.executor: "pbs" is not an executor (known: local, slurm)`},
		{"matrix: {slurm: {mem: lots}, rows: [{name: r, config: a.yaml}]}", `matrix.slurm.mem: "lots"`},
		{"matrix: {slurm: {time: soon}, rows: [{name: r, config: a.yaml}]}", `matrix.slurm.time: "soon"`},
		{"matrix: {slurm: {gpus: -1}, rows: [{name: r, config: a.yaml}]}", "matrix.slurm.gpus: -1"},
		{"matrix: {slurm: {partition: 'a b'}, rows: [{name: r, config: a.yaml}]}", `matrix.slurm.partition: "a b"`},
		{"matrix: {slurm: {extra: [qos=long]}, rows: [{name: r, config: a.yaml}]}", `matrix.slurm.extra[0]: "qos=long"`},
		{"matrix: {slurm: {gpu: 1}, rows: [{name: r, config: a.yaml}]}", "field gpu not found"},
		{"matrix: {rows: [{name: r, config: a.yaml, slurm: {cpus: -2}}]}", "matrix.rows[0].slurm.cpus: -2"},
	}
	for _, tt := range tests {
		_, err := Load(writeMatrix(t, tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

// A row's slurm block overrides the fields it sets and adds its extra options.
func TestSlurmForMergesRowOverMatrix(t *testing.T) {
	m, err := Load(writeMatrix(t, `matrix:
  executor: slurm
  slurm: {partition: gpu, gpus: 1, cpus: 8, mem: 32G, time: "2-00:00:00", account: lab, extra: [--qos=long]}
  rows:
    - {name: a, config: a.yaml}
    - {name: b, config: b.yaml, slurm: {gpus: 2, time: "12:00:00", extra: [--constraint=a100]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		row  int
		want string
	}{
		{0, "--partition=gpu --account=lab --gpus=1 --cpus-per-task=8 --mem=32G --time=2-00:00:00 --qos=long"},
		{1, "--partition=gpu --account=lab --gpus=2 --cpus-per-task=8 --mem=32G --time=12:00:00 --qos=long --constraint=a100"},
	}
	for _, tt := range tests {
		if got := strings.Join(m.SlurmFor(m.Rows[tt.row]).options(), " "); got != tt.want {
			t.Errorf("row %s: %s, want %s", m.Rows[tt.row].Name, got, tt.want)
		}
	}
	if m.Executor != "slurm" {
		t.Errorf("executor %q", m.Executor)
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"runs/a-1/seed2", "runs/a-1/seed2"},
		{"train.lr=0.01", "train.lr=0.01"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$(rm -rf /)", "'$(rm -rf /)'"},
		{"strategy.q=[0.5, 0.6]", "'strategy.q=[0.5, 0.6]'"},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// The job script resumes a started run (as the local executor does) and otherwise runs the
// same train command with the row's overrides, the seed and the name.
func TestSlurmScript(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {name: t3, seeds: [7], slurm: {gpus: 1, mem: 8G}, rows: [{name: a, config: a.yaml, set: ['strategy.q=[0.5]']}]}"))
	if err != nil {
		t.Fatal(err)
	}
	j := m.Jobs("out", nil)[0]
	e := &SlurmExecutor{Matrix: m, Dast: "/opt/dast/bin/dast", Workdir: "/home/me/exp", Env: []string{"A=1 2"}, ConfigFile: "config.yaml"}
	got := e.script(j, "dast.t3.a.seed7.a1", "/home/me/exp/out/slurm/logs/a.%j.log", "round1")
	for _, want := range []string{
		"#SBATCH --job-name=dast.t3.a.seed7.a1\n",
		"#SBATCH --output=/home/me/exp/out/slurm/logs/a.%j.log\n",
		"#SBATCH --chdir=/home/me/exp\n",
		"#SBATCH --gpus=1\n#SBATCH --mem=8G\n",
		"export A='1 2'\n",
		"if [ -e out/a/seed7/config.yaml ]; then\n\texec /opt/dast/bin/dast --log-format json train --resume out/a/seed7 --until-stage round1\nfi\n",
		"exec /opt/dast/bin/dast --log-format json train --config " + j.Config + " --out out/a/seed7 --set 'strategy.q=[0.5]' --set seed=7 --set name=a-seed7 --until-stage round1\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("script lacks %q:\n%s", want, got)
		}
	}
}

func TestJobStateActive(t *testing.T) {
	tests := []struct {
		s    JobState
		want bool
	}{
		{JobState{"PENDING", "Priority"}, true},
		{JobState{"PENDING", "Dependency"}, true},
		{JobState{"PENDING", "DependencyNeverSatisfied"}, false},
		{JobState{"RUNNING", "None"}, true},
		{JobState{"COMPLETING", "None"}, true},
		{JobState{"COMPLETED", "None"}, false},
		{JobState{"CANCELLED", "None"}, false},
		{JobState{"TIMEOUT", "None"}, false},
		{JobState{"OUT_OF_MEMORY", "None"}, false},
		{JobState{}, false},
	}
	for _, tt := range tests {
		if got := tt.s.Active(); got != tt.want {
			t.Errorf("%+v.Active() = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestLogParsing(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "j.log")
	os.WriteFile(log, []byte(`{"level":"info","ts":"t","msg":"stage","stage":"02-round1"}
{"level":"info","ts":"t","msg":"progress","what":"pseudo","done":100,"total":2000,"eta":12}
{"level":"info","ts":"t","msg":"progress","what":"train","done":120,"total":250,"eta":40}
{"level":"error","ts":"t","msg":"matrix: run failed","error":"boom"}
dast: stage round1: iteration 121: loss seg is NaN
`), 0o644)
	if got := lastProgress(log); got != "train 120/250 eta 40s" {
		t.Errorf("lastProgress = %q", got)
	}
	if got := lastError(log); got != "dast: stage round1: iteration 121: loss seg is NaN" {
		t.Errorf("lastError = %q", got)
	}
	os.WriteFile(log, []byte(`{"level":"error","ts":"t","msg":"run failed","error":"boom"}
{"level":"info","ts":"t","msg":"bye"}
`), 0o644)
	if got := lastError(log); got != "run failed: boom" {
		t.Errorf("lastError (JSON) = %q", got)
	}
	if got := lastError(filepath.Join(dir, "none.log")); !strings.Contains(got, "never started") {
		t.Errorf("lastError (no log) = %q", got)
	}
	if got := lastProgress(filepath.Join(dir, "none.log")); got != "starting" {
		t.Errorf("lastProgress (no log) = %q", got)
	}
}

func FuzzLogParsing(f *testing.F) {
	f.Add([]byte(`{"msg":"progress","what":"train","done":1,"total":5,"eta":1}` + "\n"))
	f.Add([]byte(`{"level":"error","msg":"x","error":"y"}` + "\nplain\n"))
	f.Add([]byte(`{"msg":"train","it":3,"of":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = lastProgress(p)
		if lastError(p) == "" {
			t.Error("lastError is empty")
		}
	})
}

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
	if h, _ := weightsHash(res.Rows[1].Seeds[0].Weights); h != "abb" {
		t.Errorf("weights of row b seed 1: %q", h)
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
