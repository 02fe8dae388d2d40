package optim

import (
	"slices"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ganExec returns an executor of one combined GAN iteration over ctx.
func ganExec(b backends.Backend, ctx *context.Context, s *ganSetup) *context.Exec {
	return context.MustNewExec(b, ctx, func(ctx *context.Context, zs, zt, it *graph.Node) (*graph.Node, *graph.Node) {
		return s.step(ctx, zs, zt, it, true, true)
	})
}

func runSteps(t *testing.T, exec *context.Exec, from, to int) {
	t.Helper()
	withTimeout(t, time.Minute, func() {
		for it := from; it < to; it++ {
			exec.MustExec(randTensor(uint64(100+it), 5, 4), randTensor(uint64(200+it), 5, 4), int32(it))
		}
	})
}

// snapshot returns every variable of ctx (parameters, optimizer state, step counters) by name;
// float32 and int64 values convert to float64 exactly, so equality is bit identity.
func snapshot(t *testing.T, ctx *context.Context) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	for v := range ctx.IterVariables() {
		out[v.ScopeAndName()] = mustFloats(t, v.MustValue())
	}
	return out
}

// memCheckpoint is an in-memory checkpoint: every variable of a context, saved by parameter name,
// handed back through context.Loader the way gomlx's checkpoints package does it (lazily, when a
// variable is first asked for). It avoids the checkpoints package's extra module dependencies.
type memCheckpoint map[string]*tensors.Tensor

func saveAll(t *testing.T, ctx *context.Context) memCheckpoint {
	t.Helper()
	m := memCheckpoint{}
	for v := range ctx.IterVariables() {
		c, err := v.MustValue().LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		m[v.ParameterName()] = c
	}
	return m
}

// loader returns a fresh context.Loader over copies of m's tensors (executing a graph may donate
// a variable's buffer, so each restore needs its own).
func (m memCheckpoint) loader(t *testing.T) *memLoader {
	t.Helper()
	l := &memLoader{vals: map[string]*tensors.Tensor{}}
	for k, v := range m {
		c, err := v.LocalClone()
		if err != nil {
			t.Fatal(err)
		}
		l.vals[k] = c
	}
	return l
}

type memLoader struct{ vals map[string]*tensors.Tensor }

func (l *memLoader) LoadVariable(_ *context.Context, scope, name string) (*tensors.Tensor, bool) {
	k := context.VariableParameterNameFromScopeAndName(scope, name)
	v, ok := l.vals[k]
	delete(l.vals, k)
	return v, ok
}

func (l *memLoader) DeleteVariable(_ *context.Context, scope, name string) error {
	delete(l.vals, context.VariableParameterNameFromScopeAndName(scope, name))
	return nil
}

func (l *memLoader) LoadedVariables() map[string]*tensors.Tensor { return l.vals }

// TestCheckpointResume saves every context variable after 2 GAN iterations, restores them into a
// new context through a context.Loader and checks that iteration 3 gives bit-identical parameters and optimizer state; and that
// dropping the optimizer state (Reset) instead gives a different step, so the state matters.
func TestCheckpointResume(t *testing.T) {
	b := newBackend(t)

	ctxA := context.New()
	sA := newGAN(ctxA)
	execA := ganExec(b, ctxA, sA)
	runSteps(t, execA, 0, 2)
	saved := saveAll(t, ctxA)
	runSteps(t, execA, 2, 3)
	want := snapshot(t, ctxA)
	var slots int
	for name := range want {
		if isUnder(name, "/seg_opt") || isUnder(name, "/disc_opt") {
			slots++
		}
	}
	if slots != 3+1+2*2+1 { // SGD: 3 momentum buffers, step; Adam: m and v for 2 variables, step
		t.Errorf("found %d optimizer variables, want 9: %v", slots, keys(want))
	}
	for _, step := range []string{"/seg_opt/step", "/disc_opt/step"} {
		if got := want[step]; len(got) != 1 || got[0] != 3 {
			t.Errorf("%s = %v after 3 iterations, want [3]", step, got)
		}
	}

	restore := func(reset bool) map[string][]float64 {
		ctx := context.New()
		ctx.SetLoader(saved.loader(t))
		s := newGAN(ctx) // loaded values override the initial ones
		if reset {
			if err := s.seg.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.adv.Reset(ctx); err != nil {
				t.Fatal(err)
			}
		}
		runSteps(t, ganExec(b, ctx, s), 2, 3)
		return snapshot(t, ctx)
	}

	got := restore(false)
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("restored run lacks %s", name)
			continue
		}
		if !slices.Equal(g, w) {
			t.Errorf("%s differs after resuming", name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("restored run has %d float variables, want %d", len(got), len(want))
	}

	fresh := restore(true)
	for _, v := range Vars(sA.gen) {
		if slices.Equal(fresh[v.ScopeAndName()], want[v.ScopeAndName()]) {
			t.Errorf("%s: resuming without optimizer state gave the same step: the test is blind", v.ScopeAndName())
		}
	}
}

func keys(m map[string][]float64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
