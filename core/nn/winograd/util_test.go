package winograd

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// testBackend is the pure-Go backend in its deadlock-free sequential mode.
func testBackend(t testing.TB) backends.Backend { return testutil.GoBackend(t) }

// withTimeout fails the test when fn panics or runs longer than d (guard against hangs).
func withTimeout(t *testing.T, d time.Duration, fn func()) { testutil.WithTimeout(t, d, fn) }

// samePad is the geometry of a 3x3 convolution with dilation d padded by d on every side
// (PyTorch's padding=dilation).
func samePad(d int) Geometry {
	return Geometry{DilationH: d, DilationW: d, PadTop: d, PadBottom: d, PadLeft: d, PadRight: d}
}

// randTensor returns a float64 tensor of the given dimensions with N(0,1) entries.
func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	return testutil.RandNormal(rng, dims...)
}

func flat64(t *tensors.Tensor) []float64 {
	return tensors.MustCopyFlatData[float64](t)
}

// relErr is the norm-wise relative error ||a-b|| / max(||b||, tiny).
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num += (a[i] - b[i]) * (a[i] - b[i])
		den += b[i] * b[i]
	}
	return math.Sqrt(num) / math.Max(math.Sqrt(den), 1e-300)
}
