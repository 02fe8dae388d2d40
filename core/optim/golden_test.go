package optim

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/golden"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// paramNames are the fixture's parameters; w1, b1 form group 0 (LR x1), w2, b2 group 1 (LR x10).
var paramNames = []string{"w1", "b1", "w2", "b2"}

// tinyModel creates the fixture's two-layer model in ctx and returns its two groups.
func tinyModel(t *testing.T, ctx *context.Context, s golden.Set, mults [2]float64) []Group {
	t.Helper()
	vars := map[string]*context.Variable{}
	for _, n := range paramNames {
		layer := "l1"
		if n[1] == '2' {
			layer = "l2"
		}
		vars[n] = ctx.In("model").In(layer).VariableWithValue(n[:1], mustGet(t, s, "init", n))
	}
	return []Group{
		{Vars: []*context.Variable{vars["w1"], vars["b1"]}, LRMult: mults[0]},
		{Vars: []*context.Variable{vars["w2"], vars["b2"]}, LRMult: mults[1]},
	}
}

// tinyLoss is mean((tanh(x@w1+b1)@w2+b2 - y)^2), the fixture's loss.
func tinyLoss(groups []Group, x, y *graph.Node) *graph.Node {
	g := x.Graph()
	w1, b1 := groups[0].Vars[0].ValueGraph(g), groups[0].Vars[1].ValueGraph(g)
	w2, b2 := groups[1].Vars[0].ValueGraph(g), groups[1].Vars[1].ValueGraph(g)
	h := graph.Tanh(graph.Add(graph.MatMul(x, w1), graph.InsertAxes(b1, 0)))
	out := graph.Add(graph.MatMul(h, w2), graph.InsertAxes(b2, 0))
	return graph.ReduceAllMean(graph.Square(graph.Sub(out, y)))
}

func TestTrajectoriesGolden(t *testing.T) {
	s := loadFixture(t)
	cfg := mustFloats(t, mustGet(t, s, "optim", "cfg")) // maxIt, power, steps, mult0, mult1
	maxIt, power, steps := int(cfg[0]), cfg[1], int(cfg[2])
	mults := [2]float64{cfg[3], cfg[4]}
	for _, tc := range []struct {
		name string
		make func(lr float64) Optimizer
	}{
		{"sgd", func(lr float64) Optimizer {
			return NewSGD(SGDConfig{LR: lr, Momentum: 0.9, WeightDecay: 5e-4}, "sgd")
		}},
		{"adam", func(lr float64) Optimizer {
			return NewAdam(AdamConfig{LR: lr, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}, "adam")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := loadFixture(t) // fresh tensors: executing moves them onto a backend
			b := newBackend(t)
			lr := mustFloats(t, mustGet(t, s, tc.name, "cfg"))[0]
			opt := tc.make(lr)
			ctx := context.New()
			groups := tinyModel(t, ctx, s, mults)
			exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x, y, it *graph.Node) *graph.Node {
				loss := tinyLoss(groups, x, y)
				Minimize(ctx, opt, loss, groups, Poly(it, maxIt, power))
				return loss
			})
			x, y := mustGet(t, s, "data", "x"), mustGet(t, s, "data", "y")
			withTimeout(t, time.Minute, func() {
				for it := 0; it < steps; it++ {
					loss := exec.MustExec1(x, y, int32(it))
					c := fmt.Sprintf("%s_step%d", tc.name, it+1)
					got, want := mustFloats(t, loss)[0], mustFloats(t, mustGet(t, s, c, "loss"))[0]
					if rel := math.Abs(got-want) / math.Abs(want); rel > maxRelErr {
						t.Errorf("%s: loss %.7g, PyTorch %.7g", c, got, want)
					}
					for i, v := range Vars(groups) {
						// The test must be able to see a step: every parameter moves well beyond the tolerance.
						if moved, _ := golden.RelErr(mustGet(t, s, "init", paramNames[i]), mustGet(t, s, c, paramNames[i])); moved < 100*maxRelErr {
							t.Errorf("%s: %s moved only %.3g from its initial value in PyTorch", c, paramNames[i], moved)
						}
						rel, err := golden.RelErr(v.MustValue(), mustGet(t, s, c, paramNames[i]))
						if err != nil || rel > maxRelErr {
							t.Errorf("%s: %s relative error %.3g (%v)", c, paramNames[i], rel, err)
						}
						t.Logf("%s: %s relative error %.3g", c, paramNames[i], rel)
					}
				}
			})
		})
	}
}
