package resnet

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/registry"
)

// TestWeightsFromEnv checks where resnet101 and resnet50 find their pretrained file: the
// option, else their environment variable, else nowhere, and then a scratch warning.
func TestWeightsFromEnv(t *testing.T) {
	path, _ := writeStem(t, nil)
	missing := filepath.Join(t.TempDir(), "absent.safetensors")
	tests := []struct {
		name string
		mod  interface {
			NewSegmentor(int) (model.Segmentor, error)
		}
		env       string
		option    string
		envValue  string
		wantFile  bool
		wantError bool
	}{
		{"101 from env", &ResNet101{withPartial(defaults(3, 4, 23, 3))}, WeightsEnv101, "", path, true, false},
		{"50 from env", &ResNet50{withPartial(defaults(3, 4, 6, 3))}, WeightsEnv50, "", path, true, false},
		{"option wins over env", &ResNet50{withPartial(defaults(3, 4, 6, 3))}, WeightsEnv50, path, missing, true, false},
		{"env names a missing file", &ResNet101{withPartial(defaults(3, 4, 23, 3))}, WeightsEnv101, "", missing, false, true},
		{"neither: scratch", &ResNet101{defaults(3, 4, 23, 3)}, WeightsEnv101, "", "", false, false},
		// Each architecture reads its own variable only.
		{"50 ignores the 101 variable", &ResNet50{defaults(3, 4, 6, 3)}, WeightsEnv101, "", path, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(WeightsEnv101, "")
			t.Setenv(WeightsEnv50, "")
			t.Setenv(tt.env, tt.envValue)
			switch m := tt.mod.(type) {
			case *ResNet101:
				m.Pretrained = tt.option
			case *ResNet50:
				m.Pretrained = tt.option
			}
			seg, err := tt.mod.NewSegmentor(19)
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
			if !tt.wantFile && (len(w) != 1 || !strings.Contains(w[0], "NO PRETRAINED WEIGHTS") || !strings.Contains(w[0], "DAST_RESNET")) {
				t.Errorf("warnings %q, want one scratch warning naming the variable", w)
			}
		})
	}
}

// TestRegisteredModulesReadEnv checks that the registered modules are the env-aware builders.
func TestRegisteredModulesReadEnv(t *testing.T) {
	t.Setenv(WeightsEnv101, "")
	t.Setenv(WeightsEnv50, "")
	for _, id := range []string{"segmentor.resnet101", "segmentor.resnet50"} {
		info, err := registry.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		seg, err := info.New().(model.SegmentorBuilder).NewSegmentor(19)
		if err != nil {
			t.Fatal(err)
		}
		w := seg.(*Segmentor).Warnings()
		if len(w) != 1 || !strings.Contains(w[0], id) {
			t.Errorf("%s: warnings %q, want one naming the module", id, w)
		}
	}
}

func withPartial(c Config) Config {
	c.AllowPartial = true
	return c
}
