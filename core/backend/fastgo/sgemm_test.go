package fastgo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSgemmMatchesDefinition(t *testing.T) {
	if !haveKernel {
		t.Skip("no AVX2/FMA on this CPU")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{1, 1, 1}, {4, 16, 1}, {5, 17, 3}, {37, 50, 300}, {64, 64, 513}, {130, 9, 40}, {3, 100, 7}} {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a := make([]float32, m*k)
				b := make([]float32, k*n)
				for i := range a {
					a[i] = rng.Float32()*2 - 1
				}
				for i := range b {
					b[i] = rng.Float32()*2 - 1
				}
				c := make([]float32, m*n)
				for i := range c {
					c[i] = 99 // overwritten, not accumulated
				}
				sgemm(m, n, k, a, ta, b, tb, c)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var want float64
						for p := 0; p < k; p++ {
							av := a[i*k+p]
							if ta {
								av = a[p*m+i]
							}
							bv := b[p*n+j]
							if tb {
								bv = b[j*k+p]
							}
							want += float64(av) * float64(bv)
						}
						if d := math.Abs(float64(c[i*n+j]) - want); d > 1e-4*math.Max(1, math.Abs(want)) {
							t.Fatalf("m%d n%d k%d ta %v tb %v: c[%d,%d] = %v, want %v", m, n, k, ta, tb, i, j, c[i*n+j], want)
						}
					}
				}
			}
		}
	}
}

func BenchmarkSgemm(b *testing.B) {
	if !haveKernel {
		b.Skip("no AVX2/FMA")
	}
	m, n, k := 32768, 64, 576
	x := make([]float32, m*k)
	y := make([]float32, k*n)
	c := make([]float32, m*n)
	b.SetBytes(int64(2 * m * n * k)) // "bytes" = flops, so MB/s reads as MFLOP/s
	for i := 0; i < b.N; i++ {
		sgemm(m, n, k, x, false, y, false, c)
	}
}
