//go:build unix

package matrix

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/runinfo"
)

// TestTwoMatricesOnOneDirectory starts two runners on one output directory at once (a
// barrier, no sleeping): one runs every job, the other fails at once naming the holder, and
// no job runs twice.
func TestTwoMatricesOnOneDirectory(t *testing.T) {
	m, err := Load(writeMatrix(t, "matrix: {seeds: [1, 2], rows: [{name: base, config: a.yaml}]}"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	loserDone := make(chan struct{})
	var mu sync.Mutex
	ran := map[string]int{}
	run := func(_ context.Context, j Job, _ bool) (*metrics.Metrics, error) {
		<-loserDone // the winner holds the directory until the loser has given up
		mu.Lock()
		ran[j.Dir]++
		mu.Unlock()
		mm := fakeMetrics(10)
		if err := os.MkdirAll(j.Dir, 0o755); err != nil {
			return nil, err
		}
		return mm, metrics.WriteJSON(filepath.Join(j.Dir, "metrics.json"), *mm)
	}
	var ready, start, done sync.WaitGroup
	ready.Add(2)
	start.Add(1)
	errs := make([]error, 2)
	var once sync.Once
	for i := range 2 {
		done.Add(1)
		go func() {
			defer done.Done()
			r := &Runner{Matrix: m, Jobs: m.Jobs(out, nil), OutDir: out, Run: run, MetricsFile: "metrics.json", ConfigFile: "config.yaml"}
			ready.Done()
			start.Wait()
			_, errs[i] = r.Execute(context.Background())
			if errs[i] != nil {
				once.Do(func() { close(loserDone) })
			}
		}()
	}
	ready.Wait()
	start.Done()
	done.Wait()
	var inUse *runinfo.InUseError
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.As(err, &inUse) {
				t.Errorf("loser's error %v, want the directory in use", err)
			}
		}
	}
	if failed != 1 {
		t.Fatalf("errors %v, want exactly one runner refused", errs)
	}
	if len(ran) != 2 {
		t.Errorf("ran %v, want both jobs", ran)
	}
	for dir, n := range ran {
		if n != 1 {
			t.Errorf("%s ran %d times", dir, n)
		}
	}
}
