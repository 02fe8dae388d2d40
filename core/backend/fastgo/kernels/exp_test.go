package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestExpRowBitExact checks the exp kernel against float32(math.Exp(float64(x))) bit for bit:
// a sweep over float32 bit patterns (every 4099th, both signs: all exponents, normal and
// subnormal), random softmax-range values, and the values where paths change (|x| near 700,
// float32 overflow near 88.72 and underflow near -103.97, infinities, NaN, zeros), at every
// offset of the 8-wide groups and with ragged tails.
func TestExpRowBitExact(t *testing.T) {
	var xs []float32
	for b := uint64(0); b < 1<<32; b += 4099 {
		xs = append(xs, math.Float32frombits(uint32(b)))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1 << 16 {
		xs = append(xs, float32(r.NormFloat64()*8))
	}
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88.72, 88.73, 89, -103.9, -103.98, -104, -150,
		699.9, 700, 700.1, -700, -700.1, 709.7, 710, -745, -746, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
		math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-30, -1e-30}
	for i := range 16 { // each special value at every position of a group
		for _, v := range special {
			xs = append(xs, make([]float32, i)...)
			xs = append(xs, v)
		}
	}
	for _, n := range []int{len(xs), len(xs) - 1, 7, 8, 9, 17, 0} {
		src := xs[:n]
		got := make([]float32, n)
		ExpRow(got, src)
		for i, x := range src {
			want := float32(math.Exp(float64(x)))
			if math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("n %d: exp(%g) (bits %#08x) = %g (%#08x), math.Exp gives %g (%#08x)",
					n, x, math.Float32bits(x), got[i], math.Float32bits(got[i]), want, math.Float32bits(want))
			}
		}
	}
	if !haveExpVec {
		t.Log("no AVX2/FMA here: the scalar path was tested")
	}
}

func BenchmarkExpRow(b *testing.B) {
	src := make([]float32, 1<<16)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = float32(r.NormFloat64() * 4)
	}
	dst := make([]float32, len(src))
	b.Run("kernel", func(b *testing.B) {
		b.SetBytes(int64(4 * len(src)))
		for range b.N {
			ExpRow(dst, src)
		}
	})
	b.Run("math.Exp", func(b *testing.B) {
		b.SetBytes(int64(4 * len(src)))
		for range b.N {
			for i, v := range src {
				dst[i] = float32(math.Exp(float64(v)))
			}
		}
	})
}
