package vgg

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/checkpoint"
)

// writeConv1 writes a torchvision-named file holding conv1_1 only (features.0.*), zeros.
func writeConv1(t *testing.T) string {
	t.Helper()
	ts := map[string]checkpoint.Tensor{
		"features.0.weight": {DType: "F32", Shape: []int{64, 3, 3, 3}, Data: make([]byte, 4*64*3*3*3)},
		"features.0.bias":   {DType: "F32", Shape: []int{64}, Data: make([]byte, 4*64)},
	}
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, ts, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vgg16.safetensors")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWeightsFromEnv checks where vgg16 finds its pretrained file: the option, else
// $DAST_VGG16_WEIGHTS, else nowhere, and then a scratch warning.
func TestWeightsFromEnv(t *testing.T) {
	path := writeConv1(t)
	missing := filepath.Join(t.TempDir(), "absent.safetensors")
	tests := []struct {
		name      string
		option    string
		env       string
		wantFile  bool
		wantError bool
	}{
		{"from env", "", path, true, false},
		{"option wins over env", path, missing, true, false},
		{"env names a missing file", "", missing, false, true},
		{"neither: scratch", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(WeightsEnv, tt.env)
			c := defaults(t)
			c.Pretrained, c.AllowPartial = tt.option, true
			seg, err := c.NewSegmentor(19)
			if tt.wantError {
				if err == nil || !strings.Contains(err.Error(), "absent.safetensors") {
					t.Errorf("err = %v, want one naming the missing file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := seg.(*Segmentor)
			if got := s.Pretrained() != nil; got != tt.wantFile {
				t.Errorf("pretrained loaded %v, want %v", got, tt.wantFile)
			}
			w := s.Warnings()
			if tt.wantFile && len(w) != 0 {
				t.Errorf("warnings %q with weights loaded", w)
			}
			if !tt.wantFile && (len(w) != 1 || !strings.Contains(w[0], "NO PRETRAINED WEIGHTS") || !strings.Contains(w[0], WeightsEnv)) {
				t.Errorf("warnings %q, want one scratch warning naming $%s", w, WeightsEnv)
			}
		})
	}
}
