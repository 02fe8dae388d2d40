package objectives

import (
	"math"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/core/losses"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// objective resolves id through the registry the way the trainer does.
func objective(t *testing.T, id string) model.Objective {
	t.Helper()
	info, err := registry.Lookup(id)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := info.New().(model.ObjectiveBuilder)
	if !ok {
		t.Fatalf("%s: %T is not a model.ObjectiveBuilder", id, info.New())
	}
	o, err := b.NewObjective()
	if err != nil {
		t.Fatalf("%s: NewObjective: %v", id, err)
	}
	return o
}

// Host-side references of the per-element losses.
func lsgan(x, y float64) float64 { return (x - y) * (x - y) }
func bce(x, y float64) float64 {
	p := 1 / (1 + math.Exp(-x))
	return -(y*math.Log(p) + (1-y)*math.Log(1-p))
}

// TestLoss compares each objective with core/losses on the same graph and with a host-side
// reference, for both domain labels, with and without per-pixel weights.
func TestLoss(t *testing.T) {
	pred := []float32{-2, -0.5, 0, 0.25, 1, 3}   // logits [1,2,3,1]
	weight := []float32{0.5, 1, 2, 0, 1.5, 0.25} // per pixel, [1,2,3,1]
	for _, tc := range []struct {
		id   string
		ref  func(pred *graph.Node, label float64, weight *graph.Node) *graph.Node
		host func(x, y float64) float64
	}{
		{"objective.lsgan", losses.LSGAN, lsgan},
		{"objective.bce", losses.BCEWithLogits, bce},
	} {
		obj := objective(t, tc.id)
		for _, label := range []float64{SourceLabel, TargetLabel} {
			for _, weighted := range []bool{false, true} {
				var got, ref float64
				testutil.WithTimeout(t, 30*time.Second, func() {
					out := graph.MustExecOnceN(testutil.Backend(t), func(p, w *graph.Node) []*graph.Node {
						if !weighted {
							w = nil
						}
						return []*graph.Node{obj.Loss(p, label, w), tc.ref(p, label, w)}
					}, tensors.FromFlatDataAndDimensions(pred, 1, 2, 3, 1), tensors.FromFlatDataAndDimensions(weight, 1, 2, 3, 1))
					got = float64(tensors.MustCopyFlatData[float32](out[0])[0])
					ref = float64(tensors.MustCopyFlatData[float32](out[1])[0])
				})
				var want float64
				for i, x := range pred {
					w := 1.0
					if weighted {
						w = float64(weight[i])
					}
					want += w * tc.host(float64(x), label)
				}
				want /= float64(len(pred))
				if got != ref {
					t.Errorf("%s label %g weighted %v: %g, core/losses gives %g", tc.id, label, weighted, got, ref)
				}
				if math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
					t.Errorf("%s label %g weighted %v: %g, want %g", tc.id, label, weighted, got, want)
				}
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	for _, id := range []string{"objective.lsgan", "objective.bce"} {
		info, err := registry.Lookup(id)
		if err != nil {
			t.Fatalf("Lookup(%s): %v", id, err)
		}
		if info.Description == "" {
			t.Errorf("%s has no description", id)
		}
		opts, err := registry.Options(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(opts) != 0 {
			t.Errorf("%s has options %+v, want none (halving belongs to the strategy)", id, opts)
		}
	}
	if _, err := registry.Lookup("objective.lsgann"); err == nil {
		t.Errorf("Lookup of a misspelt objective succeeded")
	}
	var ids []string
	for _, info := range registry.List("objective") {
		ids = append(ids, info.ID)
	}
	if len(ids) < 2 || ids[0] != "objective.bce" || ids[1] != "objective.lsgan" {
		t.Errorf("List(objective) = %v, want bce and lsgan", ids)
	}
}
