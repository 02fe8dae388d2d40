package weights

import (
	"slices"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// fixedLoader serves one variable, standing in for a checkpoint being resumed.
type fixedLoader struct{ scope, name string }

func (f fixedLoader) LoadVariable(_ *context.Context, scope, name string) (*tensors.Tensor, bool) {
	if scope == f.scope && name == f.name {
		return tensors.FromFlatDataAndDimensions([]float32{-1, -1}, 2), true
	}
	return nil, false
}
func (fixedLoader) DeleteVariable(*context.Context, string, string) error { return nil }

// TestAttachAndCompare applies a set to a context below "/seg": the conv kernel arrives in
// HWIO, a loader attached before (a resumed checkpoint) wins, variables outside the scope are
// untouched, and Compare reports missing, unused and mismatched variables.
func TestAttachAndCompare(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	set, err := Map(map[string]Tensor{
		"conv1.weight":          {Shape: []int{2, 1, 2, 2}, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8}},
		"bn1.weight":            {Shape: []int{2}, Data: []float32{3, 4}},
		"bn1.bias":              {Shape: []int{2}, Data: []float32{5, 6}},
		"layer1.0.conv1.weight": {Shape: []int{1, 1, 1, 1}, Data: []float32{7}},
	}, ResNet)
	if err != nil {
		t.Fatal(err)
	}
	root := context.New().Checked(false)
	root.SetLoader(fixedLoader{scope: "/seg/bn1", name: nn.VarBeta})
	ctx := root.In("seg")
	set.Attach(ctx)
	set.Attach(ctx) // a second attach is a no-op
	g := graph.NewGraph(b, "attach")
	defer g.Finalize()
	x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, 4, 4, 1))
	y := nn.Conv(ctx.In("conv1"), x, nn.ConvLayer{Out: 2, Kernel: 2})
	y = nn.FrozenBN(ctx.In("bn1"), y, 1e-5)
	nn.Conv(root.In("other").In("conv1"), y, nn.ConvLayer{Out: 1, Kernel: 1})

	value := func(scope, name string) []float32 {
		v := root.GetVariableByScopeAndName(scope, name)
		if v == nil {
			t.Fatalf("no variable %s/%s", scope, name)
		}
		return tensors.MustCopyFlatData[float32](v.MustValue())
	}
	if got := value("/seg/conv1", nn.VarWeights); !slices.Equal(got, []float32{1, 5, 2, 6, 3, 7, 4, 8}) {
		t.Errorf("conv1 weights %v, want the HWIO transpose", got)
	}
	if got := value("/seg/bn1", nn.VarGamma); !slices.Equal(got, []float32{3, 4}) {
		t.Errorf("bn1 gamma %v", got)
	}
	if got := value("/seg/bn1", nn.VarBeta); !slices.Equal(got, []float32{-1, -1}) {
		t.Errorf("bn1 beta %v: the earlier loader must win", got)
	}
	if v := root.GetVariableByScopeAndName("/other/conv1", nn.VarWeights); v == nil || v.HasValue() {
		t.Error("the variable outside the set's scope should exist and be left to its initializer")
	}

	r := set.Compare(root, "/seg", nil)
	if !slices.Equal(r.Missing, []string{"bn1/mean", "bn1/variance"}) || len(r.Unused) != 1 || !strings.HasPrefix(r.Unused[0], "layer1/0/conv1/weights") || len(r.Mismatched) != 0 {
		t.Errorf("report %+v", r)
	}
	if r := set.Compare(root, "/seg", []string{"bn1"}); len(r.Missing) != 0 {
		t.Errorf("optional scope still missing: %v", r.Missing)
	}
	if err := r.Err("f.safetensors"); err == nil || !strings.Contains(err.Error(), "2 missing: bn1/mean, bn1/variance") {
		t.Errorf("error %v", err)
	}
	set.Tensors["bn1/gamma"] = Tensor{Shape: []int{3}, Data: []float32{1, 2, 3}}
	if r := set.Compare(root, "/seg", []string{"bn1/"}); len(r.Mismatched) != 1 || !strings.Contains(r.Mismatched[0], "bn1/gamma: file [3] model [2]") {
		t.Errorf("mismatch %v", r.Mismatched)
	}
}
