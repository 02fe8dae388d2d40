package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const logA = `{"level":"info","msg":"run","dir":"x"}
{"level":"info","msg":"train","it":1,"of":4,"loss_seg":3.0,"loss_adv_d":0.5}
not json: a table line
{"level":"info","msg":"progress","done":1}
{"level":"info","msg":"train","it":2,"of":4,"loss_seg":2.0,"loss_adv_d":0.5}
{"level":"info","msg":"train","it":3,"of":4,"loss_seg":1.0,"loss_adv_d":0.5}
{"level":"info","msg":"train","it":4,"of":4,"loss_seg":1.0,"loss_adv_d":0.5}
`

const logB = `{"level":"info","msg":"train","it":1,"of":4,"loss_seg":3.0,"loss_adv_d":0.5}
{"level":"info","msg":"train","it":2,"of":4,"loss_seg":1.0,"loss_adv_d":0.5}
{"level":"info","msg":"train","it":3,"of":4,"loss_seg":2.0,"loss_adv_d":0.5}
{"level":"info","msg":"train","it":4,"of":4,"loss_seg":1.0,"loss_adv_d":0.4}
`

func TestCompare(t *testing.T) {
	a, err := readCurve(strings.NewReader(logA), "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := readCurve(strings.NewReader(logB), "b")
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := compare(a, b, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 2 || diffs[0].name != "adv_d" || diffs[1].name != "seg" {
		t.Fatalf("diffs %+v, want adv_d and seg", diffs)
	}
	seg := diffs[1]
	// Iteration 2: 2 vs 1 -> 0.5 (the first of the two equal maxima). Windows {1,2}: 5 vs 4
	// -> 0.2; {3,4}: 2 vs 3 -> 1/3.
	if seg.n != 4 || seg.max != 0.5 || seg.at != 2 || seg.windowAt != 3 || seg.windowMax < 0.333 || seg.windowMax > 0.334 {
		t.Errorf("seg %+v", seg)
	}
	if d := diffs[0]; d.at != 4 || d.max < 0.199 || d.max > 0.201 {
		t.Errorf("adv_d %+v, want 0.2 at iteration 4", d)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.jsonl", logA), write("b.jsonl", logB)
	write("ra/metrics.json", `{"miou": 41.5, "per_class": {}}`)
	write("rb/metrics.json", `{"miou": 40.25}`)
	var out bytes.Buffer
	if err := run([]string{"-a", a, "-b", b, "-a-run", filepath.Join(dir, "ra"), "-b-run", filepath.Join(dir, "rb"), "-window", "2"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "summary max_rel_diff=0.5 window_max_rel_diff=0.3333 miou_a=41.5 miou_b=40.25") {
		t.Errorf("output:\n%s", out.String())
	}
	nan := write("nan.jsonl", `{"msg":"train","it":1,"loss_seg":"NaN"}`+"\n")
	if err := run([]string{"-a", a, "-b", nan}, &out); err == nil || !strings.Contains(err.Error(), "no train lines") {
		t.Errorf("a log without numeric losses: error %v", err)
	}
	if err := run([]string{"-a", a}, &out); err == nil {
		t.Error("missing -b accepted")
	}
}

func FuzzReadCurve(f *testing.F) {
	f.Add(logA)
	f.Add(`{"msg":"train","it":"x"}`)
	f.Fuzz(func(t *testing.T, text string) {
		c, err := readCurve(strings.NewReader(text), "fuzz")
		if err == nil && len(c) == 0 {
			t.Fatal("no error and no curve")
		}
	})
}
