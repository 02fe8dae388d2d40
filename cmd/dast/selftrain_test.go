package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDAThenPseudoLabelsThenSelfTrainingRound runs the DAST chain at toy scale: a DA stage,
// pseudo labels from its checkpoint, and a self-training round that starts from the DA weights
// and trains with the pseudo-label loss.
func TestDAThenPseudoLabelsThenSelfTrainingRound(t *testing.T) {
	dir := t.TempDir()
	base := writeTinyConfig(t, dir, 4, 3, "{name: da}")
	da := filepath.Join(dir, "da")
	if code, _, stderr := runCLI(t, "train", "--config", base, "--out", da); code != 0 {
		t.Fatalf("DA stage: %s", stderr)
	}
	labels := filepath.Join(dir, "pseudo")
	code, out, stderr := runCLI(t, "pseudo", "--checkpoint", da, "--out", labels, "--q", "0.5")
	if code != 0 {
		t.Fatalf("pseudo: %s", stderr)
	}
	if !strings.Contains(out, "pseudo labels of 3 images") {
		t.Errorf("pseudo printed:\n%s", out)
	}
	pngs, _ := filepath.Glob(filepath.Join(labels, "*.png"))
	if len(pngs) != 3 {
		t.Fatalf("%d label files, want 3", len(pngs))
	}
	round := filepath.Join(dir, "round1")
	code, out, stderr = runCLI(t, "train", "--config", base, "--out", round,
		"--set", "strategy.name=self_training", "--set", "strategy.pseudo_labels="+labels,
		"--set", "init_from="+da, "--set", "train.lr=0.0002", "--set", "train.head_lr_mult=1")
	if code != 0 {
		t.Fatalf("self-training round: %s", stderr)
	}
	if !strings.Contains(out, "mIoU") {
		t.Errorf("round printed no metrics:\n%s", out)
	}
	// A round must start from the DA weights: a checkpoint of another model is refused.
	code, _, stderr = runCLI(t, "train", "--config", base, "--out", filepath.Join(dir, "bad"),
		"--set", "strategy.name=self_training", "--set", "strategy.pseudo_labels="+labels,
		"--set", "init_from="+da, "--set", "segmentor.widths=[4,8,8]")
	if code == 0 {
		t.Error("a round initialised from a checkpoint of another model ran")
	}
	// Without labels the strategy says how to make them.
	code, _, stderr = runCLI(t, "train", "--config", base, "--set", "strategy.name=self_training", "--dry-run")
	if code == 0 || !strings.Contains(stderr, "dast pseudo") {
		t.Errorf("self_training without pseudo_labels: code %d, %q", code, stderr)
	}
}

// TestDASTPipeline runs strategy.dast at toy scale (DA stage + 2 rounds), then checks that the
// same command skips finished stages and redoes only a stage whose result is missing.
func TestDASTPipeline(t *testing.T) {
	dir := t.TempDir()
	cfg := writeTinyConfig(t, dir, 6, 3, "{name: dast, rounds: 2, q: [0.4, 0.6], round_iterations: 2}")
	run := filepath.Join(dir, "run")
	code, out, stderr := runCLI(t, "train", "--config", cfg, "--out", run)
	if code != 0 {
		t.Fatalf("dast pipeline: %s", stderr)
	}
	for _, f := range []string{"01-da/metrics.json", "02-round1-pseudo/stats.json", "02-round1/metrics.json",
		"03-round2/checkpoints/ckpt-00000002.safetensors", "stages.json", "metrics.json", "03-round2.yaml"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("pipeline left no %s", f)
		}
	}
	if !strings.Contains(out, "mIoU") {
		t.Errorf("no metrics printed:\n%s", out)
	}
	stats, _ := os.ReadFile(filepath.Join(run, "03-round2-pseudo", "stats.json"))
	if !strings.Contains(string(stats), "0.6") {
		t.Errorf("round 2 did not use its own q:\n%s", stats)
	}
	// Re-run: every stage is done. Then drop round 2's result: only round 2 runs again.
	r1 := filepath.Join(run, "02-round1", "checkpoints", "ckpt-00000002.safetensors")
	before, _ := os.Stat(r1)
	os.Remove(filepath.Join(run, "03-round2", "metrics.json"))
	if code, _, stderr = runCLI(t, "train", "--resume", run); code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	after, _ := os.Stat(r1)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("a finished stage was trained again")
	}
	if _, err := os.Stat(filepath.Join(run, "03-round2", "metrics.json")); err != nil {
		t.Error("the unfinished stage was not completed on resume")
	}
}
