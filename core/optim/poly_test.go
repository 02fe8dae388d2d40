package optim

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

func TestPoly(t *testing.T) {
	b := newBackend(t)
	exec := graph.MustNewExec(b, func(it *graph.Node) *graph.Node { return Poly(it, 250000, 0.9) })
	for _, tc := range []struct {
		it   int32
		want float64
	}{
		{0, 1},
		{125000, math.Pow(0.5, 0.9)},
		{149999, math.Pow(1-149999.0/250000, 0.9)},
		{249999, math.Pow(1.0/250000, 0.9)},
		{250000, 0},
		{300000, 0}, // past the horizon: clamped, not NaN
	} {
		withTimeout(t, 30*time.Second, func() {
			got := float64(exec.MustExec1(tc.it).Value().(float32))
			if math.Abs(got-tc.want) > 1e-6*math.Max(tc.want, 1e-3) {
				t.Errorf("Poly(%d) = %.9g, want %.9g", tc.it, got, tc.want)
			}
			if host := PolyValue(int(tc.it), 250000, 0.9); math.Abs(host-tc.want) > 1e-12 {
				t.Errorf("PolyValue(%d) = %.12g, want %.12g", tc.it, host, tc.want)
			}
		})
	}
}
