package optim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/losses"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ganSetup is a toy GAN: a generator G (two groups, LR x1 and x10) trained by SGD and a
// discriminator D trained by Adam, with the DAST update order of one training iteration.
type ganSetup struct {
	gen, disc []Group
	seg       *SGD
	adv       *Adam
}

func randTensor(seed uint64, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	r := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * 0.5)
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// newGAN creates the toy GAN's variables (always the same initial values) in ctx.
func newGAN(ctx *context.Context) *ganSetup {
	// Checked(false): with a loader attached, the variables already "exist" (gomlx would panic).
	ctx = ctx.Checked(false)
	gctx, dctx := ctx.In("gen"), ctx.In("disc")
	return &ganSetup{
		gen: []Group{
			{Vars: []*context.Variable{gctx.In("body").VariableWithValue("w", randTensor(1, 4, 6))}},
			{Vars: []*context.Variable{gctx.In("head").VariableWithValue("w", randTensor(2, 6, 3)),
				gctx.In("head").VariableWithValue("b", randTensor(3, 3))}, LRMult: 10},
		},
		disc: []Group{{Vars: []*context.Variable{
			dctx.VariableWithValue("w", randTensor(4, 3, 1)), dctx.VariableWithValue("b", randTensor(5, 1)),
		}}},
		seg: NewSGD(SGDConfig{LR: 0.05, Momentum: 0.9, WeightDecay: 5e-4}, "seg_opt"),
		adv: NewAdam(AdamConfig{LR: 0.01, Beta1: 0.9, Beta2: 0.99}, "disc_opt"),
	}
}

func (s *ganSetup) generate(z *graph.Node) *graph.Node {
	g := z.Graph()
	h := graph.Tanh(graph.MatMul(z, s.gen[0].Vars[0].ValueGraph(g)))
	return graph.Add(graph.MatMul(h, s.gen[1].Vars[0].ValueGraph(g)), graph.InsertAxes(s.gen[1].Vars[1].ValueGraph(g), 0))
}

func (s *ganSetup) discriminate(x *graph.Node) *graph.Node {
	g := x.Graph()
	return graph.Add(graph.MatMul(x, s.disc[0].Vars[0].ValueGraph(g)), graph.InsertAxes(s.disc[0].Vars[1].ValueGraph(g), 0))
}

// step builds one iteration: zs are source-like and zt target-like inputs; updateGen and
// updateDisc select which optimizer runs. Returns the two losses.
func (s *ganSetup) step(ctx *context.Context, zs, zt, it *graph.Node, updateGen, updateDisc bool) (*graph.Node, *graph.Node) {
	ft, fs := s.generate(zt), s.generate(zs)
	lossG := losses.LSGAN(s.discriminate(ft), 0, nil) // push target outputs toward source (0)
	lossD := graph.Add(losses.LSGAN(s.discriminate(graph.StopGradient(fs)), 0, nil),
		losses.LSGAN(s.discriminate(graph.StopGradient(ft)), 1, nil))
	gradsG, gradsD := Gradients(lossG, s.gen), Gradients(lossD, s.disc)
	scale := Poly(it, 100, 0.9)
	if updateGen {
		s.seg.Apply(ctx, s.gen, gradsG, scale)
	}
	if updateDisc {
		s.adv.Apply(ctx, s.disc, gradsD, scale)
	}
	return lossG, lossD
}

// runGAN runs steps iterations from the toy GAN's fixed start and returns the context.
func runGAN(t *testing.T, b backends.Backend, steps int, updateGen, updateDisc bool) (*context.Context, *ganSetup) {
	t.Helper()
	ctx := context.New()
	s := newGAN(ctx)
	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, zs, zt, it *graph.Node) (*graph.Node, *graph.Node) {
		return s.step(ctx, zs, zt, it, updateGen, updateDisc)
	})
	withTimeout(t, time.Minute, func() {
		for it := 0; it < steps; it++ {
			exec.MustExec(randTensor(uint64(100+it), 5, 4), randTensor(uint64(200+it), 5, 4), int32(it))
		}
	})
	return ctx, s
}

