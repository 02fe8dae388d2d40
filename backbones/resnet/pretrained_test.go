package resnet

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/describe"
	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTorchvisionKeySet maps the state_dict keys of torchvision's resnet101/resnet50 (listed by
// bench/params.py) and compares them, by name and shape, with the variables the segmentor
// creates: only the classifier (and res5c's projection when configured) may be missing, and
// every backbone tensor of the file must be used.
func TestTorchvisionKeySet(t *testing.T) {
	b := goBackend(t)
	tests := []struct {
		name string
		cfg  Config
		keys string
	}{
		{"resnet101", defaults(3, 4, 23, 3), "torchvision_resnet101_keys.txt"},
		{"resnet101_projection", withShortcut(defaults(3, 4, 23, 3), "projection"), "torchvision_resnet101_keys.txt"},
		{"resnet50", defaults(3, 4, 6, 3), "torchvision_resnet50_keys.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := weights.ReadKeyList(filepath.Join("..", "weights", "testdata", tt.keys))
			if err != nil {
				t.Fatal(err)
			}
			set, err := weights.Map(raw, weights.ResNet)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Unexpected) != 0 {
				t.Errorf("unexpected keys: %v", set.Unexpected)
			}
			seg, err := tt.cfg.NewSegmentor(19)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New().Checked(false).In("segmentor")
			g := graph.NewGraph(b, "keys")
			defer g.Finalize()
			s := seg.(*Segmentor)
			s.Predict(ctx, s.Extract(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 33, 33, 3))))
			r := set.Compare(ctx, "/segmentor", s.Optional())
			if !r.OK() {
				t.Errorf("torchvision keys do not cover the backbone: %v", r.Err(tt.keys))
			}
			if strict := set.Compare(ctx, "/segmentor", nil); len(strict.Missing) == 0 {
				t.Error("the classifier should be missing from an ImageNet file")
			}
		})
	}
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// writeStem writes a DeepLab-init-named file holding conv1 and bn1 only (plus extra keys).
func writeStem(t *testing.T, extra map[string]checkpoint.Tensor) (path string, kernel []float32) {
	t.Helper()
	kernel = make([]float32, 64*3*7*7)
	for i := range kernel {
		kernel[i] = float32(i%97) / 97
	}
	ones := make([]float32, 64)
	for i := range ones {
		ones[i] = 1 + float32(i)
	}
	ts := map[string]checkpoint.Tensor{
		"Scale.conv1.weight":              {DType: "F32", Shape: []int{64, 3, 7, 7}, Data: f32bytes(kernel)},
		"Scale.bn1.weight":                {DType: "F32", Shape: []int{64}, Data: f32bytes(ones)},
		"Scale.bn1.bias":                  {DType: "F32", Shape: []int{64}, Data: f32bytes(ones)},
		"Scale.bn1.running_mean":          {DType: "F32", Shape: []int{64}, Data: f32bytes(ones)},
		"Scale.bn1.running_var":           {DType: "F32", Shape: []int{64}, Data: f32bytes(ones)},
		"Scale.layer5.conv2d_list.0.bias": {DType: "F32", Shape: []int{21}, Data: f32bytes(make([]float32, 21))},
	}
	for k, v := range extra {
		ts[k] = v
	}
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, ts, nil); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "init.safetensors")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, kernel
}

// TestPretrainedOption checks the segmentor option: a file covering only the stem is an error
// by default (when the graph is built) and accepted with allow_partial, which loads conv1 in
// HWIO; unknown keys are an error at construction.
func TestPretrainedOption(t *testing.T) {
	b := goBackend(t)
	path, kernel := writeStem(t, nil)

	strict := defaults(3, 4, 6, 3)
	strict.Pretrained = path
	seg, err := strict.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := describe.Segmentor(b, seg, []int{1, 33, 33}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("strict load of a stem-only file: error %v, want one listing missing variables", err)
	}

	partial := strict
	partial.AllowPartial = true
	seg, err = partial.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false).In("segmentor")
	g := graph.NewGraph(b, "pretrained")
	defer g.Finalize()
	seg.Predict(ctx, seg.Extract(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 33, 33, 3))))
	v := ctx.GetVariableByScopeAndName("/segmentor/conv1", "weights")
	if v == nil || !v.HasValue() {
		t.Fatal("conv1 weights were not loaded")
	}
	got := tensors.MustCopyFlatData[float32](v.MustValue())
	// HWIO [ky][kx][i][o] = OIHW [o][i][ky][kx]; spot-check a few taps.
	for _, p := range [][4]int{{0, 0, 0, 0}, {6, 5, 2, 63}, {3, 1, 1, 17}} {
		ky, kx, i, o := p[0], p[1], p[2], p[3]
		if h, w := got[((ky*7+kx)*3+i)*64+o], kernel[((o*3+i)*7+ky)*7+kx]; h != w {
			t.Errorf("conv1 HWIO%v = %v, OIHW value %v", p, h, w)
		}
	}
	if l4 := ctx.GetVariableByScopeAndName("/segmentor/layer4/0/conv1", "weights"); l4 == nil || l4.HasValue() {
		t.Error("layer4 should be left to its initializer")
	}

	bad, _ := writeStem(t, map[string]checkpoint.Tensor{"head.weight": {DType: "F32", Shape: []int{1}, Data: f32bytes([]float32{1})}})
	strict.Pretrained = bad
	if _, err := strict.NewSegmentor(19); err == nil || !strings.Contains(err.Error(), "head.weight") {
		t.Errorf("unexpected key: error %v", err)
	}
	partial.Pretrained = bad
	if _, err := partial.NewSegmentor(19); err != nil {
		t.Errorf("allow_partial with an unexpected key: %v", err)
	}
}

// TestPretrainedShapeMismatch: a kernel of the wrong shape is reported (with both shapes)
// before any variable is created; allow_partial leaves that variable to its initializer.
func TestPretrainedShapeMismatch(t *testing.T) {
	b := goBackend(t)
	path, _ := writeStem(t, map[string]checkpoint.Tensor{
		"Scale.conv1.weight": {DType: "F32", Shape: []int{64, 3, 3, 3}, Data: f32bytes(make([]float32, 64*27))},
	})
	cfg := defaults(3, 4, 6, 3)
	cfg.Pretrained = path
	seg, err := cfg.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	_, err = describe.Segmentor(b, seg, []int{1, 33, 33})
	if err == nil || !strings.Contains(err.Error(), "conv1/weights: file [3 3 3 64] model [7 7 3 64]") {
		t.Errorf("error %v, want the conv1 shape mismatch", err)
	}
	cfg.AllowPartial = true
	seg, err = cfg.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New().Checked(false).In("segmentor")
	g := graph.NewGraph(b, "partial")
	defer g.Finalize()
	seg.Predict(ctx, seg.Extract(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 33, 33, 3))))
	if v := ctx.GetVariableByScopeAndName("/segmentor/conv1", "weights"); v == nil || v.HasValue() || v.Shape().Dimensions[0] != 7 {
		t.Error("conv1 weights should be a 7x7 kernel left to its initializer")
	}
	if v := ctx.GetVariableByScopeAndName("/segmentor/bn1", "gamma"); v == nil || !v.HasValue() {
		t.Error("bn1 gamma should be loaded")
	}
}
