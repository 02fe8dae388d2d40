package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/backbones/weights"
)

// TestPretrainReproducesBytes runs a toy pretraining twice into different run directories:
// the exported files are byte-identical, their provenance names the sha256, and the file is a
// valid pretrained option for segmentor.small.
func TestPretrainReproducesBytes(t *testing.T) {
	dir := t.TempDir()
	tiny := []string{"--set", "train.iterations=3", "--set", "train.checkpoint_every=0", "--set", "data.source.size=6", "--set", "data.val.size=2"}
	var files [][]byte
	for _, name := range []string{"a", "b"} {
		export := filepath.Join(dir, name, "enc.safetensors")
		args := append([]string{"pretrain", "--out", filepath.Join(dir, "run_"+name), "--export", export}, tiny...)
		code, out, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("pretrain: %s", stderr)
		}
		data, err := os.ReadFile(export)
		if err != nil {
			t.Fatal(err)
		}
		var p provenance
		js, err := os.ReadFile(filepath.Join(dir, name, "enc.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(js, &p); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if p.SHA256 != hex.EncodeToString(sum[:]) || !strings.Contains(out, p.SHA256) || p.Seed != 1 || p.Iterations != 3 || len(p.Tensors) != 14 {
			t.Errorf("provenance %+v does not describe the export (sha256 %x)", p, sum)
		}
		files = append(files, data)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("two pretraining runs of the same config exported different bytes")
	}
	set, err := weights.ReadNative("export", files[0])
	if err != nil {
		t.Fatal(err)
	}
	builtin, err := weights.ReadNative("builtin", mustEncoder())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(set.Names(), ",") != strings.Join(builtin.Names(), ",") {
		t.Errorf("export tensors %v, embedded encoder %v", set.Names(), builtin.Names())
	}
}

func mustEncoder() []byte { w, _ := small.Encoder(); return w }
