package runinfo

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/metrics"
)

func f32(vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func writeCkpt(t *testing.T, path string, ts map[string]checkpoint.Tensor) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkpoint.Write(f, ts, map[string]string{"iteration": "5"}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The hash covers the model variables (names, shapes, values) and nothing else.
func TestHashCheckpoint(t *testing.T) {
	dir := t.TempDir()
	base := func() map[string]checkpoint.Tensor {
		return map[string]checkpoint.Tensor{
			"/segmentor/conv1/weights": {DType: "F32", Shape: []int{2, 2}, Data: f32(1, 2, 3, 4)},
			"/segmentor/conv1/bias":    {DType: "F32", Shape: []int{2}, Data: f32(0.5, -0.5)},
			"/seg_opt/momentum":        {DType: "F32", Shape: []int{2}, Data: f32(9, 9)},
			"/#rngState":               {DType: "U64", Shape: []int{1}, Data: make([]byte, 8)},
		}
	}
	hash := func(name string, ts map[string]checkpoint.Tensor) string {
		p := filepath.Join(dir, name+".safetensors")
		writeCkpt(t, p, ts)
		h, err := HashCheckpoint(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 64 {
			t.Fatalf("hash %q is not hex sha256", h)
		}
		return h
	}
	ref := hash("ref", base())
	opt := base()
	opt["/seg_opt/momentum"] = checkpoint.Tensor{DType: "F32", Shape: []int{2}, Data: f32(1, 1)}
	opt["/#rngState"] = checkpoint.Tensor{DType: "U64", Shape: []int{1}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0}}
	if h := hash("opt", opt); h != ref {
		t.Error("optimizer or RNG state changed the weights hash")
	}
	val := base()
	val["/segmentor/conv1/bias"] = checkpoint.Tensor{DType: "F32", Shape: []int{2}, Data: f32(0.5, math.Nextafter32(-0.5, 0))}
	if h := hash("val", val); h == ref {
		t.Error("a one-ulp change of a weight kept the hash")
	}
	shape := base()
	shape["/segmentor/conv1/weights"] = checkpoint.Tensor{DType: "F32", Shape: []int{4, 1}, Data: f32(1, 2, 3, 4)}
	if h := hash("shape", shape); h == ref {
		t.Error("a reshaped weight kept the hash")
	}
	renamed := base()
	renamed["/segmentor/conv2/weights"] = renamed["/segmentor/conv1/weights"]
	delete(renamed, "/segmentor/conv1/weights")
	if h := hash("renamed", renamed); h == ref {
		t.Error("a renamed weight kept the hash")
	}
	if _, err := HashCheckpoint(filepath.Join(dir, "none.safetensors")); err == nil {
		t.Error("hash of a missing checkpoint")
	}
}

// metrics.json with the weights block still reads as metrics, and the block reads back.
func TestWriteMetricsWithWeights(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "ckpt-00000005.safetensors")
	writeCkpt(t, ckpt, map[string]checkpoint.Tensor{"/segmentor/w": {DType: "F32", Shape: []int{1}, Data: f32(3)}})
	m := metrics.Metrics{MIoU: 41.5, NumClasses: 2, Iteration: 5, PerClass: []metrics.ClassIoU{{Name: "road", IoU: 80}, {Name: "sky", IoU: 3}}}
	path := filepath.Join(dir, MetricsFile)
	if err := WriteMetrics(path, m, ckpt, "go"); err != nil {
		t.Fatal(err)
	}
	back, err := metrics.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.MIoU != 41.5 || len(back.PerClass) != 2 || back.PerClass[1].Name != "sky" {
		t.Errorf("metrics read back %+v", back)
	}
	w, err := ReadWeights(path)
	if err != nil || w == nil {
		t.Fatalf("weights block: %v %v", w, err)
	}
	want, _ := HashCheckpoint(ckpt)
	if w.SHA256 != want || w.Checkpoint != "ckpt-00000005.safetensors" {
		t.Errorf("weights %+v, want sha256 %s", w, want)
	}
	if w.Platform.GOARCH != runtime.GOARCH || w.Platform.Backend != "go" || !(strings.HasPrefix(w.Platform.GEMM, "fastgo/") || w.Platform.GEMM == "simplego") {
		t.Errorf("platform %+v", w.Platform)
	}
	// Without a checkpoint: plain metrics, no block.
	if err := WriteMetrics(path, m, "", "go"); err != nil {
		t.Fatal(err)
	}
	if w, err := ReadWeights(path); err != nil || w != nil {
		t.Errorf("weights without a checkpoint: %+v %v", w, err)
	}
}
