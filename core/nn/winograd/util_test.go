package winograd

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/internal/testutil"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var (
	testBackendOnce sync.Once
	testBackendVal  backends.Backend
)

// testBackend is the pure-Go backend in its deadlock-free sequential mode.
func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	testBackendOnce.Do(func() {
		b, err := backend.New("go")
		if err != nil {
			t.Fatalf("backend.New: %v", err)
		}
		testBackendVal = b
	})
	return testBackendVal
}

// withTimeout fails the test when fn panics or runs longer than d (guard against hangs).
func withTimeout(t *testing.T, d time.Duration, fn func()) { testutil.WithTimeout(t, d, fn) }

// samePad is the geometry of a 3x3 convolution with dilation d padded by d on every side
// (PyTorch's padding=dilation).
func samePad(d int) Geometry {
	return Geometry{DilationH: d, DilationW: d, PadTop: d, PadBottom: d, PadLeft: d, PadRight: d}
}

// randTensor returns a float64 tensor of the given dimensions with N(0,1) entries.
func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
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
