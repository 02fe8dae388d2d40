package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoFile returns a path in the repository (tests run in cmd/dast).
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// writeTinyConfig writes a toy-scale DA-style config (32x64 images, tiny widths, 3
// iterations) into dir and returns its path; strategy is the YAML flow block of the strategy.
func writeTinyConfig(t *testing.T, dir string, seed, targetSize int, strategy string) string {
	t.Helper()
	cfg := filepath.Join(dir, fmt.Sprintf("tiny-%d.yaml", seed))
	y := fmt.Sprintf(`seed: %d
data:
  source: {name: synthetic, domain: source, split: train, size: 4, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: %d, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 2, height: 32, width: 64}
segmentor: {name: small, widths: [4, 8, 16]}
discriminators:
  discoverer: {name: discoverer, channels_from: input}
  corrector: {name: corrector, channels: [4, 8, 8, 8]}
strategy: %s
train: {iterations: 3, checkpoint_every: 0, log_every: 1}
`, seed, targetSize, strategy)
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--log-level", "warn"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestTrainConfigErrors(t *testing.T) {
	so := repoFile("configs", "synthetic", "source_only.yaml")
	da := repoFile("configs", "synthetic", "da.yaml")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"misspelt key", []string{"train", "--config", so, "--set", "train.iterationz=5"}, []string{"train.iterationz", "unknown key"}},
		{"unknown segmentor", []string{"train", "--config", so, "--set", "segmentor.name=resnet9"}, []string{"resnet9", "small"}},
		{"unknown discriminator", []string{"train", "--config", da, "--set", "discriminators.discoverer.name=nope"}, []string{"nope", "corrector", "discoverer"}},
		{"wrong type", []string{"train", "--config", so, "--set", "train.iterations=many"}, []string{"train.iterations", "expected int"}},
		{"missing config", []string{"train", "--config", "no/such.yaml"}, []string{"no/such.yaml"}},
		{"resume without run dir", []string{"train", "--resume", t.TempDir()}, []string{"not a run directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code == 0 {
				t.Fatal("exit status 0, want an error")
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "dast: ") {
				t.Errorf("stderr is not one 'dast: ...' line: %q", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

// TestDryRunValidatesEverySyntheticConfig dry-runs the synthetic configs as shipped (no
// dataset roots needed); TestEveryConfigDryRuns covers the real-dataset ones.
func TestDryRunValidatesEverySyntheticConfig(t *testing.T) {
	files, err := filepath.Glob(repoFile("configs", "synthetic", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no configs found: %v", err)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "\nmatrix:") || strings.HasPrefix(string(b), "matrix:") {
			continue // matrix files are checked by dast matrix
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, stderr := runCLI(t, "train", "--config", f, "--dry-run")
			if code != 0 || !strings.Contains(out, "ok: the config is valid") {
				t.Errorf("dry run failed (%d): %s%s", code, out, stderr)
			}
		})
	}
}

func TestTrainEvalAndMatrixEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTinyConfig(t, dir, 2, 4, "{name: da}")
	run := filepath.Join(dir, "run")
	code, out, stderr := runCLI(t, "train", "--config", cfg, "--out", run)
	if code != 0 {
		t.Fatalf("train failed: %s", stderr)
	}
	if !strings.Contains(out, "mIoU") {
		t.Errorf("train printed no metrics table:\n%s", out)
	}
	for _, f := range []string{"config.yaml", "run.json", "metrics.json", "history.jsonl", "checkpoints/ckpt-00000003.safetensors"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	trainMetrics, _ := os.ReadFile(filepath.Join(run, "metrics.json"))
	code, out, stderr = runCLI(t, "eval", "--checkpoint", run)
	if code != 0 {
		t.Fatalf("eval failed: %s", stderr)
	}
	evalMetrics, _ := os.ReadFile(filepath.Join(run, "eval", "metrics.json"))
	if string(evalMetrics) != string(trainMetrics) {
		t.Errorf("eval of the final checkpoint differs from training's own evaluation:\n%s\n%s", evalMetrics, trainMetrics)
	}
	// The bootstrap scores images one at a time: together they give training's own mIoU.
	var tm struct {
		MIoU float64 `json:"miou"`
	}
	if err := json.Unmarshal(trainMetrics, &tm); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, "eval", "--checkpoint", run, "--bootstrap", "50")
	want := fmt.Sprintf("mIoU %.2f on 2 val images; bootstrap over images (50 resamples): std ", tm.MIoU)
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("eval --bootstrap: code %d, out %q, want it to contain %q (stderr %s)", code, out, want, stderr)
	}
	// The bootstrap refuses a checkpoint of another model as eval does.
	if code, _, stderr := runCLI(t, "eval", "--checkpoint", run, "--bootstrap", "50", "--set", "segmentor.widths=[4,8,8]"); code == 0 || !strings.Contains(stderr, "checkpoint") {
		t.Errorf("eval --bootstrap of a mismatched model: code %d, stderr %q", code, stderr)
	}
	// A checkpoint of a different model is refused, not silently re-initialised.
	code, _, stderr = runCLI(t, "eval", "--checkpoint", run, "--config", cfg, "--set", "segmentor.widths=[4,8,8]")
	if code == 0 || !strings.Contains(stderr, "checkpoint") {
		t.Errorf("eval of a mismatched model: code %d, stderr %q", code, stderr)
	}

	m := filepath.Join(dir, "m.yaml")
	os.WriteFile(m, []byte(fmt.Sprintf("matrix:\n  seeds: [1, 2]\n  rows:\n    - {name: a, config: %[1]s}\n    - {name: b, config: %[1]s, set: [strategy.attention=false, strategy.corrector_weighting=none]}\n", filepath.Base(cfg))), 0o644)
	mout := filepath.Join(dir, "mout")
	code, out, stderr = runCLI(t, "matrix", "--config", m, "--out", mout, "--set", "train.iterations=1")
	if code != 0 {
		t.Fatalf("matrix failed: %s", stderr)
	}
	if !strings.Contains(out, "| a |") || !strings.Contains(out, "| b |") {
		t.Errorf("matrix table lacks rows:\n%s", out)
	}
	// Re-running skips finished runs: their checkpoints are not rewritten.
	ck := filepath.Join(mout, "a", "seed1", "checkpoints", "ckpt-00000001.safetensors")
	before, err := os.Stat(ck)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = runCLI(t, "matrix", "--config", m, "--out", mout, "--set", "train.iterations=1"); code != 0 {
		t.Fatalf("second matrix run failed: %s", stderr)
	}
	after, _ := os.Stat(ck)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("a finished run was trained again")
	}

	// The same matrix in two child processes at once.
	pout := filepath.Join(dir, "pout")
	code, out, stderr = runCLI(t, "matrix", "--config", m, "--out", pout, "--set", "train.iterations=1", "--jobs", "2")
	if code != 0 {
		t.Fatalf("matrix --jobs 2 failed: %s", stderr)
	}
	for _, f := range []string{"a/seed1/metrics.json", "b/seed2/metrics.json", "a/seed2/train.log", "results.md"} {
		if _, err := os.Stat(filepath.Join(pout, f)); err != nil {
			t.Errorf("matrix --jobs 2 left no %s", f)
		}
	}
}

func TestTrainWithoutConfigUsesEmbeddedDefault(t *testing.T) {
	code, out, stderr := runCLI(t, "train", "--dry-run")
	if code != 0 || !strings.Contains(out, "strategy.da") || !strings.Contains(out, "ok: the config is valid") {
		t.Fatalf("dry run of the embedded default failed (%d): %s%s", code, out, stderr)
	}
}

func TestSynthWritesBothLayouts(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "synth", "--out", out, "--train", "2", "--val", "1", "--height", "32", "--width", "64")
	if code != 0 {
		t.Fatalf("synth: %s", stderr)
	}
	if !strings.Contains(stdout, "wrote 2 source") {
		t.Errorf("synth printed %q", stdout)
	}
	for _, pattern := range []string{"gta5/images/*.png", "gta5/labels/*.png", "cityscapes/leftImg8bit/train/*/*.png",
		"cityscapes/gtFine/val/*/*_gtFine_labelIds.png"} {
		if m, _ := filepath.Glob(filepath.Join(out, pattern)); len(m) == 0 {
			t.Errorf("no %s written", pattern)
		}
	}
}
