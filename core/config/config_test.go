package config

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"

	"github.com/dast-uda/dast/registry"
)

// fakeSeg is a segmentor module registered for these tests only (the test binary's registry).
type fakeSeg struct {
	Widths  []int   `koanf:"widths" doc:"channels per stage"`
	Dropout float64 `koanf:"dropout"`
	Label   string  `koanf:"label"`
}

func (fakeSeg) Module() registry.Info {
	return registry.Info{ID: "segmentor.fake", Description: "test segmentor",
		New: func() registry.Module { made.seg.Add(1); return &fakeSeg{Widths: []int{8, 16}, Dropout: 0.1} }}
}

func (s *fakeSeg) Validate() error {
	if len(s.Widths) == 0 {
		return errors.New("widths must not be empty")
	}
	return nil
}

// fakeDisc is a discriminator module without options.
type fakeDisc struct{}

func (fakeDisc) Module() registry.Info {
	return registry.Info{ID: "discriminator.fake", New: func() registry.Module { return &fakeDisc{} }}
}

// fakeObj is an objective module with one option.
type fakeObj struct {
	Margin float64 `koanf:"margin"`
}

func (fakeObj) Module() registry.Info {
	return registry.Info{ID: "objective.fakeobj", New: func() registry.Module { made.obj.Add(1); return &fakeObj{} }}
}

// fakeStrat is a strategy with nested component blocks.
type fakeStrat struct {
	Objective Block   `koanf:"objective"`
	Critic    Block   `koanf:"critic" kind:"discriminator"`
	Other     Block   `koanf:"other"`
	Lambda    float64 `koanf:"lambda"`
}

func (fakeStrat) Module() registry.Info {
	return registry.Info{ID: "strategy.fakestrat", New: func() registry.Module {
		made.strat.Add(1)
		return &fakeStrat{Objective: Block{"name": "fakeobj"}}
	}}
}

func init() {
	registry.Register(fakeSeg{})
	registry.Register(fakeDisc{})
	registry.Register(fakeObj{})
	registry.Register(fakeStrat{})
}

// memFS returns a reader over in-memory files.
func memFS(files map[string]string) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		s, ok := files[p]
		if !ok {
			return nil, fmt.Errorf("open %s: %w", p, fs.ErrNotExist)
		}
		return []byte(s), nil
	}
}

func mustRoot(t *testing.T, files map[string]string, path string, sets ...string) *Root {
	t.Helper()
	tree, err := load(path, sets, memFS(files))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	r, err := tree.Root()
	if err != nil {
		t.Fatalf("Root: %v", err)
	}
	return r
}

