package pseudo

import "testing"

// BenchmarkRound512x1024 measures one image of a paper-scale round: Add (every 4th pixel),
// and Label, at 512x1024 with 19 classes.
func BenchmarkRound512x1024(b *testing.B) {
	const h, w, n = 512, 1024, 19
	img := randomProbs(newRand(1), h, w, n)
	c := NewCollector(n, 4)
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = 0.5
	}
	for b.Loop() {
		if err := c.Add(img, h, w); err != nil {
			b.Fatal(err)
		}
		Label(img, h, w, n, theta)
	}
}

// BenchmarkThresholds measures exact thresholds over 8M recorded confidences (about 60
// paper-scale images at subsample 4).
func BenchmarkThresholds(b *testing.B) {
	const h, w, n = 1024, 1024, 19
	img := randomProbs(newRand(2), h, w, n)
	c := NewCollector(n, 1)
	for range 8 {
		if err := c.Add(img, h, w); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		c.Thresholds(0.5, 0.9)
	}
}
