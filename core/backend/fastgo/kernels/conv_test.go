package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// convGeometries covers in-place and copied row panels (panels crossing image rows, padding on
// every side, partial last panels), both forward forms (tap by tap from 16 input channels,
// whole patches below), strides, dilations, asymmetric and zero padding, Cout below, at and
// above the register tile's width, and weight gradients with one and with several depth slices.
var convGeometries = []ConvGeometry{
	geom(1, 5, 7, 3, 3, 3, 4, 1, 1, 1, 1, 1),
	geom(2, 9, 13, 16, 3, 3, 19, 1, 1, 2, 2, 2),
	geom(1, 12, 24, 20, 3, 3, 32, 1, 1, 1, 1, 0),
	geom(2, 8, 8, 17, 1, 1, 33, 1, 1, 1, 1, 0),
	geom(1, 11, 10, 24, 3, 3, 40, 2, 2, 1, 1, 1),
	geom(1, 10, 14, 16, 4, 4, 8, 2, 2, 1, 1, 1),
	geom(1, 9, 9, 18, 3, 5, 16, 1, 1, 3, 1, 3),
	geom(2, 64, 72, 16, 3, 3, 12, 1, 1, 1, 1, 1), // 9216 output positions: depth slices
	geom(1, 7, 6, 5, 5, 5, 6, 1, 1, 1, 1, 4),     // padding wider than the kernel's reach
}

// geom is a geometry with square strides s, dilations d and padding p before and after the
// image (Ho, Wo from them).
func geom(n, h, w, cin, kh, kw, cout, sh, sw, dh, dw, p int) ConvGeometry {
	return ConvGeometry{N: n, H: h, W: w, Cin: cin, KH: kh, KW: kw, Cout: cout,
		Ho: (h+2*p-dh*(kh-1)-1)/sh + 1, Wo: (w+2*p-dw*(kw-1)-1)/sw + 1,
		StrideH: sh, StrideW: sw, DilationH: dh, DilationW: dw, PadTop: p, PadLeft: p}
}

// convReference is the convolution and its kernel gradient by their definition, in float64.
func convReference(g ConvGeometry, x, w, dy []float32) (y, dw []float64) {
	y = make([]float64, g.N*g.Ho*g.Wo*g.Cout)
	dw = make([]float64, g.KH*g.KW*g.Cin*g.Cout)
	for b := range g.N {
		for oy := range g.Ho {
			for ox := range g.Wo {
				m := (b*g.Ho+oy)*g.Wo + ox
				for ky := range g.KH {
					iy := oy*g.StrideH - g.PadTop + ky*g.DilationH
					for kx := range g.KW {
						ix := ox*g.StrideW - g.PadLeft + kx*g.DilationW
						if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
							continue
						}
						for ci := range g.Cin {
							xv := float64(x[((b*g.H+iy)*g.W+ix)*g.Cin+ci])
							for co := range g.Cout {
								wi := ((ky*g.KW+kx)*g.Cin+ci)*g.Cout + co
								y[m*g.Cout+co] += xv * float64(w[wi])
								dw[wi] += xv * float64(dy[m*g.Cout+co])
							}
						}
					}
				}
			}
		}
	}
	return y, dw
}

// TestConvPathsMatchDefinition runs ConvForward and ConvWeightGrad on every micro-kernel this
// CPU supports against the float64 definition.
func TestConvPathsMatchDefinition(t *testing.T) {
	for _, kern := range kernels {
		t.Run(kern.name, func(t *testing.T) {
			if !kern.supported {
				t.Skipf("this CPU cannot run %s (%s)", kern.name, kern.desc)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			for _, g := range convGeometries {
				if err := g.Check(); err != nil {
					t.Fatal(err)
				}
				x := randSlice(rng, g.N*g.H*g.W*g.Cin)
				w := randSlice(rng, g.KH*g.KW*g.Cin*g.Cout)
				dy := randSlice(rng, g.N*g.Ho*g.Wo*g.Cout)
				y := filled(g.N*g.Ho*g.Wo*g.Cout, 99) // overwritten, not accumulated
				dw := filled(len(w), 99)
				convForward(kern, g, x, w, y)
				convWeightGrad(kern, g, x, dy, dw)
				wantY, wantDW := convReference(g, x, w, dy)
				name := fmt.Sprintf("%+v", g)
				closeTo(t, name+" forward", y, wantY, g.KH*g.KW*g.Cin)
				closeTo(t, name+" weight gradient", dw, wantDW, g.N*g.Ho*g.Wo)
			}
		})
	}
}

// filled is n copies of v.
func filled(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// closeTo fails when got differs from want by more than float32 rounding over a sum of depth
// terms allows (relative 1e-5·sqrt(depth), absolute below magnitude 1).
func closeTo(t *testing.T, what string, got []float32, want []float64, depth int) {
	t.Helper()
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); d > 1e-5*math.Sqrt(float64(depth))*math.Max(1, math.Abs(w)) {
			t.Fatalf("%s: [%d] = %v, want %v", what, i, got[i], w)
		}
	}
}

