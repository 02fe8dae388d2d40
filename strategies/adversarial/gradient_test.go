package adversarial

import (
	"testing"

	"github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/discriminators/corrector"
	"github.com/dast-uda/dast/discriminators/discoverer"
	"github.com/dast-uda/dast/objectives"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestDiscriminatorLossDoesNotReachSegmentor builds the DA graph and takes the gradient of the
// discriminators' losses with respect to every segmentor variable: it must be exactly zero. As a
// control, the segmentor's adversarial term of the same graph has a non-zero gradient there.
func TestDiscriminatorLossDoesNotReachSegmentor(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	segCfg := &small.Config{Widths: []int{4, 8, 16}, ASPPDilations: []int{1, 2}, ASPP: "full", InputScale: 1.0 / 58}
	seg, err := segCfg.NewSegmentor(19)
	if err != nil {
		t.Fatal(err)
	}
	dc := &discoverer.Config{Channels: []int{8, 4, 4}, ChannelsFrom: discoverer.FromList, Activation: "leaky_relu", Slope: 0.2}
	d, err := dc.NewDiscriminator(16)
	if err != nil {
		t.Fatal(err)
	}
	cc := &corrector.Config{Channels: []int{4, 8, 8, 8}, Slope: 0.2}
	c, err := cc.NewDiscriminator(19)
	if err != nil {
		t.Fatal(err)
	}
	a := &Adversarial{opts: Options{LambdaD: 1, LambdaC: 1, Discoverer: true, Attention: true, AttentionGrad: true, CorrectorWeighting: "attention"},
		gan: objectives.LSGAN{}, discoverer: d, corrector: c}

	ctx := context.New().Checked(false)
	ctx.SetRNGStateFromSeed(1)
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, xs, xt *graph.Node) []*graph.Node {
		s := &train.Step{Ctx: ctx, Seg: seg}
		fs, ft := s.Features(xs), s.Features(xt)
		ps := s.Logits(fs)
		alpha := attentionOf(a, s, ft)
		pt := s.Logits(ft)
		qs, qt := probabilities(ps, xs), probabilities(pt, xt)
		lossC, lossD := a.discriminatorLosses(s, fs, ft, qs, qt)
		adv := a.gan.Loss(c.Apply(a.cCtx(s), qt), SourceLabel, nil)
		adv = graph.Add(adv, a.gan.Loss(d.Apply(a.dCtx(s), ft), SourceLabel, alpha))
		var nodes []*graph.Node
		for _, v := range train.TrainableUnder(ctx, "/segmentor") {
			nodes = append(nodes, v.ValueGraph(xs.Graph()))
		}
		sumAbs := func(gs []*graph.Node) *graph.Node {
			total := graph.ScalarZero(xs.Graph(), xs.DType())
			for _, g := range gs {
				total = graph.Add(total, graph.ReduceAllSum(graph.Abs(g)))
			}
			return total
		}
		return []*graph.Node{
			sumAbs(graph.Gradient(graph.Add(lossC, lossD), nodes...)),
			sumAbs(graph.Gradient(adv, nodes...)),
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*32*64*3)
	for i := range x {
		x[i] = float32(i%251) - 125
	}
	xs := tensors.FromFlatDataAndDimensions(x, 2, 32, 64, 3)
	for i := range x {
		x[i] = float32((i*7)%253) - 126
	}
	xt := tensors.FromFlatDataAndDimensions(x, 2, 32, 64, 3)
	out, err := e.Exec(xs, xt)
	if err != nil {
		t.Fatal(err)
	}
	if g := out[0].Value().(float32); g != 0 {
		t.Errorf("sum |d(L_D + L_C)/d segmentor| = %g, want exactly 0", g)
	}
	if g := out[1].Value().(float32); g == 0 {
		t.Error("control: the adversarial term has no gradient into the segmentor either; the test would prove nothing")
	}
}

func attentionOf(a *Adversarial, s *train.Step, ft *graph.Node) *graph.Node {
	return graph.Abs(graph.Tanh(a.discoverer.Apply(a.dCtx(s), ft)))
}
