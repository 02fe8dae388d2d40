package nn

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestConvLayerVariables(t *testing.T) {
	for _, tc := range []struct {
		name     string
		layer    ConvLayer
		wantBias bool
		bound    float64 // weights must lie in ±bound (uniform init), 0 = skip
		std      float64 // expected weight std (normal init), 0 = skip
		zeroBias bool
	}{
		{"torch-default", ConvLayer{Out: 32, Kernel: 3, Padding: 1, Bias: true}, true, 1 / math.Sqrt(8*9), 0, false},
		{"normal", ConvLayer{Out: 32, Kernel: 3, Padding: 2, Dilation: 2, Bias: true, Init: InitNormal, Std: 0.01}, true, 0, 0.01, true},
		{"kaiming-nobias", ConvLayer{Out: 32, Kernel: 4, Stride: 2, Padding: 1, Init: InitKaiming}, false, 0, math.Sqrt(2.0 / (8 * 16)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.New()
			ctx.SetParam(context.ParamInitialSeed, int64(3))
			x := randTensor(newRNG(), 1, 8, 8, 8)
			withTimeout(t, time.Minute, func() {
				exec := context.MustNewExec(testBackend(t), ctx.In("layer"), func(ctx *context.Context, x *graph.Node) *graph.Node {
					return Conv(ctx, x, tc.layer)
				})
				y := exec.MustExec(x)[0]
				wv := ctx.In("layer").GetVariable(VarWeights)
				if wv == nil || !wv.Trainable {
					t.Fatalf("weights variable missing or not trainable")
				}
				if d := wv.Shape().Dimensions; d[0] != tc.layer.Kernel || d[1] != tc.layer.Kernel || d[2] != 8 || d[3] != 32 {
					t.Errorf("weights shape %v", d)
				}
				bv := ctx.In("layer").GetVariable(VarBias)
				if (bv != nil) != tc.wantBias {
					t.Fatalf("bias variable present=%v, want %v", bv != nil, tc.wantBias)
				}
				wt, _ := wv.Value()
				ws := flat64(wt)
				var ss float64
				for _, v := range ws {
					ss += v * v
					if tc.bound > 0 && math.Abs(v) > tc.bound {
						t.Fatalf("weight %g outside ±%g", v, tc.bound)
					}
				}
				if std := math.Sqrt(ss / float64(len(ws))); tc.std > 0 && math.Abs(std-tc.std) > 0.15*tc.std {
					t.Errorf("weight std %g, want about %g", std, tc.std)
				}
				var bt *tensors.Tensor
				if bv != nil {
					bt, _ = bv.Value()
					for _, v := range flat64(bt) {
						if tc.zeroBias && v != 0 {
							t.Fatalf("bias %g, want 0", v)
						}
					}
				}
				// The layer's output is Conv2D with its variables.
				want := graph.MustExecOnce(testBackend(t), func(x, w *graph.Node) *graph.Node {
					return Conv2D(x, w, nil, tc.layer.Opts())
				}, x, wt)
				wf := flat64(want)
				if bt != nil {
					bs := flat64(bt)
					for i := range wf {
						wf[i] += bs[i%32]
					}
				}
				if e := relErr(flat64(y), wf); e > 1e-12 {
					t.Errorf("output relative error %.3g vs Conv2D", e)
				}
			})
		})
	}
}

func TestFrozenBNVariables(t *testing.T) {
	ctx := context.New()
	x := randTensor(newRNG(), 1, 2, 2, 5)
	withTimeout(t, time.Minute, func() {
		exec := context.MustNewExec(testBackend(t), ctx.In("bn"), func(ctx *context.Context, x *graph.Node) *graph.Node {
			return FrozenBN(ctx, x, 1e-5)
		})
		y := exec.MustExec(x)[0]
		for _, name := range []string{VarMean, VarVariance, VarGamma, VarBeta} {
			v := ctx.In("bn").GetVariable(name)
			if v == nil || v.Trainable || v.Shape().Dimensions[0] != 5 {
				t.Errorf("variable %q: %v (want non-trainable [5])", name, v)
			}
		}
		// Initial values make it the identity up to eps.
		if e := relErr(flat64(y), flat64(x)); e > 1e-5 {
			t.Errorf("initial FrozenBN is not ~identity: relative error %.3g", e)
		}
	})
}
