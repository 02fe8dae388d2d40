package train_test

import (
	stdctx "context"
	"github.com/dast-uda/dast/core/checkpoint"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/datasets/fda"
	_ "github.com/dast-uda/dast/datasets/synthetic"
	_ "github.com/dast-uda/dast/strategies/sourceonly"
)

// tinyConfig writes a config for a few iterations on tiny synthetic images.
func tinyConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.yaml")
	y := `seed: 3
data:
  source: {name: synthetic, domain: source, split: train, size: 8, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 4, height: 32, width: 64}
segmentor: {name: small, widths: [4, 8, 8]}
strategy: {name: source_only}
train: {iterations: 6, batch_size: 1, lr: 0.01, checkpoint_every: 2, keep_checkpoints: 100, log_every: 1}
eval: {batch_size: 2}
` + extra
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func withTimeout(t *testing.T, d time.Duration) stdctx.Context {
	ctx, cancel := stdctx.WithTimeout(stdctx.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestSourceOnlyRunWritesMetricsAndCheckpoints(t *testing.T) {
	tree, err := config.Load(tinyConfig(t, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	res, err := train.Run(withTimeout(t, 3*time.Minute), setup, train.Options{RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations != 6 {
		t.Errorf("ran %d iterations, want 6", res.Iterations)
	}
	m, err := metrics.ReadJSON(filepath.Join(dir, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Iteration != 6 || m.NumClasses != 19 || m.MIoU < 0 || m.MIoU > 100 {
		t.Errorf("metrics = %+v", m)
	}
	for _, f := range []string{train.ConfigFile, "checkpoints/ckpt-00000006.safetensors", "checkpoints/ckpt-00000002.safetensors"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lacks %s: %v", f, err)
		}
	}
}

// TestNonFiniteLossStopsWithLastGoodCheckpoint diverges a run on purpose (a huge learning rate)
// and checks the error names the loss, the iteration and the last good checkpoint, and that no
// checkpoint of a diverged state was written.
func TestNonFiniteLossStopsWithLastGoodCheckpoint(t *testing.T) {
	tree, err := config.Load(tinyConfig(t, ""), []string{"train.lr=1e12", "train.iterations=60", "train.checkpoint_every=1"})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	res, err := train.Run(withTimeout(t, 3*time.Minute), setup, train.Options{RunDir: dir})
	if err == nil {
		t.Fatal("a run with lr 1e12 did not stop on a non-finite loss")
	}
	msg := err.Error()
	for _, want := range []string{"loss seg is", "last good checkpoint"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	// The failing iteration's update is never checkpointed.
	if _, err := os.Stat(filepath.Join(dir, "checkpoints", checkpoint.FileName(res.Iterations+1))); err == nil {
		t.Errorf("a checkpoint of the diverged iteration %d was written", res.Iterations+1)
	}
}
