package adversarial_test

import (
	stdctx "context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/datasets/synthetic"
	_ "github.com/dast-uda/dast/discriminators/corrector"
	_ "github.com/dast-uda/dast/discriminators/discoverer"
	_ "github.com/dast-uda/dast/objectives"
	_ "github.com/dast-uda/dast/strategies/adversarial"
)

const tinyDA = `seed: 5
data:
  source: {name: synthetic, domain: source, split: train, size: 4, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: 4, height: 32, width: 64}
segmentor: {name: small, widths: [4, 8, 16]}
discriminators:
  discoverer: {name: discoverer, channels: [8, 4, 4]}
  corrector: {name: corrector, channels: [4, 8, 8, 8]}
strategy: {name: da}
train: {iterations: 1, lr: 0.01, disc_lr: 0.001, checkpoint_every: 0, log_every: 1}
`

// runTiny trains the tiny DA config with overrides and returns its final checkpoint.
func runTiny(t *testing.T, sets ...string) *checkpoint.Snapshot {
	t.Helper()
	_, res := trainTiny(t, sets...)
	snap, err := checkpoint.Open(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// trainTiny trains the tiny DA config with overrides and returns its setup and result.
func trainTiny(t *testing.T, sets ...string) (*train.Setup, *train.Result) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "da.yaml")
	if err := os.WriteFile(cfg, []byte(tinyDA), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := config.Load(cfg, sets)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := stdctx.WithTimeout(stdctx.Background(), 2*time.Minute)
	defer cancel()
	res, err := train.Run(ctx, setup, train.Options{RunDir: filepath.Join(dir, "run")})
	if err != nil {
		t.Fatal(err)
	}
	return setup, res
}

// changed reports, per scope prefix, whether any variable under it differs between a and b.
func changed(t *testing.T, a, b *checkpoint.Snapshot, prefix string) bool {
	t.Helper()
	n := 0
	for _, name := range a.Names() {
		if !strings.HasPrefix(name, prefix+"/") {
			continue
		}
		n++
		ta, _ := a.Tensor(name)
		tb, ok := b.Tensor(name)
		if !ok {
			t.Fatalf("%s missing after the step", name)
		}
		if string(ta.Data) != string(tb.Data) {
			return true
		}
	}
	if n == 0 {
		t.Fatalf("no variables under %s", prefix)
	}
	return false
}

// TestUpdatesTouchOnlyTheirOwnVariables: with the discriminators' learning rate at 1e-30 (an
// update far below float32 resolution), one DA step changes the segmentor but leaves D and C bit
// for bit; with the segmentor's at 1e-30, it changes D and C and leaves the segmentor. So the
// segmentor update does not move the discriminators and the discriminator updates do not move
// the segmentor.
func TestUpdatesTouchOnlyTheirOwnVariables(t *testing.T) {
	initial := runTiny(t, "train.lr=1e-30", "train.disc_lr=1e-30") // the initial weights
	segOnly := runTiny(t, "train.disc_lr=1e-30")
	discOnly := runTiny(t, "train.lr=1e-30")
	for _, tt := range []struct {
		name      string
		snap      *checkpoint.Snapshot
		scope     string
		wantMoved bool
	}{
		{"segmentor step moves the segmentor", segOnly, "/segmentor", true},
		{"segmentor step leaves the discoverer", segOnly, "/discoverer", false},
		{"segmentor step leaves the corrector", segOnly, "/corrector", false},
		{"discriminator step moves the discoverer", discOnly, "/discoverer", true},
		{"discriminator step moves the corrector", discOnly, "/corrector", true},
		{"discriminator step leaves the segmentor", discOnly, "/segmentor", false},
	} {
		if got := changed(t, initial, tt.snap, tt.scope); got != tt.wantMoved {
			t.Errorf("%s: changed = %v, want %v", tt.name, got, tt.wantMoved)
		}
	}
}

func TestUnknownDiscriminatorListsKnownOnes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "da.yaml")
	os.WriteFile(cfg, []byte(tinyDA), 0o644)
	tree, err := config.Load(cfg, []string{"discriminators.discoverer.name=nope"})
	if err == nil {
		_, err = train.Assemble(tree)
	}
	if err == nil || !strings.Contains(err.Error(), "corrector") || !strings.Contains(err.Error(), "discoverer") || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("error %v, want the unknown name and the known discriminators", err)
	}
}

func TestInvalidCombinationsAreConfigErrors(t *testing.T) {
	for _, tt := range []struct{ set, want string }{
		{"strategy.discoverer=false", "attention: needs discoverer"},
		{"strategy.corrector_weighting=sometimes", "corrector_weighting"},
		{"strategy.objective.name=wgan", "wgan"},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "da.yaml")
		os.WriteFile(cfg, []byte(tinyDA), 0o644)
		tree, err := config.Load(cfg, []string{tt.set})
		if err == nil {
			_, err = train.Assemble(tree)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("--set %s: error %v, want %q", tt.set, err, tt.want)
		}
	}
}
