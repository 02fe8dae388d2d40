package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPluginsCommands(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "patchgan")
	if out, err := exec.Command("go", "build", "-o", bin, "../../plugins/examples/patchgan").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgPath := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(cfgPath, []byte("plugin_dirs: ["+dir+"]\nplugin_timeout: 4s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args       []string
		wantCode   int
		wantOut    []string
		wantStderr string
	}{
		{args: []string{"plugins", "inspect", bin}, wantOut: []string{
			"plugin   patchgan\n", "protocol 2\n", "discriminator.patchgan.patchgan: PatchGAN", "{name: patchgan.patchgan, options: {...}}",
			"downsamples", "width", "conv 4x4 -> 64, stride 2, padding 1", "leaky_relu 0.2", "conv 4x4 -> 1, stride 1, padding 1"}},
		{args: []string{"plugins", "list", "--dir", dir}, wantOut: []string{"PLUGIN", "patchgan.patchgan", bin}},
		{args: []string{"plugins", "list", "--config", cfgPath}, wantOut: []string{"patchgan.patchgan"}},
		{args: []string{"plugins", "inspect", bin, "--sha256", strings.Repeat("1", 64)}, wantCode: 1,
			wantStderr: "dast: plugin patchgan (" + bin + "): checksum mismatch: sha256 of " + bin + " is "},
		{args: []string{"plugins", "inspect", filepath.Join(dir, "missing")}, wantCode: 1,
			wantStderr: "dast: plugin missing (" + filepath.Join(dir, "missing") + "): executable not found"},
		{args: []string{"plugins", "list"}, wantCode: 1, wantStderr: "dast: no plugins configured: give --config FILE or --dir DIR\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"--log-level", "warn"}, tt.args...), &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.wantCode, errb.String())
			}
			if !strings.HasPrefix(errb.String(), tt.wantStderr) || (tt.wantStderr == "" && errb.Len() > 0) {
				t.Errorf("stderr = %q, want prefix %q", errb.String(), tt.wantStderr)
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}
