package weights

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Check builds a model with build on a throwaway context and graph of backend b (shape
// inference only, nothing runs) and compares its variables with s; optional lists the scopes
// the file need not provide. build creates the model's variables in the context it is given.
func (s *Set) Check(b backends.Backend, optional []string, build func(ctx *context.Context, g *graph.Graph)) (r Report, err error) {
	ctx := context.New().Checked(false).In("model")
	g := graph.NewGraph(b, "pretrained_check")
	defer g.Finalize()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pretrained check: building the model: %v", p)
		}
	}()
	build(ctx, g)
	return s.Compare(ctx, ctx.Scope(), optional), nil
}

// Prepare checks s against the model (see Check) before its variables are created. Strict, any
// problem is an error; with allowPartial, tensors whose shapes do not match are dropped (their
// variables keep their initializers) and the rest is accepted.
func (s *Set) Prepare(b backends.Backend, optional []string, allowPartial bool, build func(ctx *context.Context, g *graph.Graph)) error {
	r, err := s.Check(b, optional, build)
	if err != nil {
		return err
	}
	if !allowPartial {
		return r.Err(s.Path)
	}
	for _, name := range r.MismatchedNames {
		delete(s.Tensors, name)
		delete(s.Source, name)
	}
	return nil
}

// Use is how a segmentor applies its pretrained file when it builds its graph: the first time,
// it checks s against the model (Prepare, building the model with build on a side x side
// placeholder input of x's dtype in a throwaway graph of x's backend; a strict mismatch panics
// with the full report, which GoMLX's Exec returns as an error), then it attaches s to ctx so
// the variables are created with its values. build must not itself use s.
func (s *Set) Use(ctx *context.Context, x *graph.Node, side int, optional []string, allowPartial bool, build func(ctx *context.Context, in *graph.Node)) {
	if !s.checked {
		err := s.Prepare(x.Graph().Backend(), optional, allowPartial, func(ctx *context.Context, g *graph.Graph) {
			build(ctx, graph.Parameter(g, "x", shapes.Make(x.DType(), 1, side, side, 3)))
		})
		if err != nil {
			panic(err)
		}
		s.checked = true
	}
	s.Attach(ctx)
}
