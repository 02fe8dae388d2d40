package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "gta5", in: "00001.png\n00002.png\n", want: []string{"00001.png", "00002.png"}},
		{name: "blank and comments", in: "\n# header\n  a.png  \r\n\n", want: []string{"a.png"}},
		{name: "pairs keep the first field", in: "frankfurt/x_leftImg8bit.png frankfurt/x_gtFine_labelIds.png\n",
			want: []string{"frankfurt/x_leftImg8bit.png"}},
		{name: "dot slash and backslash", in: "./a/b.png\nc\\d.png", want: []string{"a/b.png", "c/d.png"}},
		{name: "no trailing newline", in: "a", want: []string{"a"}},
		{name: "empty", in: "", want: nil},
		{name: "absolute", in: "ok.png\n/etc/passwd\n", wantErr: "line 2"},
		{name: "dotdot", in: "../x.png", wantErr: `".."`},
		{name: "dot only", in: "./", wantErr: "empty path"},
		{name: "hash after dot slash", in: "./#x", wantErr: "comment"},
		{name: "too long", in: strings.Repeat("a", MaxListLine+10), wantErr: "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseList(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadList(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "train.txt")
	if err := os.WriteFile(p, []byte("1.png\n2.png\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadList(p)
	if err != nil || !reflect.DeepEqual(got, []string{"1.png", "2.png"}) {
		t.Errorf("ReadList = %q, %v", got, err)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadList(empty); err == nil || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty list: err = %v, want one naming the file", err)
	}
	if _, err := ReadList(filepath.Join(dir, "missing.txt")); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing list: err = %v, want one naming the file", err)
	}
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{"00001.png\n", "# c\n a b\n", "./x/../y", "/abs", "a\x00b", "\\\\x", ".\n..\n", "./#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseList(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, e := range got {
			if e == "" || strings.HasPrefix(e, "/") || strings.Contains(e, `\`) || strings.ContainsRune(e, 0) ||
				strings.ContainsAny(e, " \t\n\r") || filepath.Clean(e) != e {
				t.Fatalf("entry %q from %q is not a clean relative path", e, in)
			}
			for _, el := range strings.Split(e, "/") {
				if el == ".." {
					t.Fatalf("entry %q from %q escapes the directory", e, in)
				}
			}
		}
		// Parsing the output again gives the same entries.
		again, err := ParseList(strings.NewReader(strings.Join(got, "\n")))
		if err != nil || !reflect.DeepEqual(again, got) && len(got) > 0 {
			t.Fatalf("reparse of %q: %q, %v", got, again, err)
		}
	})
}

func TestScanDir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b.png", "a.png", "c.txt", "sub/d.png"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		recursive bool
		want      []string
	}{{false, []string{"a.png", "b.png"}}, {true, []string{"a.png", "b.png", "sub/d.png"}}} {
		got, err := ScanDir(dir, ".png", tt.recursive)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ScanDir(recursive=%v) = %q, %v; want %q", tt.recursive, got, err, tt.want)
		}
	}
	// A linked directory is scanned; a link to a file counts, a dangling one does not.
	link := filepath.Join(t.TempDir(), "linked")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a.png"), filepath.Join(dir, "e.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone.png"), filepath.Join(dir, "f.png")); err != nil {
		t.Fatal(err)
	}
	got, err := ScanDir(link, ".png", false)
	if want := []string{"a.png", "b.png", "e.png"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ScanDir(link) = %q, %v; want %q", got, err, want)
	}
	if _, err := ScanDir(filepath.Join(dir, "nope"), ".png", false); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing dir: err = %v", err)
	}
}

func TestResolveRoot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const env = "DAST_TEST_LOADER_ROOT"
	tests := []struct {
		root, env, want, wantErr string
	}{
		{root: dir, env: "", want: dir},
		{root: dir, env: "/elsewhere", want: dir},
		{root: "", env: dir, want: dir},
		{root: "", env: "", wantErr: env},
		{root: file, wantErr: "not a directory"},
		{root: filepath.Join(dir, "missing"), wantErr: "missing"},
	}
	for _, tt := range tests {
		t.Setenv(env, tt.env)
		got, err := ResolveRoot(tt.root, env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ResolveRoot(%q) with $%s=%q: err = %v, want %q", tt.root, env, tt.env, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ResolveRoot(%q) with $%s=%q = %q, %v; want %q", tt.root, env, tt.env, got, err, tt.want)
		}
	}
}
