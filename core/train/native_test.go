package train_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/train"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// nativeLabels serves a dataset's images with all-road ground truth stored at twice their size.
type nativeLabels struct{ data.Dataset }

func (n nativeLabels) NativeLabel(i int) ([]uint8, int, int, error) {
	s, err := n.Get(i)
	if err != nil {
		return nil, 0, 0, err
	}
	return make([]uint8, 4*s.H*s.W), 2 * s.W, 2 * s.H, nil
}

// TestEvaluateAtNativeLabelSize: labels larger than the input are scored at their own size,
// every one of their pixels counted once.
func TestEvaluateAtNativeLabelSize(t *testing.T) {
	tree, err := config.Load(tinyConfig(t, ""), []string{"train.iterations=1"})
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	res, err := train.Run(withTimeout(t, time.Minute), setup, train.Options{RunDir: filepath.Join(t.TempDir(), "r")})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := checkpoint.Open(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	p, err := infer.NewPredictor(b, ctx, train.Inference(setup.Seg, setup.Strategy))
	if err != nil {
		t.Fatal(err)
	}
	ds := nativeLabels{setup.Val}
	conf, err := infer.Evaluate(p, ds, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ds.Get(0)
	want := int64(ds.Len() * 4 * s.H * s.W)
	if conf.Total() != want {
		t.Fatalf("scored %d pixels, want %d (labels at twice the input size)", conf.Total(), want)
	}
}
