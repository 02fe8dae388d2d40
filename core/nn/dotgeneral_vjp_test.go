package nn

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
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
