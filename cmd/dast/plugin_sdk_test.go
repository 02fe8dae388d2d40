package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/dast-uda/dast/internal/testutil"
)

// buildOutOfTree builds the plugin main package in dir src (a file main.go that imports only
// the plugin SDK) as a module of its own in a temporary directory, outside this repository,
// with a replace directive to the local SDK module, into bin. It returns the module's
// `go mod graph`.
func buildOutOfTree(t *testing.T, src, bin string) string {
	t.Helper()
	sdkDir, err := filepath.Abs(repoFile("plugins", "sdk"))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	code, err := os.ReadFile(filepath.Join(src, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(sdkDir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"main.go": code,
		"go.sum":  sum,
		"go.mod": []byte("module example.com/thirdparty\n\ngo 1.26.0\n\n" +
			"require github.com/dast-uda/dast/plugins/sdk v0.0.0-00010101000000-000000000000\n\n" +
			"replace github.com/dast-uda/dast/plugins/sdk => " + sdkDir + "\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(mod, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd := func(args ...string) string {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		// -mod=mod lets the go command complete go.mod's indirect requirements from the
		// module cache (or the module proxy) as an author's first build would.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), mod, err, out)
		}
		return string(out)
	}
	goCmd("build", "-o", bin, ".")
	return goCmd("mod", "graph")
}

// TestOutOfTreePluginTrains builds the residual example as a third party would, in a module
// of its own that requires only the SDK module, checks that its module graph holds go-plugin,
// gRPC and protobuf and nothing of GoMLX, and trains two iterations of AdaptSegNet with it as
// the corrector.
func TestOutOfTreePluginTrains(t *testing.T) {
	dir := t.TempDir()
	pdir := filepath.Join(dir, "plugins.d")
	graph := buildOutOfTree(t, repoFile("plugins", "examples", "residual"), filepath.Join(pdir, "residual"))
	for _, want := range []string{"github.com/hashicorp/go-plugin@", "google.golang.org/grpc@", "google.golang.org/protobuf@"} {
		if !strings.Contains(graph, want) {
			t.Errorf("go mod graph lacks %s:\n%s", want, graph)
		}
	}
	for _, bad := range []string{"gomlx", "cobra", "gonum", "koanf"} {
		if strings.Contains(graph, bad) {
			t.Errorf("go mod graph of a plugin holds %s:\n%s", bad, graph)
		}
	}
	cfg := pluginConfig(t, dir, "plugin_dirs: ["+pdir+"]", "{name: residual.residual, options: {width: 4, blocks: 2, attention: true}}")
	losses := trainLosses(t, cfg, filepath.Join(dir, "run"))
	if len(losses) != 2 {
		t.Fatalf("loss lines %q, want 2", losses)
	}
	t.Logf("losses: %q", losses)
}

// pluginConfig writes an AdaptSegNet config on tiny synthetic data whose corrector is the
// given discriminator block, with the plugins of the YAML line plugins ("plugin_dirs: [...]"
// or "plugins: [...]").
func pluginConfig(t *testing.T, dir, plugins, corrector string) string {
	t.Helper()
	cfg := filepath.Join(dir, "plugin.yaml")
	err := os.WriteFile(cfg, []byte(`seed: 1
`+plugins+`
data:
  source: {name: synthetic, domain: source, split: train, size: 4, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: 4, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 2, height: 32, width: 64}
segmentor: {name: small, widths: [4, 8, 16]}
discriminators:
  corrector: `+corrector+`
strategy: {name: adaptsegnet}
train: {iterations: 2, checkpoint_every: 0, log_every: 1}
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var lossField = regexp.MustCompile(`"(loss_[a-z_]+)":\s*(-?[0-9.eE+-]+)`)

// trainLosses trains cfg into out and returns, per logged iteration, its losses as
// "loss_a=... loss_b=..." in the log's order.
func trainLosses(t *testing.T, cfg, out string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--log-level", "info", "--log-format", "json", "train", "--config", cfg, "--out", out}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("train failed (%d): %s", code, stderr.String())
	}
	var lines []string
	for l := range strings.SplitSeq(stderr.String()+stdout.String(), "\n") {
		m := lossField.FindAllStringSubmatch(l, -1)
		if len(m) == 0 {
			continue
		}
		var parts []string
		for _, f := range m {
			parts = append(parts, f[1]+"="+f[2])
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	return lines
}

// TestPythonPluginTrainsLikeGo trains the same AdaptSegNet step twice, with the Go PatchGAN
// example and with the Python SDK's PatchGAN as the corrector: the losses are identical (the
// host receives the same layers and builds the same network). `dast plugins inspect` prints
// the same table for both, but for the path and checksum lines.
func TestPythonPluginTrainsLikeGo(t *testing.T) {
	testutil.PythonSDK(t)
	dir := t.TempDir()
	goDir := filepath.Join(dir, "go")
	build := exec.Command("go", "build", "-o", filepath.Join(goDir, "patchgan"), "./plugins/examples/patchgan")
	build.Dir = repoFile()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the Go example: %v\n%s", err, out)
	}
	pyScript, err := filepath.Abs(repoFile("plugins", "sdk", "python", "examples", "patchgan.py"))
	if err != nil {
		t.Fatal(err)
	}
	const block = "{name: patchgan.patchgan, options: {width: 8, downsamples: 2}}"
	var losses [2][]string
	for i, plugins := range []string{"plugin_dirs: [" + goDir + "]", "plugins: [{path: " + pyScript + "}]"} {
		cfg := pluginConfig(t, t.TempDir(), plugins, block)
		losses[i] = trainLosses(t, cfg, filepath.Join(dir, "run", []string{"go", "python"}[i]))
	}
	if len(losses[0]) != 2 || !reflect.DeepEqual(losses[0], losses[1]) {
		t.Fatalf("losses differ:\nGo     %q\nPython %q", losses[0], losses[1])
	}
	t.Logf("losses of both: %q", losses[0])

	table := func(path string) string {
		code, out, stderr := runCLI(t, "plugins", "inspect", path)
		if code != 0 {
			t.Fatalf("inspect %s: %s", path, stderr)
		}
		var keep []string
		for l := range strings.SplitSeq(out, "\n") {
			if !strings.HasPrefix(l, "path ") && !strings.HasPrefix(l, "sha256 ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if g, p := table(filepath.Join(goDir, "patchgan")), table(pyScript); g != p {
		t.Errorf("inspect tables differ:\nGo:\n%s\nPython:\n%s", g, p)
	}
}

// TestMatrixPinsPlugin runs a two-row matrix whose row config pins the PatchGAN plugin by
// sha256 (a row's --set reaching into the plugin's options): every run's resolved config keeps
// the checksum, and a matrix whose pin does not match the binary fails with the mismatch.
func TestMatrixPinsPlugin(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "patchgan")
	build := exec.Command("go", "build", "-o", bin, "./plugins/examples/patchgan")
	build.Dir = repoFile()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the example: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(b))
	matrix := filepath.Join(dir, "matrix.yaml")
	if err := os.WriteFile(matrix, []byte(`matrix:
  name: pin
  seeds: [1]
  jobs: 1
  rows:
    - {name: wide, config: plugin.yaml}
    - {name: narrow, config: plugin.yaml, set: [discriminators.corrector.options.width=4]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sum, wantErr string
	}{
		{sum, ""},
		{strings.Repeat("ab", 32), "checksum mismatch: sha256 of " + bin + " is " + sum + ", the configuration expects " + strings.Repeat("ab", 32)},
	} {
		pluginConfig(t, dir, `plugins: [{path: `+bin+`, sha256: "`+tt.sum+`"}]`, "{name: patchgan.patchgan, options: {width: 8, downsamples: 2}}")
		out := filepath.Join(t.TempDir(), "m")
		code, _, stderr := runCLI(t, "matrix", "--config", matrix, "--out", out)
		if tt.wantErr != "" {
			if code == 0 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("matrix with a wrong pin: exit %d, stderr %q, want %q", code, stderr, tt.wantErr)
			}
			continue
		}
		if code != 0 {
			t.Fatalf("matrix failed: %s", stderr)
		}
		for _, row := range []string{"wide", "narrow"} {
			cfg, err := os.ReadFile(filepath.Join(out, row, "seed1", "config.yaml"))
			if err != nil || !strings.Contains(string(cfg), "sha256: "+sum) {
				t.Errorf("%s: resolved config lacks the checksum (%v):\n%s", row, err, cfg)
			}
		}
	}
}
