package pretrain

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dast-uda/dast/core/checkpoint"
)

// TestExportBackbone: only the segmentor's variables outside the optional scopes are kept,
// named relative to the segmentor scope, and the same checkpoint gives the same bytes.
func TestExportBackbone(t *testing.T) {
	f32 := func(n int) checkpoint.Tensor {
		return checkpoint.Tensor{DType: "F32", Shape: []int{n}, Data: make([]byte, 4*n)}
	}
	ckpt := filepath.Join(t.TempDir(), "ckpt.safetensors")
	var b bytes.Buffer
	state := map[string]checkpoint.Tensor{
		"/segmentor/conv1/weights":      f32(2),
		"/segmentor/block/conv/weights": f32(3),
		"/segmentor/head/weights":       f32(4), // optional: dropped
		"/segmentor/head/bias":          f32(1),
		"/segmentor/header/weights":     f32(1), // not under head/: kept
		"/optimizer/segmentor/conv1":    f32(2), // optimizer state: dropped
		"/discriminator/conv/weights":   f32(2),
	}
	if err := checkpoint.Write(&b, state, map[string]string{"iteration": "7"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ckpt, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	data, names, err := exportBackbone(ckpt, []string{"head"}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"block/conv/weights", "conv1/weights", "header/weights"}; !slices.Equal(names, want) {
		t.Errorf("exported %v, want %v", names, want)
	}
	out := filepath.Join(t.TempDir(), "encoder.safetensors")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	got, meta, err := checkpoint.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["conv1/weights"].Shape[0] != 2 || meta["iteration"] != "7" || meta["train_seed"] != "3" {
		t.Errorf("exported file: %d tensors, metadata %v", len(got), meta)
	}
	again, _, err := exportBackbone(ckpt, []string{"head"}, 3)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("a second export differs (err %v)", err)
	}
	if _, _, err := exportBackbone(ckpt, []string{"conv1", "block", "head", "header"}, 3); err == nil {
		t.Error("an export without any variable succeeded")
	}
}
