package slurm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/matrix"
)

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
	m, err := matrix.Load(writeMatrix(t, "matrix: {name: t3, seeds: [7], slurm: {gpus: 1, mem: 8G}, rows: [{name: a, config: a.yaml, set: ['strategy.q=[0.5]']}]}"))
	if err != nil {
		t.Fatal(err)
	}
	j := m.Jobs("out", nil)[0]
	e := &Executor{Matrix: m, Dast: "/opt/dast/bin/dast", Workdir: "/home/me/exp", Env: []string{"A=1 2"}, ConfigFile: "config.yaml"}
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

// writeMatrix writes a matrix file, with the configs a.yaml and b.yaml its rows may name, into
// a temporary directory and returns its path.
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
