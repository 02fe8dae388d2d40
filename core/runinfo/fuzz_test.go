package runinfo

import (
	"strings"
	"testing"
)

// FuzzParseHolder: any lock-file content gives a message naming the directory, never a panic.
func FuzzParseHolder(f *testing.F) {
	f.Add("pid 42\nstarted 2026-12-01T10:00:00Z\ncommand dast train\n")
	f.Add("")
	f.Add("pid -1\nstarted yesterday\n")
	f.Add("pid 99999999999999999999\n")
	f.Fuzz(func(t *testing.T, s string) {
		e := parseHolder([]byte(s))
		e.Dir = "runs/x"
		if msg := e.Error(); !strings.HasPrefix(msg, "runs/x is in use by ") {
			t.Fatalf("message %q", msg)
		}
	})
}
