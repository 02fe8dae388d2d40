package dast_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dast-uda/dast/configs"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/modules/standard"
	yaml "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/stages from the current code")

// goldenCases are the configurations whose stage configs testdata/stages holds, as the
// pre-typed code (map edits by string keys) wrote them.
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
	Pseudo *train.PseudoOptions
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
			got, summary := oldStageYAML(t, tree)
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

// oldStageYAML is the stage derivation of the map-editing code: tree -> YAML -> map ->
// Stages -> (pseudo_labels, init_from set by RunStages) -> YAML.
func oldStageYAML(t *testing.T, tree *config.Tree) (map[string][]byte, []stageSummary) {
	t.Helper()
	mod, err := tree.Component("strategy", "strategy")
	if err != nil {
		t.Fatal(err)
	}
	st := mod.(train.Staged)
	y, err := tree.YAML()
	if err != nil {
		t.Fatal(err)
	}
	var resolved map[string]any
	if err := yaml.Unmarshal(y, &resolved); err != nil {
		t.Fatal(err)
	}
	root, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	resolved["name"] = root.Name
	stages, err := st.Stages(resolved)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var summary []stageSummary
	for i, s := range stages {
		if s.Pseudo != nil {
			s.Config["strategy"].(map[string]any)["pseudo_labels"] = goldenLabels
			s.Config["init_from"] = goldenStart
		}
		b, err := yaml.Marshal(s.Config)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("%02d-%s.yaml", i+1, s.Name)] = b
		summary = append(summary, stageSummary{s.Name, s.Pseudo})
	}
	return out, summary
}
