package weights

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/core/tensors/numpy"
)

// TestOIHWToHWIO checks the transposition on kernels whose HWIO layout is written out by hand.
func TestOIHWToHWIO(t *testing.T) {
	tests := []struct {
		name   string
		shape  []int // OIHW
		in     []float32
		shape2 []int // HWIO
		want   []float32
	}{
		// w[o][i]: o0=(1,2), o1=(3,4) -> HWIO [i][o]: i0=(1,3), i1=(2,4).
		{"1x1", []int{2, 2, 1, 1}, []float32{1, 2, 3, 4}, []int{1, 1, 2, 2}, []float32{1, 3, 2, 4}},
		// w[o][0][0][x]: o0=(1,2), o1=(3,4) -> [x][o]: x0=(1,3), x1=(2,4).
		{"1x2", []int{2, 1, 1, 2}, []float32{1, 2, 3, 4}, []int{1, 2, 1, 2}, []float32{1, 3, 2, 4}},
		// One filter, 2 input channels, 2x1 taps: w[0][i][y][0]: i0=(1,2), i1=(3,4)
		// -> [y][i]: y0=(1,3), y1=(2,4).
		{"2x1", []int{1, 2, 2, 1}, []float32{1, 2, 3, 4}, []int{2, 1, 2, 1}, []float32{1, 3, 2, 4}},
		// 2 filters of 2x2 on 1 channel: w[o][0][y][x], o0 = 1 2 / 3 4, o1 = 5 6 / 7 8
		// -> [y][x][o]: (0,0)=(1,5) (0,1)=(2,6) (1,0)=(3,7) (1,1)=(4,8).
		{"2x2", []int{2, 1, 2, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}, []int{2, 2, 1, 2}, []float32{1, 5, 2, 6, 3, 7, 4, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := OIHWToHWIO(Tensor{Shape: tt.shape, Data: tt.in})
			if !slices.Equal(got.Shape, tt.shape2) || !slices.Equal(got.Data, tt.want) {
				t.Errorf("got %v %v, want %v %v", got.Shape, got.Data, tt.shape2, tt.want)
			}
		})
	}
}

