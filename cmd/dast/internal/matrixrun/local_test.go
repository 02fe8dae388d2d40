package matrixrun

import (
	"runtime"
	"strconv"
	"testing"
)

// TestChildProcs: children share the CPUs out (at least one each) unless the user set
// GOMAXPROCS, which they then inherit.
func TestChildProcs(t *testing.T) {
	t.Setenv("GOMAXPROCS", "")
	n := runtime.NumCPU()
	for _, tc := range []struct {
		jobs int
		want string
	}{
		{1, strconv.Itoa(n)},
		{2, strconv.Itoa(max(1, n/2))},
		{n + 1, "1"},
		{0, strconv.Itoa(n)},
	} {
		if got := childProcs(tc.jobs); got != tc.want {
			t.Errorf("childProcs(%d) = %q on %d CPUs, want %q", tc.jobs, got, n, tc.want)
		}
	}
	t.Setenv("GOMAXPROCS", "3")
	if got := childProcs(2); got != "" {
		t.Errorf("with GOMAXPROCS=3 set: childProcs(2) = %q, want \"\" (inherit)", got)
	}
}
