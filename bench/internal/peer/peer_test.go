package peer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKV(t *testing.T) {
	kv := ParseKV([]byte("torch_step_s 0.135\nnoise\nname  a b \n\npeak_rss 357 MiB"))
	want := map[string]string{"torch_step_s": "0.135", "name": "a b", "peak_rss": "357 MiB"}
	if len(kv) != len(want) {
		t.Fatalf("ParseKV = %v, want %v", kv, want)
	}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s = %q, want %q", k, kv[k], v)
		}
	}
}

func FuzzParseKV(f *testing.F) {
	f.Add([]byte("a 1\nb 2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for k := range ParseKV(b) {
			if strings.ContainsAny(k, " \n") {
				t.Errorf("key %q holds a separator", k)
			}
		}
	})
}

func TestFindUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "peer.py"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(deep)
	if p, err := FindUp("peer.py"); err != nil || p != filepath.Join(root, "peer.py") {
		t.Errorf("FindUp = %q, %v; want %s", p, err, filepath.Join(root, "peer.py"))
	}
	if _, err := FindUp("no_such_script.py"); err == nil || !strings.Contains(err.Error(), "no_such_script.py") {
		t.Errorf("FindUp of a missing file: %v", err)
	}
}

func TestMachineNamesTheSGEMMPath(t *testing.T) {
	m := Machine("avx512")
	if !strings.Contains(m, "dast sgemm: avx512") || !strings.Contains(m, "ISA ") {
		t.Fatalf("Machine = %q", m)
	}
}