// TestConvSameOnAnyCPUCount checks that both convolution products give the same bits whatever
// the number of CPUs (the weight gradient is depth-sliced here).
func TestConvSameOnAnyCPUCount(t *testing.T) {
	if !ConvSupported() {
		t.Skip("no SIMD micro-kernel on this CPU")
	}
	g := geom(2, 64, 72, 16, 3, 3, 12, 1, 1, 1, 1, 1)
	if depthSlices(g.KH*g.KW*g.Cin, g.Cout, g.N*g.Ho*g.Wo) < 2 {
		t.Fatal("the geometry does not give a depth-sliced weight gradient")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	x := randSlice(rng, g.N*g.H*g.W*g.Cin)
	w := randSlice(rng, g.KH*g.KW*g.Cin*g.Cout)
	dy := randSlice(rng, g.N*g.Ho*g.Wo*g.Cout)
	var wantY, wantDW []float32
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		y := make([]float32, len(dy))
		dw := make([]float32, len(w))
		ConvForward(g, x, w, y)
		ConvWeightGrad(g, x, dy, dw)
		runtime.GOMAXPROCS(prev)
		if wantY == nil {
			wantY, wantDW = y, dw
			continue
		}
		for i := range y {
			if math.Float32bits(y[i]) != math.Float32bits(wantY[i]) {
				t.Fatalf("GOMAXPROCS=%d: y[%d] = %v, GOMAXPROCS=1 gave %v", procs, i, y[i], wantY[i])
			}
		}
		for i := range dw {
			if math.Float32bits(dw[i]) != math.Float32bits(wantDW[i]) {
				t.Fatalf("GOMAXPROCS=%d: dw[%d] = %v, GOMAXPROCS=1 gave %v", procs, i, dw[i], wantDW[i])
			}
		}
	}
}

// BenchmarkConv times the convbench network's 64->64 layer (batch 2, 128x128, 3x3, dilation 2)
// as implicit-GEMM products, with GFLOP per second of wall time and per CPU-second.
func BenchmarkConv(b *testing.B) {
	if !ConvSupported() {
		b.Skip("no SIMD micro-kernel on this CPU")
	}
	g := geom(2, 128, 128, 64, 3, 3, 64, 1, 1, 2, 2, 2)
	rng := rand.New(rand.NewPCG(1, 1))
	x := randSlice(rng, g.N*g.H*g.W*g.Cin)
	w := randSlice(rng, g.KH*g.KW*g.Cin*g.Cout)
	dy := randSlice(rng, g.N*g.Ho*g.Wo*g.Cout)
	y := make([]float32, len(dy))
	dw := make([]float32, len(w))
	flops := 2 * float64(g.N*g.Ho*g.Wo) * float64(g.KH*g.KW*g.Cin*g.Cout)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"forward", func() { ConvForward(g, x, w, y) }},
		{"weight_grad", func() { ConvWeightGrad(g, x, dy, dw) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			cpu0 := processCPU()
			for b.Loop() {
				c.f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			if cs := (processCPU() - cpu0).Seconds(); cs > 0 {
				b.ReportMetric(flops*float64(b.N)/cs/1e9, "GFLOP/cpu-s")
			}
		})
	}
}

// TestSpreadPanels checks the panel copies (the vector kernels for runs of 12 and 6, the loop
// for others) against their definition, leaving the values between runs alone.
func TestSpreadPanels(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, mr := range []int{12, 6, 4} {
		for _, n := range []int{0, 1, 5} {
			stride := mr*3 + 1
			src := randSlice(rng, n*mr)
			dst := filled(max(1, n)*stride, 7)
			spreadPanels(dst, src, n, mr, stride)
			for i := range dst {
				want := float32(7)
				if run, j := i/stride, i%stride; run < n && j < mr {
					want = src[run*mr+j]
				}
				if dst[i] != want {
					t.Fatalf("mr %d, %d runs: dst[%d] = %v, want %v", mr, n, i, dst[i], want)
				}
			}
		}
	}
}
