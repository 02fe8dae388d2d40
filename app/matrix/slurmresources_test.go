package matrix

import (
	"strings"
	"testing"
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
		if got := strings.Join(m.SlurmFor(m.Rows[tt.row]).Options(), " "); got != tt.want {
			t.Errorf("row %s: %s, want %s", m.Rows[tt.row].Name, got, tt.want)
		}
	}
	if m.Executor != "slurm" {
		t.Errorf("executor %q", m.Executor)
	}
}