func TestInheritance(t *testing.T) {
	files := map[string]string{
		"configs/base/root.yaml": "seed: 5\ntrain: {iterations: 100, lr: 0.01, batch_size: 4}\nsegmentor: {name: fake, widths: [1, 2, 3], dropout: 0.5}\n",
		"configs/base/mid.yaml":  "base: root.yaml\ntrain: {iterations: 200}\nbackend: xla\n",
		"configs/exp/child.yaml": "base: ../base/mid.yaml\ntrain: {lr: 0.02}\nsegmentor: {widths: [4]}\n",
		"configs/exp/reset.yaml": "base: ../base/mid.yaml\nsegmentor: null\n",
	}
	r := mustRoot(t, files, "configs/exp/child.yaml")
	if r.Name != "child" || r.Seed != 5 || r.Backend != "xla" || r.OutDir != "runs" {
		t.Errorf("name, seed, backend, out_dir = %q, %d, %q, %q", r.Name, r.Seed, r.Backend, r.OutDir)
	}
	want := DefaultRoot("child").Train
	want.Iterations, want.LR, want.BatchSize = 200, 0.02, 4
	if r.Train != want {
		t.Errorf("train = %+v, want %+v", r.Train, want)
	}
	// Maps merge deeply, lists replace.
	if got := fmt.Sprint(r.Segmentor); got != "map[dropout:0.5 name:fake widths:[4]]" {
		t.Errorf("segmentor = %s", got)
	}
	if r := mustRoot(t, files, "configs/exp/reset.yaml"); r.Segmentor != nil {
		t.Errorf("segmentor after null = %v, want nil", r.Segmentor)
	}
	tree, err := load("configs/exp/child.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tree.Files(), ","); got != "configs/base/root.yaml,configs/base/mid.yaml,configs/exp/child.yaml" {
		t.Errorf("Files = %s", got)
	}
	for key, src := range map[string]string{
		"train.iterations": "configs/base/mid.yaml",
		"train.lr":         "configs/exp/child.yaml",
		"seed":             "configs/base/root.yaml",
		"segmentor":        "configs/base/root.yaml, configs/exp/child.yaml",
		"segmentor.widths": "configs/exp/child.yaml",
		"nothing":          "",
	} {
		if got := tree.Source(key); got != src {
			t.Errorf("Source(%s) = %q, want %q", key, got, src)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	files := map[string]string{
		"a.yaml":       "base: b.yaml\n",
		"b.yaml":       "base: c.yaml\n",
		"c.yaml":       "base: a.yaml\n",
		"self.yaml":    "base: self.yaml\n",
		"missing.yaml": "base: nowhere.yaml\n",
		"badbase.yaml": "base: [x]\n",
		"list.yaml":    "- a\n- b\n",
		"broken.yaml":  "train: {iterations: 1\n",
		"dotkey.yaml":  "train:\n  a.b: 1\n",
		"ok.yaml":      "seed: 2\n",
	}
	tests := []struct {
		path    string
		sets    []string
		wantErr string
	}{
		{"a.yaml", nil, "config: base cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml"},
		{"self.yaml", nil, "config: base cycle: self.yaml -> self.yaml"},
		{"missing.yaml", nil, "open nowhere.yaml"},
		{"badbase.yaml", nil, "badbase.yaml: base: expected a file name, got a list"},
		{"list.yaml", nil, "list.yaml: invalid YAML"},
		{"broken.yaml", nil, "broken.yaml: invalid YAML"},
		{"dotkey.yaml", nil, `dotkey.yaml: train.a.b: invalid key "a.b"`},
		{"nofile.yaml", nil, "open nofile.yaml"},
		{"", nil, "config: no file given"},
		{"ok.yaml", []string{"seed"}, "--set seed: want key=value"},
		{"ok.yaml", []string{"a..b=1"}, `--set a..b=1: malformed key "a..b"`},
		{"ok.yaml", []string{"=1"}, "malformed key"},
		{"ok.yaml", []string{"base=x.yaml"}, `"base" can only be set in a file`},
		{"ok.yaml", []string{"seed=[1"}, "--set seed=[1: invalid YAML value"},
	}
	for _, tt := range tests {
		t.Run(tt.path+strings.Join(tt.sets, " "), func(t *testing.T) {
			_, err := load(tt.path, tt.sets, memFS(files))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("load error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestSets(t *testing.T) {
	files := map[string]string{"configs/x.yaml": "train: {iterations: 100}\nsegmentor: {name: fake}\n"}
	tests := []struct {
		sets  []string
		check func(r *Root) bool
	}{
		{[]string{"train.iterations=10"}, func(r *Root) bool { return r.Train.Iterations == 10 }},
		{[]string{"train.lr=1e-4"}, func(r *Root) bool { return r.Train.LR == 1e-4 }},
		{[]string{"train.iterations=1e3"}, func(r *Root) bool { return r.Train.Iterations == 1000 }},
		{[]string{"name=foo"}, func(r *Root) bool { return r.Name == "foo" }},
		{[]string{"name=2024"}, func(r *Root) bool { return r.Name == "2024" }},
		{[]string{"seed=3", "seed=4"}, func(r *Root) bool { return r.Seed == 4 }},
		{[]string{" seed = 7"}, func(r *Root) bool { return r.Seed == 7 }},
		{[]string{"segmentor.widths=[1,2]"}, func(r *Root) bool { return fmt.Sprint(r.Segmentor["widths"]) == "[1 2]" }},
		{[]string{"discriminators.corrector.name=fake"}, func(r *Root) bool { return r.Discriminators["corrector"].Name() == "fake" }},
		{[]string{"train={iterations: 5}"}, func(r *Root) bool { return r.Train.Iterations == 5 && r.Train.LR == 2.5e-4 }},
		{[]string{"backend=xla:/abs/plugin.so"}, func(r *Root) bool { return r.Backend == "xla:/abs/plugin.so" }},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.sets, " "), func(t *testing.T) {
			if r := mustRoot(t, files, "configs/x.yaml", tt.sets...); !tt.check(r) {
				t.Errorf("unexpected root %+v", r)
			}
		})
	}
}

func TestRootErrors(t *testing.T) {
	files := map[string]string{
		"configs/base.yaml":  "train: {iterations: abc}\n",
		"configs/child.yaml": "base: base.yaml\nseed: 3\n",
		"configs/fixed.yaml": "base: base.yaml\ntrain: {iterations: 7}\n",
	}
	tests := []struct {
		file    string // contents of configs/x.yaml
		sets    []string
		path    string // default configs/x.yaml
		wantErr string
	}{
		{file: "train: {iterationz: 5}\n", wantErr: "configs/x.yaml: train.iterationz: unknown key (known: batch_size, "},
		{file: "foo: 1\n", wantErr: "configs/x.yaml: foo: unknown key"},
		{file: "data: {sauce: {name: x}}\n", wantErr: "configs/x.yaml: data.sauce: unknown key (known: select, source, target, val)"},
		{sets: []string{"train.iterationz=5"}, wantErr: "train.iterationz (from --set): unknown key"},
		{file: "train: {iterations: abc}\n", wantErr: `configs/x.yaml: train.iterations: expected int, got "abc"`},
		{file: "train: {iterations: 1.5}\n", wantErr: "configs/x.yaml: train.iterations: expected int, got 1.5"},
		{file: "train: {lr: fast}\n", wantErr: `configs/x.yaml: train.lr: expected float, got "fast"`},
		{file: "train: 5\n", wantErr: "configs/x.yaml: train: expected map, got 5"},
		{file: "seed: true\n", wantErr: "configs/x.yaml: seed: expected int, got true"},
		{file: "name: [a]\n", wantErr: "configs/x.yaml: name: expected string, got a list"},
		{file: "segmentor: small\n", wantErr: `configs/x.yaml: segmentor: expected map, got "small"`},
		{file: "segmentor: {widths: [1]}\n", wantErr: "configs/x.yaml: segmentor.name: missing module name"},
		{file: "discriminators: {corrector: {name: 3}}\n", wantErr: "configs/x.yaml: discriminators.corrector.name: missing module name"},
		{sets: []string{"train.iterations=abc"}, wantErr: `train.iterations (from --set): expected int, got "abc"`},
		{file: "train: {batch_size: 0}\n", wantErr: "configs/x.yaml: train.batch_size: must be >= 1"},
		{file: "train: {momentum: 1}\n", wantErr: "configs/x.yaml: train.momentum: must be in [0, 1)"},
		{sets: []string{"name=../up"}, wantErr: `name (from --set): "../up" is not a usable run name`},
		{file: "eval: {batch_size: -1}\n", wantErr: "configs/x.yaml: eval.batch_size: must be >= 1"},
		{file: "data: {select: {source: {name: s}, betas: [0.5, 1]}}\n", wantErr: "configs/x.yaml: data.select.betas[1]: 1 must be in [0, 1)"},
		{file: "data: {select: {source: {name: s}, betas: []}}\n", wantErr: "configs/x.yaml: data.select.betas: must list at least one beta"},
		{file: "data: {select: {source: {name: s}}}\n", wantErr: "configs/x.yaml: data.select.style: no style images"},
		{file: "data: {select: {style: {name: s}}}\n", wantErr: "configs/x.yaml: data.select.source: missing"},
		{file: "data: {select: {restyle: {name: fda}}}\n", wantErr: "configs/x.yaml: data.select.source: missing: data.select.restyle is set"},
		{file: "data: {select: {source: {nam: s}, style: {name: t}}}\n", wantErr: "configs/x.yaml: data.select.source.name: missing module name"},
		{path: "configs/child.yaml", wantErr: `configs/base.yaml: train.iterations: expected int, got "abc"`},
		{path: "configs/fixed.yaml"},
	}
	for _, tt := range tests {
		path := tt.path
		if path == "" {
			path = "configs/x.yaml"
		}
		t.Run(path+":"+tt.file+strings.Join(tt.sets, " "), func(t *testing.T) {
			fs := map[string]string{"configs/x.yaml": tt.file}
			for k, v := range files {
				fs[k] = v
			}
			tree, err := load(path, tt.sets, memFS(fs))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			_, err = tree.Root()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Root: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Root error = %v, want prefix %q", err, tt.wantErr)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not a *config.Error", err)
			}
		})
	}
}

func TestComponent(t *testing.T) {
	tests := []struct {
		file    string
		sets    []string
		path    string
		kind    string
		want    registry.Module
		wantErr string
	}{
		{file: "segmentor: {name: fake}\n", path: "segmentor", kind: "segmentor",
			want: &fakeSeg{Widths: []int{8, 16}, Dropout: 0.1}},
		{file: "segmentor: {name: fake, widths: [1, 2], dropout: 0, label: x}\n", path: "segmentor", kind: "segmentor",
			want: &fakeSeg{Widths: []int{1, 2}, Label: "x"}},
		{file: "segmentor: {name: fake}\n", sets: []string{"segmentor.label=1e-4"}, path: "segmentor", kind: "segmentor",
			want: &fakeSeg{Widths: []int{8, 16}, Dropout: 0.1, Label: "1e-4"}},
		{file: "discriminators: {corrector: {name: fake}}\n", path: "discriminators.corrector", kind: "discriminator",
			want: &fakeDisc{}},
		{file: "segmentor: {name: fak}\n", path: "segmentor", kind: "segmentor",
			wantErr: `configs/x.yaml: segmentor.name: unknown segmentor "fak" (available: fake); did you mean "fake"?`},
		{file: "segmentor: {name: fake, widthz: [1]}\n", path: "segmentor", kind: "segmentor",
			wantErr: "configs/x.yaml: segmentor.widthz: unknown key (known: dropout, label, widths)"},
		{file: "segmentor: {name: fake}\n", sets: []string{"segmentor.widthz=[1]"}, path: "segmentor", kind: "segmentor",
			wantErr: "segmentor.widthz (from --set): unknown key"},
		{file: "segmentor: {name: fake, widths: [1, x]}\n", path: "segmentor", kind: "segmentor",
			wantErr: `configs/x.yaml: segmentor.widths[1]: expected int, got "x"`},
		{file: "segmentor: {name: fake, widths: []}\n", path: "segmentor", kind: "segmentor",
			wantErr: "configs/x.yaml: segmentor: segmentor.fake: widths must not be empty"},
		{file: "segmentor: {widths: [1]}\n", path: "segmentor", kind: "segmentor",
			wantErr: "configs/x.yaml: segmentor.name: missing module name (available: fake)"},
		{file: "seed: 1\n", path: "segmentor", kind: "segmentor", wantErr: "configs/x.yaml: segmentor: missing segmentor block"},
		{file: "data: {source: {name: dast}}\n", path: "data.source", kind: "dataset",
			wantErr: `configs/x.yaml: data.source.name: unknown module "dataset.dast": no dataset is registered`},
	}
	for _, tt := range tests {
		t.Run(tt.file+strings.Join(tt.sets, " "), func(t *testing.T) {
			tree, err := load("configs/x.yaml", tt.sets, memFS(map[string]string{"configs/x.yaml": tt.file}))
			if err != nil {
				t.Fatal(err)
			}
			got, err := tree.Component(tt.path, tt.kind)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Component error = %v, want prefix %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Component = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		file    string
		wantErr string
	}{
		{"segmentor: {name: fake}\ndiscriminators: {corrector: {name: fake}}\n", ""},
		{"segmentor: {name: fake}\ndiscriminators: {corrector: {name: fake, x: 1}}\n", "configs/x.yaml: discriminators.corrector.x: unknown key"},
		{"data: {source: {name: synthetic}}\n", `configs/x.yaml: data.source.name: unknown module "dataset.synthetic"`},
		{"train: {log_every: 0}\n", "configs/x.yaml: train.log_every: must be >= 1"},
		{"strategy: {name: fakestrat, objective: {name: fakeobj, margin: 1}, critic: {name: fake}, other: {x: 1}}\n", ""},
		{"strategy: {name: fakestrat, lambda: 0.1}\n", ""},
		{"strategy: {name: fakestrat, objective: {name: fakeob}}\n", `configs/x.yaml: strategy.objective.name: unknown objective "fakeob" (available: fakeobj); did you mean "fakeobj"?`},
		{"strategy: {name: fakestrat, objective: {name: fakeobj, margn: 1}}\n", "configs/x.yaml: strategy.objective.margn: unknown key (known: margin)"},
		{"strategy: {name: fakestrat, critic: {name: fakeobj}}\n", `configs/x.yaml: strategy.critic.name: unknown discriminator "fakeobj"`},
		{"strategy: {name: fakestrat, objective: null}\n", ""},
		{"strategy: {name: fakestrat}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tree, err := load("configs/x.yaml", nil, memFS(map[string]string{"configs/x.yaml": tt.file}))
			if err != nil {
				t.Fatal(err)
			}
			err = tree.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Validate error = %v, want prefix %q", err, tt.wantErr)
			}
		})
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	files := map[string]string{
		"configs/base.yaml": "seed: 9\ntrain: {iterations: 100}\nsegmentor: {name: fake, widths: [1, 2]}\n",
		"configs/x.yaml":    "base: base.yaml\ntrain: {lr: 0.001}\n",
	}
	tree, err := load("configs/x.yaml", []string{"name=2024", "segmentor.label=007", "train.iterations=50"}, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.Validate(); err != nil {
		t.Fatal(err)
	}
	b, err := tree.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "base") {
		t.Errorf("resolved YAML still names its base:\n%s", b)
	}
	again, err := load("resolved.yaml", nil, memFS(map[string]string{"resolved.yaml": string(b)}))
	if err != nil {
		t.Fatalf("reload: %v\n%s", err, b)
	}
	r1, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := again.Root()
	if err != nil {
		t.Fatalf("reloaded Root: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("round trip changed the root:\n%+v\n%+v\n%s", r1, r2, b)
	}
	s1, err := tree.Component("segmentor", "segmentor")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := again.Component("segmentor", "segmentor")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s1, s2) || s2.(*fakeSeg).Label != "007" {
		t.Errorf("round trip changed the segmentor: %+v vs %+v", s1, s2)
	}
}

func TestHasAndKindOf(t *testing.T) {
	tree, err := load("x.yaml", nil, memFS(map[string]string{"x.yaml": "discriminators: {corrector: {name: fake}, discoverer: null}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{"discriminators.corrector": true, "discriminators.discoverer": false, "segmentor": false} {
		if got := tree.Has(path); got != want {
			t.Errorf("Has(%s) = %v, want %v", path, got, want)
		}
	}
	for path, want := range map[string]string{"data.source": "dataset", "discriminators.corrector": "discriminator", "segmentor": "segmentor", "strategy": "strategy", "data.select.source": "dataset", "data.select.restyle": "restyler"} {
		if got := KindOf(path); got != want {
			t.Errorf("KindOf(%s) = %s, want %s", path, got, want)
		}
	}
}

// brokenDefault is a strategy whose default nested block names no registered module.
type brokenDefault struct {
	Objective Block `koanf:"objective"`
}

func (brokenDefault) Module() registry.Info {
	return registry.Info{ID: "strategy.brokendefault", New: func() registry.Module {
		return &brokenDefault{Objective: Block{"name": "nosuch"}}
	}}
}

func init() { registry.Register(brokenDefault{}) }

func TestNestedDefaults(t *testing.T) {
	files := map[string]string{"configs/x.yaml": "strategy: {name: fakestrat}\n", "configs/y.yaml": "strategy: {name: brokendefault}\n"}
	tree, err := load("configs/x.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := tree.Component("strategy", "strategy")
	if err != nil {
		t.Fatal(err)
	}
	st := mod.(*fakeStrat)
	obj, err := tree.ComponentOf("strategy.objective", "objective", st.Objective)
	if err != nil {
		t.Fatalf("ComponentOf(default objective): %v", err)
	}
	if _, ok := obj.(*fakeObj); !ok {
		t.Errorf("ComponentOf = %T, want *fakeObj", obj)
	}
	_, err = tree.ComponentOf("strategy.critic", "discriminator", st.Critic)
	if err == nil || err.Error() != "configs/x.yaml: strategy.critic: missing discriminator block" {
		t.Errorf("ComponentOf(nil block) error = %v", err)
	}
	tree, err = load("configs/y.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	err = tree.Validate()
	if err == nil || !strings.Contains(err.Error(), `strategy.objective.name: unknown objective "nosuch"`) {
		t.Errorf("Validate with a broken default: %v", err)
	}
}

// TestBuildAndUnwrap: Build returns the module as the interface asked for, or one error naming
// the key and the module; a module's Validate error stays reachable through the config.Error.
func TestBuildAndUnwrap(t *testing.T) {
	tree, err := load("x.yaml", nil, memFS(map[string]string{"x.yaml": "segmentor: {name: fake, widths: []}\ndiscriminators: {corrector: {name: fake}}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build[registry.Validator](tree, "segmentor", "segmentor")
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Key != "segmentor" {
		t.Fatalf("Build of an invalid block: %v, want a config.Error at segmentor", err)
	}
	if u := errors.Unwrap(err); u == nil || u.Error() != "widths must not be empty" {
		t.Errorf("Unwrap = %v, want the module's Validate error", u)
	}
	if _, err := Build[*fakeDisc](tree, "discriminators.corrector", "discriminator"); err != nil {
		t.Errorf("Build as the module's own type: %v", err)
	}
	_, err = Build[fmt.Stringer](tree, "discriminators.corrector", "discriminator")
	if want := `x.yaml: discriminators.corrector: module "discriminator.fake" does not implement fmt.Stringer`; err == nil || err.Error() != want {
		t.Errorf("Build as an interface the module lacks: %v, want %q", err, want)
	}
}
