package layernet

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	mlctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/plugins/sdk"
)

// FuzzCompile feeds arbitrary layer lists (JSON, as a plugin could send them) to the graph
// validation: it must never panic, and a small graph it accepts for an input size must build
// (the core/nn layers' own preconditions hold) with the output shape it inferred.
func FuzzCompile(f *testing.F) {
	seeds := [][]sdk.Layer{
		{sdk.Conv(4, 3, 2, 1).Named("a"), sdk.LeakyReLU(0.2), sdk.Conv(4, 3, 1, 1).Named("b"), sdk.Add("a", "b"), sdk.Conv(1, 3, 1, 1)},
		{sdk.AvgPool(3, 2, 1).Named("h"), sdk.Concat("h", "h"), sdk.SelfAttention(0), sdk.UpsampleTo(sdk.InputName, true), sdk.InstanceNorm(true), sdk.Conv(1, 1, 1, 0)},
		{sdk.MaxPool(2, 2, 1), sdk.Upsample(3, false), sdk.Conv(1, 2, 1, 0)},
		{sdk.Conv(2, 1, 1, 0).From("c").Named("c"), sdk.Conv(1, 1, 1, 0)},
	}
	for _, s := range seeds {
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, 2, 9)
	}
	b, err := backend.New("go")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(b.Finalize)
	f.Fuzz(func(t *testing.T, data []byte, inC, size int) {
		var layers []sdk.Layer
		if json.Unmarshal(data, &layers) != nil {
			return
		}
		p, err := compile(layers, inC, size, size, false)
		if err != nil {
			return
		}
		// Build only small graphs: the point is agreement with core/nn, not speed.
		if size < 1 || inC > 8 || size > 16 || len(layers) > 12 {
			return
		}
		for _, n := range p.nodes {
			if n.c > 16 || n.h > 64 || n.w > 64 || n.Kernel > 8 {
				return
			}
		}
		var y *graph.Node
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("compile accepted %s for %dx%dx%d but building panicked: %v", data, size, size, inC, r)
				}
			}()
			g := graph.NewGraph(b, "fuzz")
			x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, size, size, inC))
			var err error
			if y, err = apply(mlctx.New().Checked(false), layers, x, false); err != nil {
				panic(err)
			}
		}()
		out := p.out()
		if got, want := fmt.Sprint(y.Shape().Dimensions), fmt.Sprint([]int{1, out.h, out.w, out.c}); got != want {
			t.Fatalf("%s: built output %s, compile inferred %s", data, got, want)
		}
	})
}
