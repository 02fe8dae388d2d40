package runinfo

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// TestClaimDirRace: runs started at once without --out get distinct directories.
func TestClaimDirRace(t *testing.T) {
	base := filepath.Join(t.TempDir(), "runs", "x")
	if err := os.MkdirAll(base, 0o755); err != nil { // an earlier run
		t.Fatal(err)
	}
	const n = 6
	var ready, start, done sync.WaitGroup
	ready.Add(n)
	start.Add(1)
	dirs := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			start.Wait()
			dirs[i], errs[i] = ClaimDir(base)
		}()
	}
	ready.Wait()
	start.Done()
	done.Wait()
	seen := map[string]bool{}
	for i, d := range dirs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[d] || d == base {
			t.Errorf("directory %s claimed twice or the existing one reused", d)
		}
		seen[d] = true
	}
	sort.Strings(dirs)
	if dirs[0] != base+"-2" || dirs[n-1] != base+"-7" {
		t.Errorf("claimed %v, want %s-2 .. -7", dirs, base)
	}
}
