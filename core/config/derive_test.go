package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestDerive(t *testing.T) {
	files := map[string]string{
		"configs/base.yaml": "train: {iterations: 100, lr: 0.001, poly_horizon: 50}\nsegmentor: {name: fake, widths: [1, 2]}\n",
		"configs/x.yaml":    "base: base.yaml\ndata: {source: {name: a}, select: {source: {name: b}}}\nstrategy: {name: fakestrat, lambda: 0.5, objective: {name: fakeobj}}\n",
	}
	tree, err := load("configs/x.yaml", []string{"segmentor.label=007", "name=2024"}, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := tree.YAML()
	d, err := tree.Derive("run/01-da.yaml",
		Set("name", "2024-da"),
		Set("strategy", Block{"name": "fakestrat", "lambda": 0.25}),
		Set("train.lr", 2e-4),
		Set("eval.batch_size", 4), // creates eval
		Unset("train.poly_horizon"),
		Unset("data.select"),
		Unset("plugins.x"), // absent: nothing
		Set("segmentor.widths", []int{3, 4}),
	)
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := tree.YAML(); string(after) != string(before) {
		t.Errorf("Derive changed its tree:\n%s\nwas:\n%s", after, before)
	}
	if d.Path() != "run/01-da.yaml" {
		t.Errorf("Path %q", d.Path())
	}
	r, err := d.Root()
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "2024-da" || r.Train.LR != 2e-4 || r.Train.Iterations != 100 || r.Train.PolyHorizon != 0 || r.Eval.BatchSize != 4 || r.Data.Select.Enabled() {
		t.Errorf("derived root %+v", r)
	}
	if !reflect.DeepEqual(r.Strategy, Block{"name": "fakestrat", "lambda": 0.25}) {
		t.Errorf("strategy %v: want the block replaced whole (no objective merged in)", r.Strategy)
	}
	// Values are stored as a file would hold them: a list of ints, not a []int.
	if got := r.Segmentor["widths"]; !reflect.DeepEqual(got, []any{3, 4}) {
		t.Errorf("widths %#v, want []any{3, 4}", got)
	}
	// Sources: untouched keys keep theirs; the edits' values come from the derived tree's path.
	for key, want := range map[string]string{
		"train.iterations": "configs/base.yaml",
		"train.lr":         "run/01-da.yaml",
		"strategy.lambda":  "run/01-da.yaml",
		"data.source.name": "configs/x.yaml",
		"segmentor.label":  SetSource,
		"train":            "configs/base.yaml, run/01-da.yaml",
	} {
		if got := d.Source(key); got != want {
			t.Errorf("Source(%s) = %q, want %q", key, got, want)
		}
	}
	// An untouched --set scalar keeps its text: the string option still gets "007".
	seg, err := Build[*fakeSeg](d, "segmentor", "segmentor")
	if err != nil {
		t.Fatal(err)
	}
	if seg.Label != "007" {
		t.Errorf("label %q, want the --set text 007", seg.Label)
	}
	// A derived tree's YAML loads as the same configuration.
	y, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	again, err := load("again.yaml", nil, memFS(map[string]string{"again.yaml": string(y)}))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := again.Root()
	if err != nil {
		t.Fatal(err)
	}
	r2.Name = r.Name
	if r, _ = d.Root(); !reflect.DeepEqual(r, r2) {
		t.Errorf("reloaded derived root differs:\n%+v\n%+v", r, r2)
	}
}

func TestDeriveErrors(t *testing.T) {
	tree, err := load("x.yaml", nil, memFS(map[string]string{"x.yaml": "seed: 3\ntrain: {lr: 0.1}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		edit Edit
		want string
	}{
		{Set("seed.x", 1), "config: derive d.yaml: seed.x: seed is 3, not a map"},
		{Set("train..lr", 1), "config: derive d.yaml: train..lr: malformed key"},
		{Set("base", "y.yaml"), `config: derive d.yaml: base: "base" can only be set in a file`},
		{Set("train", struct{ LR float64 }{1}), "config: derive d.yaml: train: a struct { LR float64 } value: give a map, a list or a scalar"},
	}
	for _, tt := range tests {
		_, err := tree.Derive("d.yaml", tt.edit)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Derive(%v) error %v, want %q", tt.edit, err, tt.want)
		}
	}
	if _, err := tree.Derive("d.yaml", Unset("seed.x")); err == nil || !strings.Contains(err.Error(), "seed is 3, not a map") {
		t.Errorf("Unset below a scalar: %v", err)
	}
}

// StageOpts and pipeline model a staged strategy whose stages take a part of its options.
type StageOpts struct {
	Objective Block   `koanf:"objective"`
	Lambda    float64 `koanf:"lambda"`
}

type pipeline struct {
	StageOpts
	Rounds int `koanf:"rounds"`
}

func TestBlockOf(t *testing.T) {
	b := Block{"name": "pipeline", "rounds": 3, "lambda": 0.1, "objective": map[string]any{"name": "fakeobj"}}
	got := BlockOf[StageOpts](b, "stage")
	want := Block{"name": "stage", "lambda": 0.1, "objective": map[string]any{"name": "fakeobj"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BlockOf = %v, want %v", got, want)
	}
	if got := BlockOf[pipeline](b, "pipeline"); !reflect.DeepEqual(got, b) {
		t.Errorf("BlockOf its own config = %v, want %v (squashed options included)", got, b)
	}
	got["objective"].(map[string]any)["name"] = "changed"
	if b["objective"].(map[string]any)["name"] != "fakeobj" {
		t.Error("BlockOf shares its entries with the block")
	}
}
