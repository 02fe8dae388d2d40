package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// refResize is a direct 2-D loop of PyTorch's bilinear interpolation on NHWC data.
func refResize(x []float64, n, h, w, c, oh, ow int, ac bool) []float64 {
	src := func(o, in, out int) (int, int, float64) {
		var s float64
		switch {
		case ac && out > 1:
			s = float64(o) * float64(in-1) / float64(out-1)
		case !ac:
			s = (float64(o)+0.5)*float64(in)/float64(out) - 0.5
			if s < 0 {
				s = 0
			}
		}
		i0 := int(s)
		if i0 > in-1 {
			i0 = in - 1
		}
		i1 := i0 + 1
		if i1 > in-1 {
			i1 = in - 1
		}
		return i0, i1, s - float64(i0)
	}
	y := make([]float64, 0, n*oh*ow*c)
	for b := range n {
		for oy := range oh {
			y0, y1, ly := src(oy, h, oh)
			for ox := range ow {
				x0, x1, lx := src(ox, w, ow)
				for ch := range c {
					at := func(yy, xx int) float64 { return x[((b*h+yy)*w+xx)*c+ch] }
					v := (1-ly)*((1-lx)*at(y0, x0)+lx*at(y0, x1)) + ly*((1-lx)*at(y1, x0)+lx*at(y1, x1))
					y = append(y, v)
				}
			}
		}
	}
	return y
}

func TestResizeBilinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, tc := range []struct{ h, w, oh, ow int }{
		{4, 5, 9, 11}, // up
		{9, 8, 4, 3},  // down
		{3, 6, 7, 2},  // mixed
		{1, 4, 3, 4},  // degenerate height, same width
		{5, 6, 5, 13}, // width only
	} {
		for _, ac := range []bool{false, true} {
			for _, impl := range []struct {
				name string
				f    func(x *graph.Node, h, w int, ac bool) *graph.Node
			}{{"gather", resizeGather}, {"matmul", resizeMatmul}, {"public", ResizeBilinear}} {
				t.Run(fmt.Sprintf("%dx%d->%dx%d/ac=%v/%s", tc.h, tc.w, tc.oh, tc.ow, ac, impl.name), func(t *testing.T) {
					x := randTensor(rng, 2, tc.h, tc.w, 3)
					withTimeout(t, time.Minute, func() {
						y := graph.MustExecOnce(testBackend(t), func(x *graph.Node) *graph.Node {
							return impl.f(x, tc.oh, tc.ow, ac)
						}, x)
						want := refResize(flat64(x), 2, tc.h, tc.w, 3, tc.oh, tc.ow, ac)
						if e := relErr(flat64(y), want); e > 1e-12 {
							t.Errorf("forward relative error %.3g", e)
						}
						checkGradients(t, func(in []*graph.Node) *graph.Node { return impl.f(in[0], tc.oh, tc.ow, ac) },
							[]*tensors.Tensor{x}, 16, 1e-6)
					})
				})
			}
		}
	}
}
