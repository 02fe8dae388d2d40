package vgg

import (
	"path/filepath"
	"testing"

	"github.com/dast-uda/dast/backbones/weights"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestTorchvisionKeySet maps torchvision vgg16's state_dict keys (bench/params.py) onto the
// segmentor: the 13 convolutions of E come from the file, fc6, fc7 and the classifier do not,
// and the ImageNet classifier is ignored.
func TestTorchvisionKeySet(t *testing.T) {
	raw, err := weights.ReadKeyList(filepath.Join("..", "weights", "testdata", "torchvision_vgg16_keys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := weights.Map(raw, weights.VGG16)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Unexpected) != 0 || len(set.Ignored) != 6 || len(set.Tensors) != 26 {
		t.Errorf("%d tensors, ignored %v, unexpected %v; want 26, the 6 ImageNet classifier keys, none", len(set.Tensors), set.Ignored, set.Unexpected)
	}
	c := defaults(t)
	seg, err := c.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	b := goBackend(t)
	ctx := context.New().Checked(false).In("segmentor")
	g := graph.NewGraph(b, "keys")
	defer g.Finalize()
	s := seg.(*Segmentor)
	s.Predict(ctx, s.Extract(ctx, graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 24, 24, 3))))
	if r := set.Compare(ctx, "/segmentor", s.Optional()); !r.OK() {
		t.Errorf("torchvision keys do not cover E: %v", r.Err("vgg16"))
	}
}
