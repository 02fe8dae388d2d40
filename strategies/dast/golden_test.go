package dast_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/pseudo"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/modules/standard"
)

var update = flag.Bool("update", false, "rewrite testdata/stages from the current code")

// goldenCases are the configurations whose stage configs testdata/stages holds. The files were
// written by the derivation this package had before the typed one (tree -> YAML -> map, edited
// by string keys -> YAML; commit fa9f157); -update rewrites them from the current code.
var goldenCases = []struct {
	name string
	file string // under configs/; synthetic/ ones are read from the embedded FS
	sets []string
}{
	{"synthetic_dast", "synthetic/dast.yaml", nil},
	{"synthetic_dast_sets", "synthetic/dast.yaml", []string{
		"name=2024", "strategy.q=[0.4, 0.5, 0.6]", "strategy.round_poly_horizon=5000",
		"train.poly_horizon=2000", "strategy.round_iterations=0", "strategy.lambda_d=0.02",
		"strategy.objective={name: bce}"}},
	{"synthetic_dast_one_round", "synthetic/dast.yaml", []string{"strategy.rounds=1", "data.select=null", "train.lr=0.0002"}},
	{"gta5_dast_resnet101", "gta5_cityscapes/dast_resnet101.yaml", nil},
	{"synthia_dast_vgg16", "synthia_cityscapes/dast_vgg16.yaml", nil},
}

func loadCase(t *testing.T, file string, sets []string) *config.Tree {
	t.Helper()
	var tree *config.Tree
	var err error
	if filepath.Dir(file) == "synthetic" {
		tree, err = config.LoadFS(configs.FS, file, sets)
	} else {
		tree, err = config.Load(filepath.Join("..", "..", "configs", file), sets)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.Validate(); err != nil {
		t.Fatal(err)
	}
	return tree
}

// stageSummary is a stage's name and pseudo-label options, as stages.json of a case holds them.
type stageSummary struct {
	Name   string
	Pseudo *pseudo.Options
}

// Placeholders for the run-time values RunStages writes into a self-training stage.
const (
	goldenLabels = "RUN/NN-roundK-pseudo"
	goldenStart  = "RUN/NN-prev/best/checkpoint"
)

// TestStagesGolden checks each stage's configuration, as RunStages writes it to NN-<stage>.yaml
// (pseudo labels and start checkpoint filled in with placeholders), against testdata/stages.
func TestStagesGolden(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			tree := loadCase(t, c.file, c.sets)
			got, summary := stageYAML(t, tree)
			dir := filepath.Join("testdata", "stages", c.name)
			js, err := json.MarshalIndent(summary, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got["stages.json"] = append(js, '\n')
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for name, b := range got {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(got) {
				t.Errorf("%d files in %s, %d generated", len(entries), dir, len(got))
			}
			for name, b := range got {
				want, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Error(err)
					continue
				}
				if string(b) != string(want) {
					t.Errorf("%s differs from %s:\n%s\nwant:\n%s", name, dir, b, want)
				}
			}
		})
	}
}

// stageYAML derives each stage's configuration from tree as RunStages does (Stage.Config,
// then WithStart for a stage on pseudo labels) and returns its YAML by file name.
func stageYAML(t *testing.T, tree *config.Tree) (map[string][]byte, []stageSummary) {
	t.Helper()
	st, err := config.Build[train.Staged](tree, "strategy", "strategy")
	if err != nil {
		t.Fatal(err)
	}
	stages, err := st.Stages(tree)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var summary []stageSummary
	for i, s := range stages {
		name := fmt.Sprintf("%02d-%s.yaml", i+1, s.Name)
		cfg, err := s.Config(tree, filepath.Join("RUN", name))
		if err != nil {
			t.Fatal(err)
		}
		if s.Pseudo != nil {
			if cfg, err = train.WithStart(cfg, goldenLabels, goldenStart); err != nil {
				t.Fatal(err)
			}
		}
		// The stage runs from its file: it must load and validate as written.
		b, err := cfg.YAML()
		if err != nil {
			t.Fatal(err)
		}
		loaded, err := config.LoadFS(fstest.MapFS{name: {Data: b}}, name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := loaded.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		out[name] = b
		summary = append(summary, stageSummary{s.Name, s.Pseudo})
	}
	return out, summary
}
