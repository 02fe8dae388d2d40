package kernels

import "fmt"

// ConvGeometry is a 2-D convolution of an image x [N,H,W,Cin] (NHWC) with a kernel
// w [KH,KW,Cin,Cout] (HWIO) into y [N,Ho,Wo,Cout]: output position (oy, ox) and tap (ky, kx)
// read input pixel (oy*StrideH - PadTop + ky*DilationH, ox*StrideW - PadLeft + kx*DilationW),
// zero outside the image. The padding after the image is whatever Ho and Wo imply.
type ConvGeometry struct {
	N, H, W, Cin         int
	KH, KW, Cout         int
	Ho, Wo               int
	StrideH, StrideW     int
	DilationH, DilationW int
	PadTop, PadLeft      int
}

// Check reports a geometry with a non-positive size, stride or dilation.
func (g ConvGeometry) Check() error {
	for _, v := range []struct {
		name string
		v    int
	}{{"N", g.N}, {"H", g.H}, {"W", g.W}, {"Cin", g.Cin}, {"KH", g.KH}, {"KW", g.KW}, {"Cout", g.Cout},
		{"Ho", g.Ho}, {"Wo", g.Wo}, {"StrideH", g.StrideH}, {"StrideW", g.StrideW},
		{"DilationH", g.DilationH}, {"DilationW", g.DilationW}} {
		if v.v <= 0 {
			return fmt.Errorf("convolution geometry %+v: %s is %d", g, v.name, v.v)
		}
	}
	return nil
}

// sources sets src[i*taps + t], for count consecutive output positions m0+i (flattened over
// N, Ho, Wo) and every tap t (ky*KW + kx), to the offset in x of the Cin values that the
// position reads through the tap, or to -1 where that falls in the padding.
func (g ConvGeometry) sources(m0, count int, src []int) {
	b, r := m0/(g.Ho*g.Wo), m0%(g.Ho*g.Wo)
	oy, ox := r/g.Wo, r%g.Wo
	t := 0
	for range count {
		for ky := range g.KH {
			iy := oy*g.StrideH - g.PadTop + ky*g.DilationH
			for kx := range g.KW {
				ix := ox*g.StrideW - g.PadLeft + kx*g.DilationW
				if iy < 0 || iy >= g.H || ix < 0 || ix >= g.W {
					src[t] = -1
				} else {
					src[t] = ((b*g.H+iy)*g.W + ix) * g.Cin
				}
				t++
			}
		}
		if ox++; ox == g.Wo {
			if ox, oy = 0, oy+1; oy == g.Ho {
				oy, b = 0, b+1
			}
		}
	}
}

// perTapMinChannels is the fewest input channels for which ConvForward multiplies tap by tap
// (reading the image in place); with fewer, a tap's depth is too short for the micro-kernel,
// and each row panel's whole patches are copied into one buffer first.
const perTapMinChannels = 16

// ConvSupported reports whether ConvForward and ConvWeightGrad run here: they need one of the
// SIMD micro-kernels (Active).
func ConvSupported() bool { return active != nil }

// ConvForward computes y [N,Ho,Wo,Cout] = x ⋆ w for geometry g as an implicit-GEMM product:
// the patch matrix of im2col, [N*Ho*Wo, KH*KW*Cin], is never written. Its mr-row panels are
// read in place from x one tap at a time (the rows of a panel are pixels StrideW*Cin floats
// apart), and only panels that cross an image row or the padding are copied, a tap at a time,
// into a small buffer. Row panels are split across the CPUs; the result does not depend on
// their number. It panics when !ConvSupported().
func ConvForward(g ConvGeometry, x, w, y []float32) { convForward(active, g, x, w, y) }

// convForward is ConvForward on the given micro-kernel.
func convForward(kern *microKernel, g ConvGeometry, x, w, y []float32) {
	kern = kern.forProduct(g.Cout)
	mr, nr := kern.mr, kern.nr
	taps := g.KH * g.KW
	k := taps * g.Cin
	nPanels := (g.Cout + nr - 1) / nr
	packedW := GetScratch(nPanels * nr * k)
	defer PutScratch(packedW)
	packB(packedW, w, false, k, g.Cout, 0, k, nPanels, nr)
	m := g.N * g.Ho * g.Wo
	mPanels := (m + mr - 1) / mr
	// A row panel costs mr*k*Cout multiply-adds: split when there are at least a few
	// million of them per CPU.
	grain := max(1, (1<<21)/max(1, mr*k*g.Cout))
	perTap := g.Cin >= perTapMinChannels
	ParallelFor(mPanels, grain, func(lo, hi int) {
		buf := GetScratch(mr * k)
		defer PutScratch(buf)
		var tile [12 * 32]float32
		aps := make([]*float32, taps)
		ldas := make([]int, taps)
		src := make([]int, mr*taps) // src[i*taps+t]: where row i reads tap t (g.sources)
		for ip := lo; ip < hi; ip++ {
			m0 := ip * mr
			rows := min(mr, m-m0)
			g.sources(m0, rows, src)
			if !perTap {
				g.copyPatches(buf, x, src, rows, mr)
			} else {
				for t := range taps {
					aps[t], ldas[t] = g.tapPanel(buf[t*mr*g.Cin:(t+1)*mr*g.Cin], x, src, rows, t, mr)
				}
			}
			for jp := range nPanels {
				j0 := jp * nr
				cols := min(nr, g.Cout-j0)
				c := y[m0*g.Cout+j0:]
				bp := packedW[jp*nr*k:]
				if !perTap {
					runTile(kern.rows, k, &buf[0], k, &bp[0], c, g.Cout, rows, cols, mr, nr, false, &tile)
					continue
				}
				acc := false
				for t := range taps {
					if aps[t] == nil {
						continue
					}
					runTile(kern.rows, g.Cin, aps[t], ldas[t], &bp[t*g.Cin*nr], c, g.Cout, rows, cols, mr, nr, acc, &tile)
					acc = true
				}
				if !acc { // every tap of these rows falls in the padding
					for i := range rows {
						clear(c[i*g.Cout : i*g.Cout+cols])
					}
				}
			}
		}
	})
}

