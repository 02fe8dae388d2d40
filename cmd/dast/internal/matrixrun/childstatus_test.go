package matrixrun

import (
	"bytes"
	"testing"
)

func TestChildStatusFollowsProgressLines(t *testing.T) {
	st := newChildStatus()
	var a, b bytes.Buffer
	ta, tb := st.tap("dast/seed1", &a), st.tap("source_only/seed2", &b)
	if got := st.Line(); got != "dast/seed1 starting; source_only/seed2 starting" {
		t.Errorf("before any progress: %q", got)
	}
	// Lines arrive in arbitrary chunks; non-JSON lines are kept but ignored.
	chunks := []string{`{"msg":"stage","stage":"01-da"}` + "\n" + `{"msg":"progr`, `ess","what":"train","done":1200,"total":2000,"elapsed":10,"eta":40}` + "\nplain text\n"}
	for _, c := range chunks {
		if _, err := ta.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	tb.Write([]byte(`{"msg":"progress","what":"eval","done":3}` + "\n"))
	if got, want := st.Line(), "dast/seed1 01-da train 1200/2000 eta 40s; source_only/seed2 eval 3"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
	if a.String() != chunks[0]+chunks[1] {
		t.Errorf("the log buffer lost output: %q", a.String())
	}
	st.finish("dast/seed1")
	if got := st.Line(); got != "source_only/seed2 eval 3" {
		t.Errorf("after finish: %q", got)
	}
}
