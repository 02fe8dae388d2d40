package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/backend/fastgo"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// TestImplicitConvVJPApplies checks that nn's gradient replaces GoMLX's exactly for the
// convolutions it is written for, reading their parameters back as they were built.
func TestImplicitConvVJPApplies(t *testing.T) {
	g := graph.NewGraph(testBackend(t), "vjp")
	x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 2, 9, 8, 4))
	for _, tc := range []struct {
		name  string
		k     int
		o     ConvOpts
		wants bool
	}{
		{"3x3 same", 3, SamePad(3, 1, 1), true},
		{"3x3 dilation 2, asymmetric", 3, ConvOpts{DilationH: 2, DilationW: 1, PadTop: 4, PadBottom: 0, PadLeft: 0, PadRight: 2}, true},
		{"1x1", 1, ConvOpts{}, true},
		{"stride 2", 3, SamePad(3, 2, 1), false},
		{"padding beyond the kernel's reach", 3, ConvOpts{PadTop: 3, PadBottom: 1, PadLeft: 1, PadRight: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := graph.Parameter(g, "w"+tc.name, shapes.Make(dtypes.Float32, tc.k, tc.k, 4, 5))
			y := convNative(x, w, tc.o.normalized())
			p, ok := readConvParams(y)
			if !ok {
				t.Fatal("readConvParams cannot read a ConvGeneral node")
			}
			o := tc.o.normalized()
			want := convParams{axes: fastgo.ConvAxes(), strides: []int{o.StrideH, o.StrideW}, inputDilations: []int{1, 1},
				dilations: []int{o.DilationH, o.DilationW}, paddings: [][2]int{{o.PadTop, o.PadBottom}, {o.PadLeft, o.PadRight}},
				channelGroups: 1, batchGroups: 1}
			if fmt.Sprint(p) != fmt.Sprint(want) {
				t.Fatalf("read %+v, built %+v", p, want)
			}
			v := graph.OnesLike(y)
			grads := implicitConvVJP(y, v)
			if (grads != nil) != tc.wants {
				t.Fatalf("implicitConvVJP returned %d gradients, want them: %v", len(grads), tc.wants)
			}
			if grads != nil && (!grads[0].Shape().Equal(x.Shape()) || !grads[1].Shape().Equal(w.Shape())) {
				t.Fatalf("gradient shapes %s, %s; want %s, %s", grads[0].Shape(), grads[1].Shape(), x.Shape(), w.Shape())
			}
		})
	}
}

// TestImplicitConvFloat32 compares the float32 gradients of layer-sized convolutions computed
// by the implicit GEMM (ConvNative on the pure-Go backend, through core/backend/fastgo's
// executor) with im2col's, and both with a float64 direct loop's forward result.
func TestImplicitConvFloat32(t *testing.T) {
	if !fastgo.ConvActive() {
		t.Skipf("implicit-GEMM convolutions inactive here: %s", fastgo.Status())
	}
	rng := rand.New(rand.NewPCG(30, 31))
	for _, tc := range []struct {
		n, h, w, cin, cout, k int
		o                     ConvOpts
	}{
		{2, 33, 40, 32, 24, 3, SamePad(3, 1, 2)},
		{1, 30, 31, 3, 16, 3, SamePad(3, 1, 1)},
		{1, 21, 17, 19, 64, 3, ConvOpts{PadTop: 2, PadBottom: 0, PadLeft: 1, PadRight: 1}},
	} {
		t.Run(fmt.Sprintf("%dx%dx%d_%dto%d_%+v", tc.n, tc.h, tc.w, tc.cin, tc.cout, tc.o), func(t *testing.T) {
			x := toFloat32(randTensor(rng, tc.n, tc.h, tc.w, tc.cin))
			w := toFloat32(randTensor(rng, tc.k, tc.k, tc.cin, tc.cout))
			o := tc.o.normalized()
			ho, wo := o.OutputSize(tc.h, tc.w, tc.k, tc.k)
			probe := toFloat32(randTensor(rng, tc.n, ho, wo, tc.cout))
			run := func(impl ConvImpl) [][]float32 {
				var out [][]float32
				withTimeout(t, time.Minute, func() {
					res := graph.MustExecOnceN(testBackend(t), func(x, w, p *graph.Node) []*graph.Node {
						y := Conv2DWith(x, w, nil, o, impl)
						grads := graph.Gradient(graph.ReduceAllSum(graph.Mul(y, p)), x, w)
						return []*graph.Node{y, grads[0], grads[1]}
					}, x, w, probe)
					for _, r := range res {
						out = append(out, tensors.MustCopyFlatData[float32](r))
					}
				})
				return out
			}
			implicit, im2col := run(ConvNative), run(ConvIm2Col)
			for i, what := range []string{"output", "input gradient", "kernel gradient"} {
				if e := relErr32(implicit[i], im2col[i]); e > 1e-5 {
					t.Errorf("%s: relative difference %.3g between implicit GEMM and im2col", what, e)
				}
			}
		})
	}
}

func toFloat32(t *tensors.Tensor) *tensors.Tensor {
	v := flat64(t)
	f := make([]float32, len(v))
	for i := range v {
		f[i] = float32(v[i])
	}
	return tensors.FromFlatDataAndDimensions(f, t.Shape().Dimensions...)
}

// relErr32 is the norm-wise relative difference of a and b.
func relErr32(a, b []float32) float64 {
	var num, den float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		num += d * d
		den += float64(b[i]) * float64(b[i])
	}
	return math.Sqrt(num / math.Max(den, 1e-300))
}
