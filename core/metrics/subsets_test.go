package metrics

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestSubsetMIoUs scores named subsets of the hand-computed example (IoU 2/3, 1/2, 1/2 and an
// absent class 3).
func TestSubsetMIoUs(t *testing.T) {
	c := NewConfusion(4)
	if err := c.Add(examplePred, exampleGT); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		classes []int
		want    float64
	}{
		{"first two", []int{0, 1}, 100 * (2.0/3 + 0.5) / 2},
		{"one class", []int{2}, 50},
		{"absent class skipped", []int{0, 3}, 100 * 2.0 / 3},
		{"only absent", []int{3}, math.NaN()},
		{"out of range skipped", []int{1, 7, -1}, 50},
	}
	subsets := map[string][]int{}
	for _, tt := range tests {
		subsets[tt.name] = tt.classes
	}
	got := c.SubsetMIoUs(subsets)
	if len(got) != len(tests) {
		t.Fatalf("%d subsets scored, want %d", len(got), len(tests))
	}
	for _, tt := range tests {
		v, ok := got[tt.name]
		if !ok || math.IsNaN(v) != math.IsNaN(tt.want) || (!math.IsNaN(tt.want) && !near(v, tt.want)) {
			t.Errorf("%s: %v (present %v), want %v", tt.name, v, ok, tt.want)
		}
	}
	if got := c.SubsetMIoUs(nil); got != nil {
		t.Errorf("no subsets: %v, want nil", got)
	}
}

func TestSubsetsJSONAndTable(t *testing.T) {
	c := NewConfusion(4)
	if err := c.Add(examplePred, exampleGT); err != nil {
		t.Fatal(err)
	}
	m := c.Metrics([]string{"road", "sidewalk", "building", "wall"}, 7)
	plain, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), "subsets") {
		t.Errorf("metrics without subsets write a subsets key: %s", plain)
	}
	m.Subsets = c.SubsetMIoUs(map[string][]int{"mIoU*13": {0, 2}, "absent": {3}})
	path := filepath.Join(t.TempDir(), "metrics.json")
	if err := WriteJSON(path, m); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	want := 100 * (2.0/3 + 0.5) / 2
	if len(back.Subsets) != 2 || !near(back.Subsets["mIoU*13"], want) || !math.IsNaN(back.Subsets["absent"]) {
		t.Errorf("subsets read back %v, want mIoU*13 %v and absent NaN", back.Subsets, want)
	}
	var generic map[string]any
	data, _ := json.Marshal(m)
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	sub, _ := generic["subsets"].(map[string]any)
	if v, ok := sub["absent"]; !ok || v != nil {
		t.Errorf("undefined subset mIoU = %v (present %v), want null", v, ok)
	}
	lines := strings.Split(strings.TrimRight(m.Table(), "\n"), "\n")
	if len(lines) != 8 {
		t.Fatalf("table has %d lines, want header + 4 classes + mIoU + 2 subsets:\n%s", len(lines), m.Table())
	}
	if !strings.HasPrefix(lines[5], "mIoU ") || !strings.HasPrefix(lines[6], "absent") ||
		!strings.HasPrefix(lines[7], "mIoU*13") || !strings.Contains(lines[7], "58.3") {
		t.Errorf("table tail %q, want mIoU, absent, then mIoU*13 58.3", lines[5:])
	}
}
