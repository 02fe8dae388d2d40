// Package testutil holds what dast's graph tests share: one pure-Go backend per test binary
// (built like production's, fast kernels included) and a watchdog for code that might hang.
package testutil

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/registry"
	"github.com/gomlx/gomlx/backends"
)

var (
	once    sync.Once
	shared  backends.Backend
	initErr error
)

// Backend returns the test binary's shared pure-Go backend (backend.New("go")).
func Backend(t testing.TB) backends.Backend {
	t.Helper()
	once.Do(func() { shared, initErr = backend.New("go") })
	if initErr != nil {
		t.Fatalf("backend.New(go): %v", initErr)
	}
	return shared
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
