package reproduce

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dast-uda/dast/configs"
)

// TestWriteEmbeddedConfigs: every embedded config is written under dir with its bytes; an
// unchanged copy is left alone, a changed one replaced.
func TestWriteEmbeddedConfigs(t *testing.T) {
	dir := t.TempDir()
	if err := writeEmbeddedConfigs(dir); err != nil {
		t.Fatal(err)
	}
	want, err := configs.FS.ReadFile(DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.FromSlash(DefaultConfig))
	if got, err := os.ReadFile(p); err != nil || string(got) != string(want) {
		t.Fatalf("%s: %v, or not the embedded bytes", p, err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	da := filepath.Join(dir, "synthetic", "da.yaml")
	if err := os.WriteFile(da, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeEmbeddedConfigs(dir); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || !st.ModTime().Equal(old) {
		t.Errorf("an unchanged copy was rewritten (%v)", err)
	}
	wantDA, _ := configs.FS.ReadFile("synthetic/da.yaml")
	if got, err := os.ReadFile(da); err != nil || string(got) != string(wantDA) {
		t.Errorf("a changed copy was not replaced (%v)", err)
	}
}
