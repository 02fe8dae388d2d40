package optim

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Group is a set of variables updated with the same learning-rate multiplier.
type Group struct {
	Vars []*context.Variable
	// LRMult multiplies the optimizer's learning rate for this group; 0 means 1.
	LRMult float64
}

// mult returns the group's effective learning-rate multiplier.
func (gr Group) mult() float64 {
	if gr.LRMult == 0 {
		return 1
	}
	return gr.LRMult
}

// Optimizer updates explicit variable groups inside a graph.
type Optimizer interface {
	// Apply builds the update of every variable of groups from grads (aligned with Vars(groups);
	// a nil gradient leaves its variable and its state untouched, like a PyTorch parameter whose
	// .grad is None) with learning rate LR * group.LRMult * lrScale. lrScale is a float scalar node,
	// or nil for 1. Call it at most once per optimizer and graph; it panics on misuse.
	Apply(ctx *context.Context, groups []Group, grads []*graph.Node, lrScale *graph.Node)
	// Scope is the absolute context scope ("/" + name) holding the optimizer's state.
	Scope() string
	// Reset deletes the optimizer's state, so the next step starts afresh.
	Reset(ctx *context.Context) error
}

// Vars returns the variables of groups in order: the order Apply expects gradients in.
func Vars(groups []Group) []*context.Variable {
	var out []*context.Variable
	for _, gr := range groups {
		out = append(out, gr.Vars...)
	}
	return out
}

// Gradients returns d loss / d v for every variable of groups, in Vars order. loss must be a float
// scalar. Variables the loss does not reach get a zero gradient (so weight decay and momentum still
// move them, as in PyTorch after zero_grad(set_to_none=False)); set such an entry to nil to skip
// the variable instead. Call it before any optimizer updates those variables in the same graph:
// after Variable.SetValueGraph the variable's graph value is the updated node.
func Gradients(loss *graph.Node, groups []Group) []*graph.Node {
	g := loss.Graph()
	vars := Vars(groups)
	nodes := make([]*graph.Node, len(vars))
	for i, v := range vars {
		nodes[i] = v.ValueGraph(g)
	}
	if len(nodes) == 0 {
		return nil
	}
	return graph.Gradient(loss, nodes...)
}

// Minimize is Apply(ctx, groups, Gradients(loss, groups), lrScale).
func Minimize(ctx *context.Context, opt Optimizer, loss *graph.Node, groups []Group, lrScale *graph.Node) {
	opt.Apply(ctx, groups, Gradients(loss, groups), lrScale)
}

// prepare validates Apply's arguments and returns the graph they live in (nil when there is
// nothing to update).
func prepare(name string, groups []Group, grads []*graph.Node, lrScale *graph.Node) *graph.Graph {
	vars := Vars(groups)
	if len(grads) != len(vars) {
		panic(fmt.Errorf("optim %s: %d gradients for %d variables", name, len(grads), len(vars)))
	}
	var g *graph.Graph
	if lrScale != nil {
		if !lrScale.Shape().IsScalar() || !lrScale.DType().IsFloat() {
			panic(fmt.Errorf("optim %s: lrScale must be a float scalar, got %s", name, lrScale.Shape()))
		}
		g = lrScale.Graph()
	}
	for i, v := range vars {
		if v == nil {
			panic(fmt.Errorf("optim %s: variable #%d is nil", name, i))
		}
		if grads[i] == nil {
			continue
		}
		if g == nil {
			g = grads[i].Graph()
		}
		if grads[i].Graph() != g {
			panic(fmt.Errorf("optim %s: gradient of %s belongs to another graph", name, v.ScopeAndName()))
		}
		if !grads[i].Shape().Equal(v.Shape()) {
			panic(fmt.Errorf("optim %s: gradient %s does not match variable %s %s",
				name, grads[i].Shape(), v.ScopeAndName(), v.Shape()))
		}
	}
	for i, gr := range groups {
		if gr.LRMult < 0 {
			panic(fmt.Errorf("optim %s: group %d has a negative LRMult %g", name, i, gr.LRMult))
		}
	}
	return g
}
