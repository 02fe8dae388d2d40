package pseudo

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzThresholdsLabel feeds arbitrary float32 bit patterns (NaN, infinities, negatives,
// denormals) through Collector, Thresholds and Label: nothing may panic, thresholds come one
// per class, and every label is a class or Ignore.
func FuzzThresholdsLabel(f *testing.F) {
	seed := func(vals ...float32) []byte {
		b := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	f.Add(seed(0.9, 0.1, 0.2, 0.8, 0.5, 0.5), uint8(2), uint8(1), 0.5, 0.9)
	f.Add(seed(nan, nan, inf, -inf, 0, -0.0), uint8(3), uint8(2), 0.0, math.NaN())
	f.Add(seed(1, 0, 0, 1), uint8(1), uint8(4), 1.0, math.Inf(1))
	f.Add(seed(-1, 0, 0, 0), uint8(2), uint8(3), -3.0, -1.0)
	f.Fuzz(func(t *testing.T, data []byte, classes, sub uint8, q, cap float64) {
		n := int(classes)%8 + 1
		pixels := len(data) / 4 / n
		if pixels == 0 {
			return
		}
		prob := make([]float32, pixels*n)
		for i := range prob {
			prob[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		c := NewCollector(n, int(sub)%5)
		if err := c.Add(prob, 1, pixels); err != nil {
			t.Fatal(err)
		}
		theta := c.Thresholds(q, cap)
		if len(theta) != n {
			t.Fatalf("%d thresholds for %d classes", len(theta), n)
		}
		for i, v := range theta {
			if math.IsNaN(v) {
				t.Fatalf("threshold %d is NaN", i)
			}
		}
		for p, l := range Label(prob, 1, pixels, n, theta) {
			if l != Ignore && int(l) >= n {
				t.Fatalf("pixel %d labelled %d with %d classes", p, l, n)
			}
			if l != Ignore && math.IsNaN(float64(prob[p*n+int(l)])) {
				t.Fatalf("pixel %d kept with a NaN probability", p)
			}
		}
	})
}