// values returns the float32 contents of vars.
func values(t *testing.T, vars []*context.Variable) [][]float32 {
	t.Helper()
	out := make([][]float32, len(vars))
	for i, v := range vars {
		out[i] = bits(t, v.MustValue())
	}
	return out
}

func sameValues(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalBits(a[i], b[i]) {
			return false
		}
	}
	return true
}

// TestGANStepDisjointSets runs the generator's SGD and the discriminator's Adam in one graph
// execution and checks each update leaves the other variable set bit-identical: over several
// steps the generator-only graph never changes D and the discriminator-only graph never changes G,
// and one combined step equals the generator-only step on G and the discriminator-only step on D.
// (After the first step the sets interact through the losses, so only step 1 can be compared.)
func TestGANStepDisjointSets(t *testing.T) {
	b := newBackend(t)
	init := newGAN(context.New())
	genInit, discInit := values(t, Vars(init.gen)), values(t, Vars(init.disc))

	_, sg3 := runGAN(t, b, 3, true, false)
	_, sd3 := runGAN(t, b, 3, false, true)
	if !sameValues(values(t, Vars(sg3.disc)), discInit) {
		t.Error("3 generator steps changed the discriminator's variables")
	}
	if !sameValues(values(t, Vars(sd3.gen)), genInit) {
		t.Error("3 discriminator steps changed the generator's variables")
	}

	both, sb := runGAN(t, b, 1, true, true)
	onlyG, sg := runGAN(t, b, 1, true, false)
	onlyD, sd := runGAN(t, b, 1, false, true)

	if !sameValues(values(t, Vars(sg.disc)), discInit) {
		t.Error("the generator's SGD changed the discriminator's variables")
	}
	if !sameValues(values(t, Vars(sd.gen)), genInit) {
		t.Error("the discriminator's Adam changed the generator's variables")
	}
	if sameValues(values(t, Vars(sb.gen)), genInit) || sameValues(values(t, Vars(sb.disc)), discInit) {
		t.Fatal("the combined step did not update both variable sets")
	}
	if !sameValues(values(t, Vars(sb.gen)), values(t, Vars(sg.gen))) {
		t.Error("combined step: generator differs from the generator-only step")
	}
	if !sameValues(values(t, Vars(sb.disc)), values(t, Vars(sd.disc))) {
		t.Error("combined step: discriminator differs from the discriminator-only step")
	}
	// Each optimizer's state lives in its own scope; the other optimizer never creates any.
	for _, tc := range []struct {
		ctx       *context.Context
		seg, disc bool
	}{{both, true, true}, {onlyG, true, false}, {onlyD, false, true}} {
		if got := hasScope(tc.ctx, "/seg_opt"); got != tc.seg {
			t.Errorf("state under /seg_opt: %v, want %v", got, tc.seg)
		}
		if got := hasScope(tc.ctx, "/disc_opt"); got != tc.disc {
			t.Errorf("state under /disc_opt: %v, want %v", got, tc.disc)
		}
	}
	// Slots are non-trainable.
	for v := range both.IterVariables() {
		if isUnder(v.Scope(), "/seg_opt") || isUnder(v.Scope(), "/disc_opt") {
			if v.Trainable {
				t.Errorf("optimizer state %s is trainable", v.ScopeAndName())
			}
		}
	}
}

func isUnder(scope, prefix string) bool {
	return scope == prefix || len(scope) > len(prefix) && scope[:len(prefix)+1] == prefix+"/"
}

func hasScope(ctx *context.Context, prefix string) bool {
	for v := range ctx.IterVariables() {
		if isUnder(v.Scope(), prefix) {
			return true
		}
	}
	return false
}
