package vgg

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTorchForward compares E of segmentor.vgg16 (caffe pools) with PyTorch's DeepLab VGG-16
// features on the same random weights and input, imported through the pretrained option. The
// files are large (59 MB), so the test runs only when DAST_TORCH_CHECK names the directory
// "/usr/bin/python3 bench/params.py --export-check DIR" wrote.
func TestTorchForward(t *testing.T) {
	dir, in, want := testutil.TorchCheck(t, "vgg_io.safetensors")
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
	var got *tensors.Tensor
	testutil.WithTimeout(t, 2*time.Minute, func() { got, err = e.Exec1(in) })
	if err != nil {
		t.Fatal(err)
	}
	testutil.CloseTo(t, "feature against PyTorch", got, want, 1e-4)
}
