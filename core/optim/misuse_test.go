package optim

import (
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestApplyMisuse checks that Apply refuses inconsistent arguments with a message naming the
// problem, and that a nil gradient leaves its variable alone.
func TestApplyMisuse(t *testing.T) {
	b := newBackend(t)
	for _, tc := range []struct {
		name    string
		build   func(ctx *context.Context, g *graph.Graph, w *context.Variable)
		wantErr string
	}{
		{"too few gradients", func(ctx *context.Context, g *graph.Graph, w *context.Variable) {
			NewSGD(SGDConfig{LR: 1}, "o").Apply(ctx, []Group{{Vars: []*context.Variable{w}}}, nil, nil)
		}, "0 gradients for 1 variables"},
		{"wrong gradient shape", func(ctx *context.Context, g *graph.Graph, w *context.Variable) {
			grad := graph.Zeros(g, w.Shape().Clone())
			grad = graph.Reshape(grad, 6)
			NewAdam(AdamConfig{LR: 1}, "o").Apply(ctx, []Group{{Vars: []*context.Variable{w}}}, []*graph.Node{grad}, nil)
		}, "does not match variable"},
		{"applied twice", func(ctx *context.Context, g *graph.Graph, w *context.Variable) {
			o := NewSGD(SGDConfig{LR: 1}, "o")
			groups := []Group{{Vars: []*context.Variable{w}}}
			grad := graph.OnesLike(w.ValueGraph(g))
			o.Apply(ctx, groups, []*graph.Node{grad}, nil)
			o.Apply(ctx, groups, []*graph.Node{grad}, nil)
		}, "Apply called twice"},
		{"vector lrScale", func(ctx *context.Context, g *graph.Graph, w *context.Variable) {
			grad := graph.OnesLike(w.ValueGraph(g))
			NewSGD(SGDConfig{LR: 1}, "o").Apply(ctx, []Group{{Vars: []*context.Variable{w}}}, []*graph.Node{grad}, grad)
		}, "lrScale must be a float scalar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.New()
			w := ctx.VariableWithValue("w", [][]float32{{1, 2, 3}, {4, 5, 6}})
			_, err := context.ExecOnce(b, ctx, func(ctx *context.Context, g *graph.Graph) *graph.Node {
				tc.build(ctx, g, w)
				return graph.Const(g, float32(0))
			})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}

	t.Run("nil gradient skips the variable", func(t *testing.T) {
		ctx := context.New()
		w := ctx.VariableWithValue("w", []float32{1, 2})
		u := ctx.VariableWithValue("u", []float32{1, 2})
		o := NewSGD(SGDConfig{LR: 0.5, Momentum: 0.9, WeightDecay: 0.1}, "o")
		withTimeout(t, 30*time.Second, func() {
			context.MustExecOnce(b, ctx, func(ctx *context.Context, g *graph.Graph) *graph.Node {
				o.Apply(ctx, []Group{{Vars: []*context.Variable{w, u}}},
					[]*graph.Node{nil, graph.OnesLike(u.ValueGraph(g))}, nil)
				return graph.Const(g, float32(0))
			})
		})
		if got := w.MustValue().Value().([]float32); got[0] != 1 || got[1] != 2 {
			t.Errorf("w = %v, want untouched [1 2]", got)
		}
		if got := u.MustValue().Value().([]float32); got[0] == 1 {
			t.Errorf("u = %v, want updated", got)
		}
		if ctx.GetVariableByScopeAndName("/o", "w_momentum") != nil {
			t.Error("a momentum buffer was created for the variable without gradient")
		}
	})
}
