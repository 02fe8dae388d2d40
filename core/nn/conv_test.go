package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// directConv is a plain loop reference: x [N,H,W,Cin], w [KH,KW,Cin,Cout].
func directConv(x, w []float64, n, h, wd, cin, kh, kw, cout int, o ConvOpts) ([]float64, int, int) {
	o = o.normalized()
	ho, wo := o.OutputSize(h, wd, kh, kw)
	y := make([]float64, n*ho*wo*cout)
	for b := range n {
		for oy := range ho {
			for ox := range wo {
				for ky := range kh {
					iy := oy*o.StrideH - o.PadTop + ky*o.DilationH
					if iy < 0 || iy >= h {
						continue
					}
					for kx := range kw {
						ix := ox*o.StrideW - o.PadLeft + kx*o.DilationW
						if ix < 0 || ix >= wd {
							continue
						}
						for ci := range cin {
							xv := x[((b*h+iy)*wd+ix)*cin+ci]
							for co := range cout {
								y[((b*ho+oy)*wo+ox)*cout+co] += xv * w[((ky*kw+kx)*cin+ci)*cout+co]
							}
						}
					}
				}
			}
		}
	}
	return y, ho, wo
}

type convCase struct {
	name      string
	n, h, w   int
	cin, cout int
	kh, kw    int
	o         ConvOpts
	impls     []ConvImpl
}

var convCases = []convCase{
	{"k3s1d1", 1, 7, 6, 2, 3, 3, 3, SamePad(3, 1, 1), []ConvImpl{ConvIm2Col, ConvNative, ConvWinograd, ConvWinograd6}},
	{"k3s1d2", 2, 9, 8, 2, 2, 3, 3, SamePad(3, 1, 2), []ConvImpl{ConvIm2Col, ConvNative, ConvWinograd, ConvWinograd6}},
	{"k3s1d4", 1, 11, 10, 2, 2, 3, 3, SamePad(3, 1, 4), []ConvImpl{ConvIm2Col, ConvNative, ConvWinograd, ConvWinograd6}},
	{"k3s2", 1, 9, 8, 2, 3, 3, 3, SamePad(3, 2, 1), []ConvImpl{ConvIm2Col}},
	{"k1s1", 2, 5, 4, 3, 2, 1, 1, ConvOpts{}, []ConvImpl{ConvIm2Col, ConvNative}},
	{"k1s2", 1, 5, 5, 3, 2, 1, 1, ConvOpts{StrideH: 2, StrideW: 2}, []ConvImpl{ConvIm2Col}},
	{"k4s2p1", 1, 8, 6, 2, 3, 4, 4, ConvOpts{StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}, []ConvImpl{ConvIm2Col}},
	{"k7s2p3", 1, 11, 9, 2, 2, 7, 7, SamePad(7, 2, 1), []ConvImpl{ConvIm2Col}},
	{"k3asym", 1, 6, 7, 2, 2, 3, 3, ConvOpts{PadTop: 0, PadBottom: 2, PadLeft: 1, PadRight: 0}, []ConvImpl{ConvIm2Col, ConvNative, ConvWinograd, ConvWinograd6}},
	{"k3asym-d2", 1, 10, 9, 2, 2, 3, 3, ConvOpts{DilationH: 2, DilationW: 1, PadTop: 3, PadBottom: 0, PadLeft: 0, PadRight: 2}, []ConvImpl{ConvIm2Col, ConvNative, ConvWinograd, ConvWinograd6}},
}

func (c convCase) inputs(rng *rand.Rand) []*tensors.Tensor {
	return []*tensors.Tensor{randTensor(rng, c.n, c.h, c.w, c.cin), randTensor(rng, c.kh, c.kw, c.cin, c.cout), randTensor(rng, c.cout)}
}

func TestConv2DForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range convCases {
		in := c.inputs(rng)
		want, _, _ := directConv(flat64(in[0]), flat64(in[1]), c.n, c.h, c.w, c.cin, c.kh, c.kw, c.cout, c.o)
		bias := flat64(in[2])
		for i := range want {
			want[i] += bias[i%c.cout]
		}
		for _, impl := range c.impls {
			t.Run(fmt.Sprintf("%s/impl%d", c.name, impl), func(t *testing.T) {
				withTimeout(t, time.Minute, func() {
					y := graph.MustExecOnce(testBackend(t), func(x, w, b *graph.Node) *graph.Node {
						return Conv2DWith(x, w, b, c.o, impl)
					}, in[0], in[1], in[2])
					if e := relErr(flat64(y), want); e > 1e-10 {
						t.Errorf("relative error %.3g vs direct loop", e)
					}
				})
			})
		}
	}
}

// TestConvNativeForward checks the XLA path's ConvGeneral axis configuration on the pure-Go
// backend, where ConvGeneral runs forward (without a gradient).
func TestConvNativeForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	for _, c := range convCases {
		t.Run(c.name, func(t *testing.T) {
			in := c.inputs(rng)
			want, _, _ := directConv(flat64(in[0]), flat64(in[1]), c.n, c.h, c.w, c.cin, c.kh, c.kw, c.cout, c.o)
			withTimeout(t, time.Minute, func() {
				y := graph.MustExecOnce(testBackend(t), func(x, w *graph.Node) *graph.Node {
					return Conv2DWith(x, w, nil, c.o, ConvNative)
				}, in[0], in[1])
				if e := relErr(flat64(y), want); e > 1e-10 {
					t.Errorf("relative error %.3g vs direct loop", e)
				}
			})
		})
	}
}

