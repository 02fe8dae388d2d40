package runinfo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTrimRecords(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		keepBelow      int
		dropped        int
	}{
		{"drops later", "{\"iteration\":2}\n{\"iteration\":4}\n{\"iteration\":6}\n", "{\"iteration\":2}\n", 4, 2},
		{"keeps all", "{\"iteration\":2}\n", "{\"iteration\":2}\n", 4, 0},
		{"torn last line", "{\"iteration\":2}\n{\"itera", "{\"iteration\":2}\n", 4, 1},
		{"no iteration", "{\"miou\":3}\n{\"iteration\":1}\n", "{\"iteration\":1}\n", 4, 1},
		{"blank lines", "\n{\"iteration\":1}\n\n", "\n{\"iteration\":1}\n\n", 4, 0},
	} {
		path := filepath.Join(t.TempDir(), "h.jsonl")
		if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := TrimRecords(path, func(it int) bool { return it < tc.keepBelow })
		got, _ := os.ReadFile(path)
		if err != nil || n != tc.dropped || string(got) != tc.want {
			t.Errorf("%s: dropped %d (%v), file %q; want %d, %q", tc.name, n, err, got, tc.dropped, tc.want)
		}
	}
	if n, err := TrimRecords(filepath.Join(t.TempDir(), "missing"), func(int) bool { return false }); n != 0 || err != nil {
		t.Errorf("missing file: %d, %v", n, err)
	}
}

func FuzzTrimRecords(f *testing.F) {
	f.Add("{\"iteration\":2}\n{\"iteration\":9}\n")
	f.Add("{\"iteration\":\"x\"}\n[]\nnull\n")
	path := filepath.Join(f.TempDir(), "h.jsonl")
	f.Fuzz(func(t *testing.T, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := TrimRecords(path, func(it int) bool { return it < 5 }); err != nil {
			t.Fatal(err)
		}
		// Trimming again drops nothing more.
		if n, err := TrimRecords(path, func(it int) bool { return it < 5 }); err != nil || n != 0 {
			t.Fatalf("second trim dropped %d, %v", n, err)
		}
	})
}
