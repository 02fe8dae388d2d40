package nn

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestDotGeneralVJPIsReplaced(t *testing.T) {
	got := reflect.ValueOf(graph.VJPRegistration[graph.NodeTypeDotGeneral]).Pointer()
	if want := reflect.ValueOf(graph.VJP(dotGeneralVJP)).Pointer(); got != want {
		t.Errorf("DotGeneral VJP is not nn's replacement")
	}
}

func TestDotGeneralVJP(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	for _, tc := range []struct {
		name    string
		lhsDims []int
		lc, lb  []int
		rhsDims []int
		rc, rb  []int
	}{
		{"matmul", []int{4, 3}, []int{1}, nil, []int{3, 5}, []int{0}, nil},
		{"transposed", []int{3, 4}, []int{0}, nil, []int{5, 3}, []int{1}, nil},
		{"batch-first", []int{2, 4, 3}, []int{2}, []int{0}, []int{2, 3, 5}, []int{1}, []int{0}},
		{"batch-middle", []int{4, 2, 3}, []int{2}, []int{1}, []int{3, 5, 2}, []int{0}, []int{2}},
		{"two-contract-swapped", []int{2, 3, 4}, []int{1, 2}, nil, []int{4, 5, 3}, []int{2, 0}, nil},
		{"multi-cross", []int{2, 3, 4, 2}, []int{2}, []int{0}, []int{2, 4, 3, 2}, []int{1}, []int{0}},
		{"outer", []int{3}, nil, nil, []int{4}, nil, nil},
		{"inner", []int{6}, []int{0}, nil, []int{6}, []int{0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []*tensors.Tensor{randTensor(rng, tc.lhsDims...), randTensor(rng, tc.rhsDims...)}
			withTimeout(t, time.Minute, func() {
				checkGradients(t, func(in []*graph.Node) *graph.Node {
					return graph.DotGeneral(in[0], tc.lc, tc.lb, in[1], tc.rc, tc.rb)
				}, in, 40, 1e-7)
			})
		})
	}
}

// TestRegathered checks which operands the weight gradient gathers again: a reshaped row
// gather within regatherBytes (a convolution's patches), rebuilt with the same inputs and
// parameters; not a larger one, not a gather with other parameters, not other operands.
func TestRegathered(t *testing.T) {
	g := graph.NewGraph(testBackend(t), "regathered")
	params := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 100, 8))
	idx := graph.Const(g, tensors.FromFlatDataAndDimensions(make([]int32, 60), 60, 1))
	patches := graph.Reshape(graph.Gather(params, idx), 6, 10, 8)
	again := regathered(patches)
	if again == patches {
		t.Fatal("small patches: regathered returned the forward pass's node")
	}
	if again.Type() != graph.NodeTypeReshape || !again.Shape().Equal(patches.Shape()) {
		t.Fatalf("regathered = %s %s, want a reshape to %s", again.Type(), again.Shape(), patches.Shape())
	}
	if gi := again.Inputs()[0]; gi == patches.Inputs()[0] || !sameParams(gi, patches.Inputs()[0]) {
		t.Error("the regathered node is not a new gather with the same inputs and parameters")
	}

	big := graph.Parameter(g, "big", shapes.Make(dtypes.Float32, 10, regatherBytes/4/10+1))
	bigIdx := graph.Const(g, tensors.FromFlatDataAndDimensions(make([]int32, 10), 10, 1))
	large := graph.Reshape(graph.Gather(big, bigIdx), 1, 10, regatherBytes/4/10+1)
	sorted := graph.Reshape(graph.Gather(params, idx, true), 6, 10, 8)
	for name, x := range map[string]*graph.Node{
		"larger than regatherBytes": large,
		"sorted-indices gather":     sorted,
		"plain reshape":             graph.Reshape(params, 10, 80),
		"gather without reshape":    graph.Gather(params, idx),
	} {
		if got := regathered(x); got != x {
			t.Errorf("%s: regathered built a new node", name)
		}
	}
	if sameParams(graph.Gather(params, idx), graph.Gather(params, idx, true)) {
		t.Error("sameParams: gathers that differ in indicesAreSorted compare equal")
	}
}
