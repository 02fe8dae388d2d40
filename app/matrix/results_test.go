package matrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadResultsErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"empty.json": `{"matrix":"x","rows":[]}`, "bad.json": `{"rows": 3}`} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadResults(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
	if _, err := ReadResults(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a missing baseline read without error")
	}
}
