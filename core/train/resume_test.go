package train_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
)

// The test binary doubles as a training process that the resume test kills: with
// DAST_TRAIN_CHILD set to "config|rundir" it trains and exits.
func TestMain(m *testing.M) {
	if spec := os.Getenv("DAST_TRAIN_CHILD"); spec != "" {
		cfg, dir, _ := strings.Cut(spec, "|")
		if os.Getenv("DAST_TRAIN_CHILD_WAIT") != "" {
			io.Copy(io.Discard, os.Stdin) // a barrier: the parent closes stdin to start
		}
		if err := runConfig(context.Background(), cfg, dir, false); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runConfig(ctx context.Context, cfg, dir string, resume bool) error {
	tree, err := config.Load(cfg, nil)
	if err != nil {
		return err
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		return err
	}
	_, err = train.Run(ctx, setup, train.Options{RunDir: dir, Resume: resume})
	return err
}

// TestKilledRunResumesToIdenticalWeights kills a training process (SIGKILL, no clean stop)
// after a few checkpoints, resumes it, and compares the final checkpoint byte for byte with an
// uninterrupted run of the same config.
func TestKilledRunResumesToIdenticalWeights(t *testing.T) {
	cfg := tinyConfig(t, "")
	// Longer than tinyConfig's default, so the kill lands mid-way.
	if err := os.WriteFile(cfg, []byte(strings.Replace(mustRead(t, cfg), "iterations: 6", "iterations: 120", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx := withTimeout(t, 5*time.Minute)

	whole := filepath.Join(tmp, "whole")
	if err := runConfig(ctx, cfg, whole, false); err != nil {
		t.Fatal(err)
	}

	killed := filepath.Join(tmp, "killed")
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "DAST_TRAIN_CHILD="+cfg+"|"+killed)
	var stderr bytes.Buffer
	child.Stderr = &stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(killed, "checkpoints", checkpoint.FileName(4))
	for {
		if _, err := os.Stat(target); err == nil {
			break
		}
		if ctx.Err() != nil {
			child.Process.Kill()
			t.Fatalf("no checkpoint appeared: %s", stderr.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	last, ok, err := checkpoint.Latest(filepath.Join(killed, "checkpoints"))
	if err != nil || !ok {
		t.Fatalf("no checkpoint after the kill: %v", err)
	}
	if last.Iteration >= 120 {
		t.Fatalf("the child finished (iteration %d) before it was killed; the test proves nothing", last.Iteration)
	}
	t.Logf("killed after the checkpoint of iteration %d", last.Iteration)

	if err := runConfig(ctx, cfg, killed, true); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(whole, "checkpoints", checkpoint.FileName(120)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(killed, "checkpoints", checkpoint.FileName(120)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the resumed run's final checkpoint differs from the uninterrupted run's")
	}
	if mustRead(t, filepath.Join(killed, train.MetricsFile)) != mustRead(t, filepath.Join(whole, train.MetricsFile)) {
		t.Error("metrics differ between the resumed and the uninterrupted run")
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
