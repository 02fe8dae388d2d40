package matrixrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/train"
)

// TestLocalStatus: a local matrix directory's runs are done (metrics.json), started (only the
// resolved config) or not started; a directory without runs is an error naming it.
func TestLocalStatus(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join("da", "seed1", train.MetricsFile), `{"miou": 41.25, "num_classes": 7}`)
	write(filepath.Join("da", "seed2", train.ConfigFile), "name: da\n")
	if err := os.MkdirAll(filepath.Join(dir, "source_only", "seed1"), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := localStatus(&b, dir); err != nil {
		t.Fatal(err)
	}
	want := "run                state        detail\n" +
		"da/seed1           done         mIoU 41.25\n" +
		"da/seed2           started      no metrics yet (local executor: running, or interrupted and resumed by a rerun)\n" +
		"source_only/seed1  not started  \n"
	if b.String() != want {
		t.Errorf("localStatus:\n%s\nwant:\n%s", b.String(), want)
	}
	empty := t.TempDir()
	if err := localStatus(&b, empty); err == nil || !strings.Contains(err.Error(), empty+": no runs") {
		t.Errorf("an empty directory: %v", err)
	}
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{"a\nb\n\n": "b", "one": "one", "": ""} {
		if got := lastLine(in); got != want {
			t.Errorf("lastLine(%q) = %q, want %q", in, got, want)
		}
	}
}
