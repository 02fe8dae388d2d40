package dast

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/registry"
)

func defaults(t *testing.T) *Config {
	t.Helper()
	info, err := registry.Lookup("strategy.dast")
	if err != nil {
		t.Fatal(err)
	}
	return info.New().(*Config)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"defaults", func(*Config) {}, ""},
		{"q per round", func(c *Config) { c.Q = []float64{0.4, 0.5, 0.6} }, ""},
		{"q count", func(c *Config) { c.Q = []float64{0.4, 0.5} }, "q: give one value or one per round"},
		{"q range", func(c *Config) { c.Q = []float64{1.5} }, "q[0]"},
		{"cap", func(c *Config) { c.Cap = 0 }, "cap"},
		{"given labels", func(c *Config) { c.PseudoLabels = "x" }, "makes its own pseudo labels"},
		{"rounds", func(c *Config) { c.Rounds = -1 }, "rounds"},
		{"attention without discoverer", func(c *Config) { c.Discoverer = false }, "attention: needs discoverer"},
	}
	for _, tt := range tests {
		c := defaults(t)
		tt.mutate(c)
		err := c.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestStages(t *testing.T) {
	c := defaults(t)
	c.Q = []float64{0.4, 0.5, 0.6}
	c.RoundIterations, c.RoundLR, c.RoundPolyHorizon = 20000, 2e-4, 100000
	const run = `name: gta
strategy: {name: dast, rounds: 3, q: [0.4, 0.5, 0.6], lambda_d: 0.01, round_poly_horizon: 100000}
train: {iterations: 150000, poly_horizon: 250000, lr: 2.5e-4, head_lr_mult: 10}
data: {source: {name: gta5}, target: {name: gta5}, select: {source: {name: gta5}}}
`
	tree, err := config.LoadFS(fstest.MapFS{"gta.yaml": {Data: []byte(run)}}, "gta.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := tree.YAML()
	if err != nil {
		t.Fatal(err)
	}
	stages, err := c.Stages(tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(stages) != 4 || stages[0].Name != "da" || stages[3].Name != "round3" {
		t.Fatalf("stages %v", stages)
	}
	root := func(s train.Stage) *config.Root {
		t.Helper()
		cfg, err := s.Config(tree, s.Name+".yaml")
		if err != nil {
			t.Fatal(err)
		}
		r, err := cfg.Root()
		if err != nil {
			t.Fatalf("stage %s: %v", s.Name, err)
		}
		return r
	}
	da := root(stages[0])
	if st := da.Strategy; st["name"] != "da" || st["rounds"] != nil || st["lambda_d"] != 0.01 {
		t.Errorf("DA stage strategy %v: want strategy.da with the DA options and no pipeline keys", st)
	}
	if tr := da.Train; tr.Iterations != 150000 || tr.PolyHorizon != 250000 {
		t.Errorf("DA stage train %+v: want the config's schedule", tr)
	}
	r3 := stages[3]
	if r3.Pseudo == nil || r3.Pseudo.Q != 0.6 || r3.Pseudo.Cap != 0.9 {
		t.Errorf("round 3 pseudo options %+v, want q 0.6 cap 0.9", r3.Pseudo)
	}
	r3r := root(r3)
	if tr := r3r.Train; tr.Iterations != 20000 || tr.LR != 2e-4 || tr.HeadLRMult != 1.0 || tr.PolyHorizon != 100000 {
		t.Errorf("round 3 train %+v: want 20000 iterations, lr 2e-4, head x1, horizon 100000", tr)
	}
	if r3r.Strategy["name"] != "self_training" || r3r.Name != "gta-round3" {
		t.Errorf("round 3 is %v / %v", r3r.Strategy, r3r.Name)
	}
	if !da.Data.Select.Enabled() {
		t.Error("the DA stage lost data.select: it chooses the snapshot self-training starts from")
	}
	if r3r.Data.Select.Enabled() {
		t.Error("round 3 kept data.select: rounds train to their end")
	}
	// The stages are derived copies: deriving them leaves the run's config alone.
	after, err := tree.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := tree.Root(); r.Strategy["name"] != "dast" || string(after) != string(before) {
		t.Error("Stages modified the run's config")
	}
}
