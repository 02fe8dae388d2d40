package config

import (
	"strings"
	"testing"
)

// TestSilentDefaultsRefused: values that used to fall back to defaults without a word (a nulled
// options group, an empty --set value, a non-finite float) are errors naming the key and where
// it came from.
func TestSilentDefaultsRefused(t *testing.T) {
	files := map[string]string{
		"configs/base.yaml":  "train: {iterations: 100, lr: 0.01}\n",
		"configs/child.yaml": "base: base.yaml\ntrain: null\n",
	}
	tests := []struct {
		name, file string
		sets       []string
		wantErr    string // "" : Root succeeds
	}{
		{name: "train null", file: "train: null\n",
			wantErr: "configs/x.yaml: train: null would reset every option of train to its default"},
		{name: "eval null", file: "eval: null\n",
			wantErr: "configs/x.yaml: eval: null would reset every option of eval to its default"},
		{name: "train null from --set", file: "seed: 1\n", sets: []string{"train=null"},
			wantErr: "train (from --set): null would reset every option of train"},
		{name: "data.select null disables selection", file: "data: {select: null}\n"},
		{name: "null component block removes it", file: "segmentor: null\n"},
		{name: "empty --set value", file: "seed: 1\n", sets: []string{"train.iterations="},
			wantErr: "--set train.iterations=: empty value (write train.iterations=null to remove the key)"},
		{name: "blank --set value", file: "seed: 1\n", sets: []string{"train.lr= \t"},
			wantErr: "empty value"},
		{name: "lr .inf", file: "train: {lr: .inf}\n", wantErr: "configs/x.yaml: train.lr: expected a finite float, got +Inf"},
		{name: "lr -.inf", file: "train: {lr: -.inf}\n", wantErr: "configs/x.yaml: train.lr: expected a finite float, got -Inf"},
		{name: "momentum .nan", file: "train: {momentum: .nan}\n", wantErr: "configs/x.yaml: train.momentum: expected a finite float, got NaN"},
		{name: "lr .inf from --set", file: "seed: 1\n", sets: []string{"train.disc_lr=.inf"},
			wantErr: "train.disc_lr (from --set): expected a finite float, got +Inf"},
		{name: "beta NaN in a list", file: "data: {select: {betas: [0.5, .nan]}}\n",
			wantErr: "configs/x.yaml: data.select.betas[1]: expected a finite float, got NaN"},
		{name: "finite floats pass", file: "train: {lr: 1e-3, momentum: 0.5}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := load("configs/x.yaml", tt.sets, memFS(map[string]string{"configs/x.yaml": tt.file}))
			if err == nil {
				_, err = tree.Root()
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	// A child nulling its base's train block names the child.
	tree, err := load("configs/child.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Root(); err == nil || !strings.HasPrefix(err.Error(), "configs/child.yaml: train: null would reset") {
		t.Errorf("child nulling train: %v", err)
	}
}

// TestFloatOptionsOfComponentsFinite: a component's float option is checked like the root's.
func TestFloatOptionsOfComponentsFinite(t *testing.T) {
	tree, err := load("configs/x.yaml", nil, memFS(map[string]string{"configs/x.yaml": "segmentor: {name: fake, dropout: .inf}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tree.Component("segmentor", "segmentor")
	if err == nil || err.Error() != "configs/x.yaml: segmentor.dropout: expected a finite float, got +Inf" {
		t.Errorf("Component error %v", err)
	}
}

// TestErrorsNameTheFile: an empty configuration, a missing block and a missing base name the
// file at fault.
func TestErrorsNameTheFile(t *testing.T) {
	files := map[string]string{
		"configs/empty.yaml":     "",
		"configs/comments.yaml":  "# nothing here\n",
		"configs/emptyish.yaml":  "base: empty.yaml\n",
		"configs/seedonly.yaml":  "seed: 3\n",
		"configs/orphan.yaml":    "base: ../gone/base.yaml\nseed: 2\n",
		"configs/mid.yaml":       "base: orphan.yaml\n",
		"configs/withstrat.yaml": "strategy: {name: fakestrat}\n",
	}
	for _, tt := range []struct{ path, want string }{
		{"configs/empty.yaml", "configs/empty.yaml: the configuration is empty (no keys in the file or its bases)"},
		{"configs/comments.yaml", "configs/comments.yaml: the configuration is empty"},
		{"configs/emptyish.yaml", "configs/emptyish.yaml: the configuration is empty"},
		{"configs/orphan.yaml", "configs/orphan.yaml: base: open gone/base.yaml: file does not exist"},
		{"configs/mid.yaml", "configs/orphan.yaml: base: open gone/base.yaml"},
	} {
		_, err := load(tt.path, nil, memFS(files))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("load %s: %v, want prefix %q", tt.path, err, tt.want)
		}
	}
	tree, err := load("configs/seedonly.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Component("strategy", "strategy"); err == nil || err.Error() != "configs/seedonly.yaml: strategy: missing strategy block" {
		t.Errorf("missing block: %v", err)
	}
	// An empty file with --set values is a configuration made on the command line.
	tree, err = load("configs/empty.yaml", []string{"seed=4"}, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Component("segmentor", "segmentor"); err == nil || err.Error() != "configs/empty.yaml: segmentor: missing segmentor block" {
		t.Errorf("missing block with --set only: %v", err)
	}
	// A missing block inside a block named by a file: that file.
	tree, err = load("configs/withstrat.yaml", nil, memFS(files))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Component("strategy.other", "objective"); err == nil || err.Error() != "configs/withstrat.yaml: strategy.other: missing objective block" {
		t.Errorf("missing nested block: %v", err)
	}
}
