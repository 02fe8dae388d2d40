package vgg

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTorchForward compares E of segmentor.vgg16 (caffe pools) with PyTorch's DeepLab VGG-16
// features on the same random weights and input, imported through the pretrained option. The
// files are large (59 MB), so the test runs only when DAST_TORCH_CHECK names the directory
// "/usr/bin/python3 bench/params.py --export-check DIR" wrote.
func TestTorchForward(t *testing.T) {
	dir := os.Getenv("DAST_TORCH_CHECK")
	if dir == "" {
		t.Skip("set DAST_TORCH_CHECK to the directory of bench/params.py --export-check")
	}
	io, _, err := checkpoint.ReadFile(filepath.Join(dir, "vgg_io.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := checkpoint.ToTensor(io["input"])
	if err != nil {
		t.Fatal(err)
	}
	want, err := checkpoint.ToTensor(io["feature"])
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaults(t)
	cfg.Pretrained = filepath.Join(dir, "vgg_weights.safetensors")
	seg, err := cfg.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	b := goBackend(t)
	ctx := context.New().Checked(false)
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return seg.Extract(ctx.In("segmentor"), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var got *tensors.Tensor
	go func() {
		defer close(done)
		got, err = e.Exec1(in)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("forward pass did not finish in 2 minutes")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !got.Shape().Equal(want.Shape()) {
		t.Fatalf("feature shape %s, PyTorch %s", got.Shape(), want.Shape())
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	var diff, norm, maxAbs float64
	for i := range g {
		d := float64(g[i] - w[i])
		diff += d * d
		norm += float64(w[i]) * float64(w[i])
		maxAbs = max(maxAbs, math.Abs(d))
	}
	rel := math.Sqrt(diff / norm)
	t.Logf("feature %s: relative L2 error %.3g, max abs error %.3g (PyTorch feature RMS %.3g)", got.Shape(), rel, maxAbs, math.Sqrt(norm/float64(len(w))))
	if rel > 1e-4 {
		t.Errorf("relative error %.3g against PyTorch", rel)
	}
}
