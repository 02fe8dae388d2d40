package slurm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogParsing(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "j.log")
	os.WriteFile(log, []byte(`{"level":"info","ts":"t","msg":"stage","stage":"02-round1"}
{"level":"info","ts":"t","msg":"progress","what":"pseudo","done":100,"total":2000,"eta":12}
{"level":"info","ts":"t","msg":"progress","what":"train","done":120,"total":250,"eta":40}
{"level":"error","ts":"t","msg":"matrix: run failed","error":"boom"}
dast: stage round1: iteration 121: loss seg is NaN
`), 0o644)
	if got := lastProgress(log); got != "train 120/250 eta 40s" {
		t.Errorf("lastProgress = %q", got)
	}
	if got := lastError(log); got != "dast: stage round1: iteration 121: loss seg is NaN" {
		t.Errorf("lastError = %q", got)
	}
	os.WriteFile(log, []byte(`{"level":"error","ts":"t","msg":"run failed","error":"boom"}
{"level":"info","ts":"t","msg":"bye"}
`), 0o644)
	if got := lastError(log); got != "run failed: boom" {
		t.Errorf("lastError (JSON) = %q", got)
	}
	if got := lastError(filepath.Join(dir, "none.log")); !strings.Contains(got, "never started") {
		t.Errorf("lastError (no log) = %q", got)
	}
	if got := lastProgress(filepath.Join(dir, "none.log")); got != "starting" {
		t.Errorf("lastProgress (no log) = %q", got)
	}
}

func FuzzLogParsing(f *testing.F) {
	f.Add([]byte(`{"msg":"progress","what":"train","done":1,"total":5,"eta":1}` + "\n"))
	f.Add([]byte(`{"level":"error","msg":"x","error":"y"}` + "\nplain\n"))
	f.Add([]byte(`{"msg":"train","it":3,"of":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "log")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_ = lastProgress(p)
		if lastError(p) == "" {
			t.Error("lastError is empty")
		}
	})
}
