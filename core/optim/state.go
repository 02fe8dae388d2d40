package optim

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// stepName is the name of the step-counter variable in an optimizer's scope.
const stepName = "step"

// state names and finds an optimizer's variables.
type state struct {
	kind  string // "SGD", "Adam": for messages
	scope string // absolute, "/name"
}

func newState(kind, name string) state {
	name = strings.Trim(name, context.ScopeSeparator)
	if name == "" {
		panic(fmt.Errorf("optim.New%s: empty scope name", kind))
	}
	return state{kind: kind, scope: context.ScopeSeparator + name}
}

// slot returns (creating it zero-initialised when needed) the non-trainable slot variable
// called suffix for v, stored under "<optimizer scope><v's scope>" as "<v's name>_<suffix>".
func (s state) slot(ctx *context.Context, v *context.Variable, suffix string) *context.Variable {
	scope := s.scope + v.Scope()
	if v.Scope() == context.ScopeSeparator {
		scope = s.scope
	}
	return ctx.Checked(false).InAbsPath(scope).WithInitializer(initializers.Zero).
		VariableWithShape(v.Name()+"_"+suffix, v.Shape()).SetTrainable(false)
}

// step increments the optimizer's int64 step counter in g and returns the new value (1 on the
// first step). It panics when the counter was already changed in g: Apply was called twice.
func (s state) step(ctx *context.Context, g *graph.Graph) *graph.Node {
	v := ctx.Checked(false).InAbsPath(s.scope).VariableWithValue(stepName, int64(0)).SetTrainable(false)
	if v.ChangedInGraph(g) {
		panic(fmt.Errorf("optim %s %s: Apply called twice in one graph", s.kind, s.scope))
	}
	n := graph.AddScalar(v.ValueGraph(g), 1)
	v.SetValueGraph(n)
	return n
}

// reset deletes every variable under the optimizer's scope, including those a checkpoint loader
// holds but has not handed to the context yet (they would come back on first use otherwise).
func (s state) reset(ctx *context.Context) error {
	if err := ctx.InAbsPath(s.scope).DeleteVariablesInScope(); err != nil {
		return fmt.Errorf("optim %s: reset %s: %w", s.kind, s.scope, err)
	}
	lister, ok := ctx.Loader().(interface {
		LoadedVariables() map[string]*tensors.Tensor
	})
	if !ok {
		return nil
	}
	var pending [][2]string
	for key := range lister.LoadedVariables() {
		scope, name := context.VariableScopeAndNameFromParameterName(key)
		if s.owns(scope) {
			pending = append(pending, [2]string{scope, name})
		}
	}
	for _, sn := range pending {
		if err := ctx.DeleteVariable(sn[0], sn[1]); err != nil {
			return fmt.Errorf("optim %s: reset %s: delete %s: %w", s.kind, s.scope, sn[1], err)
		}
	}
	return nil
}

// owns reports whether scope is the optimizer's scope or below it.
func (s state) owns(scope string) bool {
	return scope == s.scope || strings.HasPrefix(scope, s.scope+context.ScopeSeparator)
}

// lrNodes returns, per group, the float64 scalar base * mult * lrScale.
func lrNodes(g *graph.Graph, base float64, groups []Group, lrScale *graph.Node) []*graph.Node {
	var scale *graph.Node
	if lrScale != nil {
		scale = graph.ConvertDType(lrScale, dtypes.Float64)
	}
	out := make([]*graph.Node, len(groups))
	for i, gr := range groups {
		lr := graph.Scalar(g, dtypes.Float64, base*gr.mult())
		if scale != nil {
			lr = graph.Mul(lr, scale)
		}
		out[i] = lr
	}
	return out
}

// as converts a float64 scalar to dtype.
func as(x *graph.Node, dtype dtypes.DType) *graph.Node {
	if x.DType() == dtype {
		return x
	}
	return graph.ConvertDType(x, dtype)
}