// tapPanel returns where the micro-kernel reads a row panel (rows output positions, whose
// sources are src as ConvForward keeps them) through tap t, as rows lda floats apart: in x
// itself when they are mr pixels StrideW*Cin floats apart, else in buf (mr x Cin, zeros for
// padding and missing rows). It returns nil when every row falls in the padding.
func (g ConvGeometry) tapPanel(buf, x []float32, src []int, rows, t, mr int) (*float32, int) {
	taps := g.KH * g.KW
	first := src[t]
	step := g.StrideW * g.Cin
	inPlace := rows == mr && first >= 0
	some := first >= 0
	for i := 1; i < rows && (inPlace || !some); i++ {
		s := src[i*taps+t]
		inPlace = inPlace && s == first+i*step
		some = some || s >= 0
	}
	switch {
	case inPlace:
		return &x[first], step
	case !some:
		return nil, 0
	}
	for i := range mr {
		row := buf[i*g.Cin : (i+1)*g.Cin]
		if i < rows && src[i*taps+t] >= 0 {
			s := src[i*taps+t]
			copy(row, x[s:s+g.Cin])
		} else {
			clear(row)
		}
	}
	return &buf[0], g.Cin
}

// copyPatches writes the patches of a row panel (rows output positions, whose sources are src
// as ConvForward keeps them) into buf as mr rows of KH*KW*Cin values (zeros for padding and
// missing rows).
func (g ConvGeometry) copyPatches(buf, x []float32, src []int, rows, mr int) {
	taps := g.KH * g.KW
	k := taps * g.Cin
	for i := range mr {
		if i < rows {
			g.gatherPatch(buf[i*k:(i+1)*k], x, src[i*taps:(i+1)*taps])
		} else {
			clear(buf[i*k : (i+1)*k])
		}
	}
}

// ConvWeightGrad computes the gradient of the kernel, dw [KH,KW,Cin,Cout], from the image x
// and the output gradient dy [N,Ho,Wo,Cout] for geometry g: the product patches^T * dy, whose
// depth is the N*Ho*Wo output positions, with each depth block of the patch matrix gathered
// from x straight into the packed panels the micro-kernel reads (never written whole). A deep
// product is cut into depth slices as Sgemm cuts one (one CPU each, summed in slice order), so
// the result does not depend on the number of CPUs. It panics when !ConvSupported().
func ConvWeightGrad(g ConvGeometry, x, dy, dw []float32) { convWeightGrad(active, g, x, dy, dw) }

// convWeightGrad is ConvWeightGrad on the given micro-kernel.
func convWeightGrad(kern *microKernel, g ConvGeometry, x, dy, dw []float32) {
	k := g.KH * g.KW * g.Cin
	m := g.N * g.Ho * g.Wo
	product(k, g.Cout, m, true, dw, func(workers, p0, p1 int, part []float32) {
		sgemmBlocked(kern, workers, k, g.Cout, p1-p0, nil, true, g.packPatchesT(x, p0), dy[p0*g.Cout:p1*g.Cout], false, part)
	})
}

// packPatchesT is the packFunc of the transposed patch matrix of output positions p0.. (its
// depth): each position's patch (KH*KW*Cin values) is gathered from x into a row in the L1
// cache, then spread over the panels.
func (g ConvGeometry) packPatchesT(x []float32, p0 int) packFunc {
	taps := g.KH * g.KW
	k := taps * g.Cin
	return func(dst []float32, k0, kb, lo, hi, mr int) {
		mPanels := (k + mr - 1) / mr
		patch := GetScratch(mPanels * mr)
		defer PutScratch(patch)
		clear(patch[k:])   // the last panel's rows beyond the patch
		var stack [256]int // the sources of up to chunk positions at a time
		src := stack[:]
		if taps > len(stack) {
			src = make([]int, taps)
		}
		chunk := len(src) / taps
		for c0 := lo; c0 < hi; c0 += chunk {
			n := min(chunk, hi-c0)
			g.sources(p0+k0+c0, n, src)
			for i := range n {
				g.gatherPatch(patch, x, src[i*taps:(i+1)*taps])
				spreadPanels(dst[(c0+i)*mr:], patch, mPanels, mr, mr*kb)
			}
		}
	}
}

// gatherPatch writes the patch whose taps read x at src (one position's g.sources) into patch.
func (g ConvGeometry) gatherPatch(patch, x []float32, src []int) {
	for t, s := range src {
		dst := patch[t*g.Cin : (t+1)*g.Cin]
		if s >= 0 {
			copy(dst, x[s:s+g.Cin])
		} else {
			clear(dst)
		}
	}
}