func TestConv2DGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range convCases {
		in := c.inputs(rng)
		for _, impl := range c.impls {
			t.Run(fmt.Sprintf("%s/impl%d", c.name, impl), func(t *testing.T) {
				withTimeout(t, time.Minute, func() {
					checkGradients(t, func(in []*graph.Node) *graph.Node {
						return Conv2DWith(in[0], in[1], in[2], c.o, impl)
					}, in, 12, 1e-6)
				})
			})
		}
	}
}

// TestWinogradFloat32Accuracy checks the float32 Winograd path against a float64 direct loop
// on layer-sized channel counts: the norm-wise relative error must stay below 1e-4.
func TestWinogradFloat32Accuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	for _, tc := range []struct {
		d    int
		impl ConvImpl
	}{{1, ConvWinograd}, {2, ConvWinograd}, {4, ConvWinograd}, {1, ConvWinograd6}, {2, ConvWinograd6}, {4, ConvWinograd6}} {
		d := tc.d
		t.Run(fmt.Sprintf("d%d/impl%d", d, tc.impl), func(t *testing.T) {
			const n, h, w, cin, cout = 1, 19, 22, 64, 32
			o := SamePad(3, 1, d)
			x64, w64 := flat64(randTensor(rng, n, h, w, cin)), flat64(randTensor(rng, 3, 3, cin, cout))
			want, _, _ := directConv(x64, w64, n, h, w, cin, 3, 3, cout, o)
			toF32 := func(v []float64, dims ...int) *tensors.Tensor {
				f := make([]float32, len(v))
				for i := range v {
					f[i] = float32(v[i])
				}
				return tensors.FromFlatDataAndDimensions(f, dims...)
			}
			withTimeout(t, time.Minute, func() {
				y := graph.MustExecOnce(testBackend(t), func(x, w *graph.Node) *graph.Node {
					return Conv2DWith(x, w, nil, o, tc.impl)
				}, toF32(x64, n, h, w, cin), toF32(w64, 3, 3, cin, cout))
				got32 := tensors.MustCopyFlatData[float32](y)
				got := make([]float64, len(got32))
				for i, v := range got32 {
					got[i] = float64(v)
				}
				e := relErr(got, want)
				t.Logf("float32 Winograd impl %d, dilation %d: relative error %.2g", tc.impl, d, e)
				if e > 1e-4 {
					t.Errorf("relative error %.3g > 1e-4", e)
				}
			})
		})
	}
}

func TestChooseConv(t *testing.T) {
	b := testBackend(t)
	for _, tc := range []struct {
		name         string
		h, w         int
		cin, cout, k int
		o            ConvOpts
		want         ConvImpl // with GoMLX's kernels
		implicit     bool     // with dast's implicit GEMM: the native op, else im2col
	}{
		{"3x3 64ch 128x128", 128, 128, 64, 64, 3, SamePad(3, 1, 1), ConvWinograd6, true},
		{"3x3 64ch dilation 2", 128, 128, 64, 64, 3, SamePad(3, 1, 2), ConvWinograd6, true},
		{"3x3 3ch input layer", 128, 128, 3, 64, 3, SamePad(3, 1, 1), ConvIm2Col, true},
		{"3x3 to 1 channel", 64, 64, 64, 1, 3, SamePad(3, 1, 1), ConvIm2Col, true},
		{"3x3 stride 2", 64, 64, 64, 64, 3, SamePad(3, 2, 1), ConvIm2Col, false},
		{"4x4 stride 2", 64, 64, 64, 64, 4, ConvOpts{StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}, ConvIm2Col, false},
		{"ASPP dilation 24 on 65x129", 65, 129, 64, 19, 3, SamePad(3, 1, 24), ConvIm2Col, true},
		{"12x12 map", 12, 12, 32, 32, 3, SamePad(3, 1, 1), ConvWinograd6, true},
		{"8x8 map", 8, 8, 32, 32, 3, SamePad(3, 1, 1), ConvWinograd, true},
		{"1x1", 16, 16, 32, 32, 1, ConvOpts{}, ConvIm2Col, false},
		{"3x3 padded beyond its reach", 16, 16, 32, 32, 3, ConvOpts{PadTop: 3, PadBottom: 3, PadLeft: 1, PadRight: 1}, ConvWinograd6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := graph.NewGraph(b, "choose")
			x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, tc.h, tc.w, tc.cin))
			w := graph.Parameter(g, "w", shapes.Make(dtypes.Float32, tc.k, tc.k, tc.cin, tc.cout))
			o := tc.o.normalized()
			if got := chooseConvWith(x, w, o, false, false); got != tc.want {
				t.Errorf("with GoMLX's kernels: chooseConv = %d, want %d", got, tc.want)
			}
			// With dast's SGEMM alone the one large im2col product wins everywhere.
			if got := chooseConvWith(x, w, o, true, false); got != ConvIm2Col {
				t.Errorf("with the fast SGEMM: chooseConv = %d, want im2col (%d)", got, ConvIm2Col)
			}
			want := ConvIm2Col
			if tc.implicit {
				want = ConvNative
			}
			if got := chooseConvWith(x, w, o, true, true); got != want {
				t.Errorf("with the implicit GEMM: chooseConv = %d, want %d", got, want)
			}
		})
	}
}
