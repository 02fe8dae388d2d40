// Package testutil holds what dast's graph tests share: one pure-Go backend per test binary
// (built like production's, fast kernels included) and a watchdog for code that might hang.
package testutil

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

var (
	once    sync.Once
	shared  backends.Backend
	spec    string
	initErr error
)

// BackendEnv names the backend spec the shared test backend is built from ("go" when unset):
// bench/gpu/run.sh runs the golden tests with DAST_TEST_BACKEND=xla:cuda.
const BackendEnv = "DAST_TEST_BACKEND"

// Backend returns the test binary's shared backend: backend.New($DAST_TEST_BACKEND), the
// pure-Go backend when that is unset. It logs the spec, so a verbose run shows where it ran.
func Backend(t testing.TB) backends.Backend {
	t.Helper()
	once.Do(func() {
		spec = os.Getenv(BackendEnv)
		if spec == "" {
			spec = "go"
		}
		shared, initErr = backend.New(spec)
	})
	if initErr != nil {
		t.Fatalf("backend.New(%s): %v", spec, initErr)
	}
	t.Logf("testutil: backend %s", spec)
	return shared
}

var (
	goOnce    sync.Once
	goBackend backends.Backend
	goErr     error
)

// GoBackend returns the test binary's pure-Go backend (backend.New("go"), dast's kernels
// included) whatever DAST_TEST_BACKEND says: for tests of code only the pure-Go path runs.
func GoBackend(t testing.TB) backends.Backend {
	t.Helper()
	goOnce.Do(func() { goBackend, goErr = backend.New("go") })
	if goErr != nil {
		t.Fatalf("backend.New(go): %v", goErr)
	}
	return goBackend
}

// RandNormal returns a float64 tensor of the given dimensions with N(0, 1) entries from rng.
func RandNormal(rng *rand.Rand, dims ...int) *tensors.Tensor {
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

// WithTimeout runs f and fails the test if f panics or takes longer than d.
func WithTimeout(t testing.TB, d time.Duration, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case r := <-done:
		if r != nil {
			t.Fatalf("panic: %v", r)
		}
	case <-time.After(d):
		t.Fatalf("timed out after %s", d)
	}
}

// DiscriminatorBlock decodes a discriminator block given as YAML flow text (e.g.
// "{name: corrector, channels: [8]}") the way a run config's discriminators.<role> is decoded,
// with the strict decoder and its errors.
func DiscriminatorBlock(t testing.TB, role, block string) (registry.Module, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(path, []byte("discriminators:\n  "+role+": "+block+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tree.Component("discriminators."+role, "discriminator")
}

// CloseTo fails the test when got's shape differs from want's or their relative L2 error
// ||got-want|| / ||want|| exceeds tol; it logs the error and the largest absolute difference.
func CloseTo(t testing.TB, what string, got, want *tensors.Tensor, tol float64) {
	t.Helper()
	if !got.Shape().Equal(want.Shape()) {
		t.Fatalf("%s: shape %s, want %s", what, got.Shape(), want.Shape())
	}
	g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
	var diff, norm, maxAbs float64
	for i := range g {
		d := float64(g[i] - w[i])
		diff += d * d
		norm += float64(w[i]) * float64(w[i])
		maxAbs = max(maxAbs, math.Abs(d))
	}
	rel := math.Sqrt(diff / norm)
	t.Logf("%s %s: relative L2 error %.3g, max abs error %.3g (reference RMS %.3g)", what, got.Shape(), rel, maxAbs, math.Sqrt(norm/float64(len(w))))
	if rel > tol {
		t.Errorf("%s: relative error %.3g > %g", what, rel, tol)
	}
}

// TorchCheck loads a PyTorch forward check written by "bench/params.py --export-check DIR":
// the input and the expected feature from DIR/ioFile. It skips the test unless
// $DAST_TORCH_CHECK names DIR (the files are tens of MB, so they are not committed), and
// returns DIR for the weights file beside it.
func TorchCheck(t testing.TB, ioFile string) (dir string, in, want *tensors.Tensor) {
	t.Helper()
	dir = os.Getenv("DAST_TORCH_CHECK")
	if dir == "" {
		t.Skip("set DAST_TORCH_CHECK to the directory of bench/params.py --export-check")
	}
	io, _, err := checkpoint.ReadFile(filepath.Join(dir, ioFile))
	if err != nil {
		t.Fatal(err)
	}
	if in, err = checkpoint.ToTensor(io["input"]); err != nil {
		t.Fatal(err)
	}
	if want, err = checkpoint.ToTensor(io["feature"]); err != nil {
		t.Fatal(err)
	}
	return dir, in, want
}