func TestMapKey(t *testing.T) {
	tests := []struct {
		key  string
		arch Arch
		name string // "" with skip false: unexpected
		skip bool
	}{
		{"conv1.weight", ResNet, "conv1/weights", false},
		{"bn1.weight", ResNet, "bn1/gamma", false},
		{"bn1.bias", ResNet, "bn1/beta", false},
		{"bn1.running_mean", ResNet, "bn1/mean", false},
		{"bn1.running_var", ResNet, "bn1/variance", false},
		{"bn1.num_batches_tracked", ResNet, "", true},
		{"layer3.22.conv2.weight", ResNet, "layer3/22/conv2/weights", false},
		{"layer1.0.downsample.0.weight", ResNet, "layer1/0/downsample/0/weights", false},
		{"layer1.0.downsample.1.running_var", ResNet, "layer1/0/downsample/1/variance", false},
		{"Scale.layer2.1.bn3.weight", ResNet, "layer2/1/bn3/gamma", false},
		{"module.Scale.conv1.weight", ResNet, "conv1/weights", false},
		{"Scale.layer5.conv2d_list.0.weight", ResNet, "", true},
		{"fc.weight", ResNet, "", true},
		{"layer5.0.conv1.weight", ResNet, "", true},
		{"layer0.0.conv1.weight", ResNet, "", false},
		{"layer1.x.conv1.weight", ResNet, "", false},
		{"layer1.0.conv4.weight", ResNet, "", false},
		{"layer1.0.downsample.2.weight", ResNet, "", false},
		{"conv1.running_mean", ResNet, "", false},
		{"weight", ResNet, "", false},
		{"features.0.weight", VGG16, "features/0/weights", false},
		{"features.28.bias", VGG16, "features/28/bias", false},
		{"features.4.weight", VGG16, "", false}, // a pool
		{"features.01.weight", VGG16, "", false},
		{"classifier.6.weight", VGG16, "", true},
		{"fc6.weight", VGG16, "fc6/weights", false},
		{"conv1.weight", VGG16, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.arch.String()+"/"+tt.key, func(t *testing.T) {
			name, skip, ok := MapKey(tt.key, tt.arch)
			if name != tt.name || skip != tt.skip || ok != (tt.name != "") {
				t.Errorf("MapKey = %q skip %v ok %v, want %q skip %v", name, skip, ok, tt.name, tt.skip)
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

// TestLoadSafetensorsAndNpz writes the same small torchvision-named state in both formats and
// checks the mapped set: names, HWIO kernels, ignored and unexpected keys.
func TestLoadSafetensorsAndNpz(t *testing.T) {
	dir := t.TempDir()
	kernel := []float32{1, 2, 3, 4, 5, 6, 7, 8} // OIHW [2,1,2,2], HWIO below
	hwio := []float32{1, 5, 2, 6, 3, 7, 4, 8}
	st := map[string]checkpoint.Tensor{
		"conv1.weight":            {DType: "F32", Shape: []int{2, 1, 2, 2}, Data: f32bytes(kernel)},
		"bn1.running_var":         {DType: "F32", Shape: []int{2}, Data: f32bytes([]float32{0.5, 2})},
		"bn1.num_batches_tracked": {DType: "I64", Shape: []int{}, Data: make([]byte, 8)},
		"fc.bias":                 {DType: "F32", Shape: []int{3}, Data: f32bytes([]float32{1, 2, 3})},
		"head.weight":             {DType: "F32", Shape: []int{1}, Data: f32bytes([]float32{9})},
	}
	var buf bytes.Buffer
	if err := checkpoint.Write(&buf, st, nil); err != nil {
		t.Fatal(err)
	}
	stPath := filepath.Join(dir, "r.safetensors")
	if err := os.WriteFile(stPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	npzPath := filepath.Join(dir, "r.npz")
	err := numpy.ToNpzFile(map[string]*tensors.Tensor{
		"conv1.weight":            tensors.FromFlatDataAndDimensions(kernel, 2, 1, 2, 2),
		"bn1.running_var":         tensors.FromFlatDataAndDimensions([]float64{0.5, 2}, 2),
		"bn1.num_batches_tracked": tensors.FromScalar(int64(0)),
		"fc.bias":                 tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3),
		"head.weight":             tensors.FromFlatDataAndDimensions([]float32{9}, 1),
	}, npzPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{stPath, npzPath} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			s, err := Load(path, ResNet)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Names(); !slices.Equal(got, []string{"bn1/variance", "conv1/weights"}) {
				t.Errorf("names %v", got)
			}
			k := s.Tensors["conv1/weights"]
			if !slices.Equal(k.Shape, []int{2, 2, 1, 2}) || !slices.Equal(k.Data, hwio) {
				t.Errorf("conv1/weights %v %v, want [2 2 1 2] %v", k.Shape, k.Data, hwio)
			}
			if v := s.Tensors["bn1/variance"].Data; !slices.Equal(v, []float32{0.5, 2}) {
				t.Errorf("bn1/variance %v", v)
			}
			if !slices.Equal(s.Ignored, []string{"bn1.num_batches_tracked", "fc.bias"}) || !slices.Equal(s.Unexpected, []string{"head.weight"}) {
				t.Errorf("ignored %v unexpected %v", s.Ignored, s.Unexpected)
			}
			if s.Source["conv1/weights"] != "conv1.weight" || !strings.Contains(s.Summary(), "2 tensors") {
				t.Errorf("source %v summary %q", s.Source, s.Summary())
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, ts map[string]checkpoint.Tensor) string {
		var buf bytes.Buffer
		if err := checkpoint.Write(&buf, ts, nil); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"format", filepath.Join(dir, "w.bin"), "unknown format"},
		{"missing pth", filepath.Join(dir, "none.pth"), "none.pth"},
		{"missing", filepath.Join(dir, "none.safetensors"), "none.safetensors"},
		{"nothing maps", write("a.safetensors", map[string]checkpoint.Tensor{"x.weight": {DType: "F32", Shape: []int{1}, Data: f32bytes([]float32{1})}}), "no key maps"},
		{"kernel rank", write("b.safetensors", map[string]checkpoint.Tensor{"conv1.weight": {DType: "F32", Shape: []int{4}, Data: f32bytes(make([]float32, 4))}}), "4-D"},
		{"bn rank", write("c.safetensors", map[string]checkpoint.Tensor{"bn1.weight": {DType: "F32", Shape: []int{2, 2}, Data: f32bytes(make([]float32, 4))}}), "1-D"},
		{"dtype", write("d.safetensors", map[string]checkpoint.Tensor{"conv1.weight": {DType: "F16", Shape: []int{1}, Data: make([]byte, 2)}}), "F16"},
		{"duplicate", write("e.safetensors", map[string]checkpoint.Tensor{
			"conv1.weight":       {DType: "F32", Shape: []int{1, 1, 1, 1}, Data: f32bytes([]float32{1})},
			"Scale.conv1.weight": {DType: "F32", Shape: []int{1, 1, 1, 1}, Data: f32bytes([]float32{1})},
		}), "both map onto conv1/weights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, ResNet)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
