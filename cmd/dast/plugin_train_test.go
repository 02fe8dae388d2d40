package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPluginDiscriminatorTrains builds the example PatchGAN plugin, names it as the corrector
// of an AdaptSegNet config, trains two iterations with it, and checks `dast registry --config`
// lists it.
func TestPluginDiscriminatorTrains(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, "plugins.d")
	build := exec.Command("go", "build", "-o", filepath.Join(pdir, "patchgan"), "./plugins/examples/patchgan")
	build.Dir = repoFile()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the example plugin: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "plugin.yaml")
	os.WriteFile(cfg, []byte(`seed: 1
plugin_dirs: [`+pdir+`]
data:
  source: {name: synthetic, domain: source, split: train, size: 4, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: 4, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 2, height: 32, width: 64}
segmentor: {name: small, widths: [4, 8, 16]}
discriminators:
  corrector: {name: patchgan.patchgan, options: {width: 8, downsamples: 2}}
strategy: {name: adaptsegnet}
train: {iterations: 2, checkpoint_every: 0, log_every: 1}
`), 0o644)
	code, out, stderr := runCLI(t, "registry", "--config", cfg)
	if code != 0 || !strings.Contains(out, "patchgan.patchgan") {
		t.Fatalf("registry --config does not list the plugin (%d): %s%s", code, out, stderr)
	}
	run := filepath.Join(dir, "run")
	code, out, stderr = runCLI(t, "train", "--config", cfg, "--out", run)
	if code != 0 {
		t.Fatalf("training with the plugin corrector failed: %s", stderr)
	}
	if !strings.Contains(out, "mIoU") {
		t.Errorf("no metrics printed:\n%s", out)
	}
	// The plugin's discriminator was trained: its variables are in the checkpoint.
	ck, err := os.ReadFile(filepath.Join(run, "checkpoints", "ckpt-00000002.safetensors"))
	if err != nil || !strings.Contains(string(ck), "/corrector/") {
		t.Errorf("checkpoint lacks the corrector's variables: %v", err)
	}
}
