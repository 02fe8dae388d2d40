package optim

import (
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"

	"github.com/dast-uda/dast/internal/golden"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

const fixture = "testdata/golden_optim.npz"

// maxRelErr is the largest relative error (infinity norm) accepted against PyTorch.
const maxRelErr = 1e-4

// newBackend is the package tests' shared pure-Go backend.
func newBackend(t *testing.T) backends.Backend { return testutil.Backend(t) }

// withTimeout fails the test when fn panics or runs longer than d (guard against hangs).
func withTimeout(t *testing.T, d time.Duration, fn func()) { testutil.WithTimeout(t, d, fn) }

func loadFixture(t *testing.T) golden.Set {
	t.Helper()
	s, err := golden.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustGet(t *testing.T, s golden.Set, c, name string) *tensors.Tensor {
	t.Helper()
	x, err := s.Get(c, name)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func mustFloats(t *testing.T, x *tensors.Tensor) []float64 {
	t.Helper()
	v, err := golden.Float64s(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// bits returns the raw float32 contents of x, for bit-identity checks.
func bits(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	return tensors.MustCopyFlatData[float32](x)
}

func equalBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(a[i] != a[i] && b[i] != b[i]) {
			return false
		}
	}
	return true
}
