package layernet

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// withTimeout runs f and fails the test if it panics or takes longer than d.
func withTimeout(t *testing.T, d time.Duration, f func()) {
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

// flat returns the float32 values of t.
func flat(t *tensors.Tensor) []float32 {
	var out []float32
	tensors.ConstFlatData(t, func(v []float32) { out = append(out, v...) })
	return out
}
