package weights

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// loader is the context.Loader of a Set below one scope; it defers to the loader that was
// attached before it (a checkpoint being resumed wins over pretrained weights).
type loader struct {
	set    *Set
	prefix string
	next   context.Loader
}

// Attach makes ctx initialise the variables below its current scope from s as they are created
// (the segmentor's Extract calls it before creating variables; attaching twice is a no-op).
// A loader attached earlier, such as a checkpoint being resumed, keeps precedence.
func (s *Set) Attach(ctx *context.Context) {
	prefix := ctx.Scope()
	for l := ctx.Loader(); l != nil; {
		w, ok := l.(*loader)
		if !ok {
			break
		}
		if w.set == s && w.prefix == prefix {
			return
		}
		l = w.next
	}
	ctx.SetLoader(&loader{set: s, prefix: prefix, next: ctx.Loader()})
}

// relName returns the name of scope/name relative to prefix, or false when outside it.
func relName(prefix, scope, name string) (string, bool) {
	p := strings.TrimSuffix(prefix, context.ScopeSeparator)
	if scope != p && !strings.HasPrefix(scope, p+context.ScopeSeparator) {
		return "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(scope, p), context.ScopeSeparator)
	if rel == "" {
		return name, true
	}
	return rel + "/" + name, true
}

// LoadVariable implements context.Loader.
func (l *loader) LoadVariable(ctx *context.Context, scope, name string) (*tensors.Tensor, bool) {
	if l.next != nil {
		if v, ok := l.next.LoadVariable(ctx, scope, name); ok {
			return v, true
		}
	}
	rel, ok := relName(l.prefix, scope, name)
	if !ok {
		return nil, false
	}
	t, ok := l.set.Tensors[rel]
	if !ok {
		return nil, false
	}
	return tensors.FromFlatDataAndDimensions(slices.Clone(t.Data), t.Shape...), true
}

// DeleteVariable implements context.Loader.
func (l *loader) DeleteVariable(ctx *context.Context, scope, name string) error {
	if l.next != nil {
		return l.next.DeleteVariable(ctx, scope, name)
	}
	return nil
}

// Report is the comparison of a Set with the variables a model created.
type Report struct {
	Missing    []string // model variables the file does not provide (outside the optional scopes)
	Unused     []string // file tensors no model variable takes
	Mismatched []string // "name: file [..] model [..]"
	Unexpected []string // file keys outside the architecture's grammar
	// MismatchedNames are the variable names of Mismatched.
	MismatchedNames []string
}

// OK reports whether nothing is missing, unused, mismatched or unexpected.
func (r Report) OK() bool {
	return len(r.Missing)+len(r.Unused)+len(r.Mismatched)+len(r.Unexpected) == 0
}

// Err returns nil when r is OK, else an error listing the problems.
func (r Report) Err(path string) error {
	if r.OK() {
		return nil
	}
	var parts []string
	for _, p := range []struct {
		what string
		list []string
	}{{"missing", r.Missing}, {"unused", r.Unused}, {"shape mismatches", r.Mismatched}, {"unexpected keys", r.Unexpected}} {
		if len(p.list) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s: %s", len(p.list), p.what, Abbrev(p.list, 6)))
		}
	}
	return fmt.Errorf("pretrained %s does not match the model (allow_partial accepts it): %s", path, strings.Join(parts, "; "))
}

// Compare checks s against the variables below scope in ctx: every variable outside the
// optional sub-scopes must come from the file with the same shape, and every file tensor must
// be used.
func (s *Set) Compare(ctx *context.Context, scope string, optional []string) Report {
	var r Report
	seen := map[string]bool{}
	for v := range ctx.IterVariables() {
		rel, ok := relName(scope, v.Scope(), v.Name())
		if !ok {
			continue
		}
		t, found := s.Tensors[rel]
		if !found {
			if !underAny(rel, optional) {
				r.Missing = append(r.Missing, rel)
			}
			continue
		}
		seen[rel] = true
		if !slices.Equal(t.Shape, v.Shape().Dimensions) {
			r.Mismatched = append(r.Mismatched, fmt.Sprintf("%s: file %v model %v", rel, t.Shape, v.Shape().Dimensions))
			r.MismatchedNames = append(r.MismatchedNames, rel)
		}
	}
	for _, n := range s.Names() {
		if !seen[n] {
			r.Unused = append(r.Unused, n+" (from "+s.Source[n]+")")
		}
	}
	slices.Sort(r.Missing)
	slices.Sort(r.Mismatched)
	slices.Sort(r.MismatchedNames)
	r.Unexpected = slices.Clone(s.Unexpected)
	return r
}

func underAny(name string, scopes []string) bool {
	for _, s := range scopes {
		if strings.HasPrefix(name, strings.TrimSuffix(s, "/")+"/") {
			return true
		}
	}
	return false
}
