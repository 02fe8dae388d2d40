package train_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/train"
)

// TestSnapshotSelection trains with data.select and eval_every: every evaluation appends a
// selection line with one part per beta whose mean is the score, and best/ holds the snapshot
// with the highest score, which StartCheckpoint then prefers to the final weights.
func TestSnapshotSelection(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "select.yaml")
	y := `seed: 5
data:
  source: {name: synthetic, domain: source, split: train, size: 8, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: 8, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 4, height: 32, width: 64}
  select:
    source: {name: synthetic, domain: source, split: val, size: 4, height: 32, width: 64}
    betas: [0.1, 0.3]
segmentor: {name: small, widths: [4, 8, 8]}
strategy: {name: source_only}
train: {iterations: 8, lr: 0.02, checkpoint_every: 4, keep_checkpoints: 1, log_every: 4, eval_every: 2}
eval: {batch_size: 2}
`
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := config.Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(setup.Select) != 2 || setup.Select[0].Beta != 0.1 || setup.Select[1].Beta != 0.3 {
		t.Fatalf("select parts = %+v, want betas 0.1 and 0.3", setup.Select)
	}
	run := filepath.Join(dir, "run")
	if _, err := train.Run(withTimeout(t, 3*time.Minute), setup, train.Options{RunDir: run}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(run, selection.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []selection.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s selection.Record
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		lines = append(lines, s)
	}
	if len(lines) != 4 {
		t.Fatalf("%d selection lines, want 4 (iterations 2, 4, 6, 8)", len(lines))
	}
	best := lines[0]
	for i, s := range lines {
		if s.Iteration != 2*(i+1) {
			t.Errorf("line %d: iteration %d, want %d", i, s.Iteration, 2*(i+1))
		}
		if len(s.Parts) != 2 {
			t.Fatalf("line %d: %d parts, want 2", i, len(s.Parts))
		}
		if mean := (s.Parts[0].MIoU + s.Parts[1].MIoU) / 2; abs(mean-s.MIoU) > 1e-9 {
			t.Errorf("line %d: score %v, mean of parts %v", i, s.MIoU, mean)
		}
		if s.MIoU > best.MIoU {
			best = s
		}
	}
	got, ok, err := selection.Best(run)
	if err != nil || !ok {
		t.Fatalf("BestSelection: %v, %v", ok, err)
	}
	if got.Iteration != best.Iteration || abs(got.MIoU-best.MIoU) > 1e-9 {
		t.Errorf("best = iteration %d score %v, want iteration %d score %v", got.Iteration, got.MIoU, best.Iteration, best.MIoU)
	}
	path, selected, err := selection.StartCheckpoint(run)
	if err != nil || !selected {
		t.Fatalf("StartCheckpoint = %s, %v, %v; want the best snapshot", path, selected, err)
	}
	if filepath.Dir(path) != filepath.Join(run, selection.BestDir) {
		t.Errorf("StartCheckpoint = %s, want a file in %s", path, filepath.Join(run, selection.BestDir))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestSelectRestyler: data.select.restyle names the restyling component (fda when absent); a
// name no restyler has is an error naming the key, before anything is computed.
func TestSelectRestyler(t *testing.T) {
	base := `data:
  source: {name: synthetic, domain: source, split: train, size: 2, height: 16, width: 32}
  target: {name: synthetic, domain: target, split: train, size: 2, height: 16, width: 32}
  select:
    source: {name: synthetic, domain: source, split: val, size: 2, height: 16, width: 32}
    betas: [0.1]
%s
segmentor: {name: small, widths: [4, 8, 8]}
strategy: {name: source_only}
`
	for _, tt := range []struct {
		name, restyle, wantErr string
	}{
		{name: "default"},
		{name: "named", restyle: "    restyle: {name: fda}"},
		{name: "unknown", restyle: "    restyle: {name: cyclegan}", wantErr: `data.select.restyle.name: unknown restyler "cyclegan" (available: fda)`},
		{name: "option", restyle: "    restyle: {name: fda, beta: 0.2}", wantErr: "data.select.restyle.beta"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "x.yaml")
			if err := os.WriteFile(cfg, []byte(strings.Replace(base, "%s", tt.restyle, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			tree, err := config.Load(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			setup, err := train.Assemble(tree)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Assemble: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(setup.Select) != 1 || setup.Select[0].Beta != 0.1 || setup.Select[0].Data.Len() != 2 {
				t.Fatalf("select = %+v, want one part of 2 images at beta 0.1", setup.Select)
			}
		})
	}
}
