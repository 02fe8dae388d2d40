package resnet

import (
	"math"
	"testing"

	"github.com/dast-uda/dast/core/nn"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TestBatchStatsBN checks train-mode batch norm against a host computation: the output is
// normalised with the batch mean and biased variance per channel, the running statistics move
// by momentum 0.1 towards the mean and the unbiased variance, and a graph not marked as
// training uses the running statistics.
func TestBatchStatsBN(t *testing.T) {
	b := goBackend(t)
	const n, h, w, c = 2, 2, 3, 2
	x := make([]float32, n*h*w*c)
	for i := range x {
		x[i] = float32((i*7)%11) - 3 + float32(i%c)*5
	}
	// Host statistics per channel.
	cnt := float64(n * h * w)
	mean, sq := make([]float64, c), make([]float64, c)
	for i, v := range x {
		mean[i%c] += float64(v) / cnt
	}
	for i, v := range x {
		d := float64(v) - mean[i%c]
		sq[i%c] += d * d
	}
	ctx := context.New().Checked(false)
	train := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), true)
		return batchStatsBN(ctx.In("bn"), x, bnEps)
	})
	y, err := train.Exec1(tensors.FromFlatDataAndDimensions(x, n, h, w, c))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](y)
	for i, v := range x {
		ch := i % c
		want := (float64(v) - mean[ch]) / math.Sqrt(sq[ch]/cnt+bnEps)
		if math.Abs(float64(got[i])-want) > 1e-4 {
			t.Fatalf("y[%d] = %v, want %v", i, got[i], want)
		}
	}
	stat := func(name string) []float32 {
		return tensors.MustCopyFlatData[float32](ctx.GetVariableByScopeAndName("/bn", name).MustValue())
	}
	rm, rv := stat(nn.VarMean), stat(nn.VarVariance)
	for ch := range c {
		wantM, wantV := 0.1*mean[ch], 0.9+0.1*sq[ch]/(cnt-1)
		if math.Abs(float64(rm[ch])-wantM) > 1e-5 || math.Abs(float64(rv[ch])-wantV) > 1e-4 {
			t.Errorf("channel %d: running mean %v var %v, want %v %v", ch, rm[ch], rv[ch], wantM, wantV)
		}
	}
	eval := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
		return batchStatsBN(ctx.In("bn"), x, bnEps)
	})
	y, err = eval.Exec1(tensors.FromFlatDataAndDimensions(x, n, h, w, c))
	if err != nil {
		t.Fatal(err)
	}
	got = tensors.MustCopyFlatData[float32](y)
	for i, v := range x {
		ch := i % c
		want := (float64(v) - float64(rm[ch])) / math.Sqrt(float64(rv[ch])+bnEps)
		if math.Abs(float64(got[i])-want) > 1e-4 {
			t.Fatalf("eval y[%d] = %v, want %v", i, got[i], want)
		}
	}
	if m := stat(nn.VarMean); m[0] != rm[0] {
		t.Errorf("evaluation moved the running mean: %v -> %v", rm[0], m[0])
	}
}

// TestBatchStatsBNGradient compares the input gradient of sum(r * BN(x)) in training mode,
// which flows through the batch statistics, with central finite differences.
func TestBatchStatsBNGradient(t *testing.T) {
	b := goBackend(t)
	const n, h, w, c = 1, 2, 3, 2
	x := make([]float32, n*h*w*c)
	r := make([]float32, len(x))
	for i := range x {
		x[i] = float32((i*5)%7) - 2 + 0.5*float32(i%c)
		r[i] = float32((i*3)%5) - 1.5
	}
	loss := func(ctx *context.Context, x, r *graph.Node) *graph.Node {
		ctx.SetTraining(x.Graph(), true)
		return graph.ReduceAllSum(graph.Mul(r, batchStatsBN(ctx.In("bn"), x, bnEps)))
	}
	ctx := context.New().Checked(false)
	grad := context.MustNewExec(b, ctx, func(ctx *context.Context, x, r *graph.Node) *graph.Node {
		return graph.Gradient(loss(ctx, x, r), x)[0]
	})
	fwd := context.MustNewExec(b, ctx, loss)
	rt := tensors.FromFlatDataAndDimensions(r, n, h, w, c)
	gt, err := grad.Exec1(tensors.FromFlatDataAndDimensions(x, n, h, w, c), rt)
	if err != nil {
		t.Fatal(err)
	}
	g := tensors.MustCopyFlatData[float32](gt)
	const eps = 1e-2
	for i := range x {
		at := func(d float32) float64 {
			xs := append([]float32(nil), x...)
			xs[i] += d
			v, err := fwd.Exec1(tensors.FromFlatDataAndDimensions(xs, n, h, w, c), rt)
			if err != nil {
				t.Fatal(err)
			}
			return float64(tensors.ToScalar[float32](v))
		}
		fd := (at(eps) - at(-eps)) / (2 * eps)
		if math.Abs(fd-float64(g[i])) > 2e-2*max(1, math.Abs(fd)) {
			t.Errorf("d/dx[%d]: graph %v, finite differences %v", i, g[i], fd)
		}
	}
}
