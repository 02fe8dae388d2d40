package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The hand-computed example: rows are ground truth, columns predictions.
//
//	gt 0: pred 0 x2, pred 1 x1   -> class 0: TP 2, FP 0, FN 1 -> 2/3
//	gt 1: pred 1 x2              -> class 1: TP 2, FP 2, FN 0 -> 1/2
//	gt 2: pred 1 x1, pred 2 x1   -> class 2: TP 1, FP 0, FN 1 -> 1/2
//	gt 255 predicted 2: ignored.
var (
	examplePred = []int32{0, 0, 1, 1, 1, 1, 2, 2}
	exampleGT   = []int32{0, 0, 0, 1, 1, 2, 255, 2}
)

func TestIoUHandComputed(t *testing.T) {
	tests := []struct {
		name     string
		classes  int
		wantIoU  []float64
		wantMIoU float64
	}{
		{"three classes", 3, []float64{2.0 / 3, 0.5, 0.5}, 100 * (2.0/3 + 0.5 + 0.5) / 3},
		{"fourth class absent", 4, []float64{2.0 / 3, 0.5, 0.5, math.NaN()}, 100 * (2.0/3 + 0.5 + 0.5) / 3},
	}
	for _, tt := range tests {
		c := NewConfusion(tt.classes)
		if err := c.Add(examplePred, exampleGT); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if c.Total() != 7 {
			t.Errorf("%s: Total = %d, want 7 (the ignored pixel is not counted)", tt.name, c.Total())
		}
		iou := c.IoU()
		for k, want := range tt.wantIoU {
			if math.IsNaN(want) != math.IsNaN(iou[k]) || (!math.IsNaN(want) && !near(iou[k], want)) {
				t.Errorf("%s: IoU[%d] = %v, want %v", tt.name, k, iou[k], want)
			}
		}
		if got := c.MIoU(); !near(got, tt.wantMIoU) {
			t.Errorf("%s: MIoU = %v, want %v", tt.name, got, tt.wantMIoU)
		}
		if got, want := c.PixelAccuracy(), 100*5.0/7; !near(got, want) {
			t.Errorf("%s: PixelAccuracy = %v, want %v", tt.name, got, want)
		}
	}
}

func TestPredictedOnlyClassIsZero(t *testing.T) {
	c := NewConfusion(3)
	// Class 2 never in ground truth but predicted once: IoU 0, and it counts in the mean.
	if err := c.Add([]int32{0, 2}, []int32{0, 0}); err != nil {
		t.Fatal(err)
	}
	iou := c.IoU()
	if !near(iou[0], 0.5) || iou[2] != 0 || !math.IsNaN(iou[1]) {
		t.Errorf("IoU = %v, want [0.5 NaN 0]", iou)
	}
	if got := c.MIoU(); !near(got, 25) {
		t.Errorf("MIoU = %v, want 25", got)
	}
	if got := c.MIoUOver([]int{0, 1}); !near(got, 50) {
		t.Errorf("MIoUOver(0,1) = %v, want 50", got)
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name     string
		pred, gt []int32
	}{
		{"length mismatch", []int32{0, 1}, []int32{0}},
		{"prediction too large", []int32{3}, []int32{0}},
		{"negative prediction", []int32{-1}, []int32{0}},
		{"prediction out of range on ignored pixel", []int32{7}, []int32{255}},
		{"label out of range", []int32{0}, []int32{5}},
	}
	for _, tt := range tests {
		c := NewConfusion(3)
		if err := c.Add(tt.pred, tt.gt); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
		if c.Total() != 0 {
			t.Errorf("%s: %d pixels counted after an error", tt.name, c.Total())
		}
	}
}

func TestMergeAndEmpty(t *testing.T) {
	a, b := NewConfusion(3), NewConfusion(3)
	if !math.IsNaN(a.MIoU()) {
		t.Errorf("empty MIoU = %v, want NaN", a.MIoU())
	}
	if err := a.Add(examplePred[:4], exampleGT[:4]); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(examplePred[4:], exampleGT[4:]); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	whole := NewConfusion(3)
	if err := whole.Add(examplePred, exampleGT); err != nil {
		t.Fatal(err)
	}
	for g := 0; g < 3; g++ {
		for p := 0; p < 3; p++ {
			if a.Count(g, p) != whole.Count(g, p) {
				t.Errorf("merged count[%d][%d] = %d, want %d", g, p, a.Count(g, p), whole.Count(g, p))
			}
		}
	}
	if err := a.Merge(NewConfusion(4)); err == nil {
		t.Error("merge of a 4-class matrix into a 3-class one: no error")
	}
}

func TestMetricsJSON(t *testing.T) {
	c := NewConfusion(4)
	if err := c.Add(examplePred, exampleGT); err != nil {
		t.Fatal(err)
	}
	m := c.Metrics([]string{"road", "sidewalk", "building"}, 1200)
	path := filepath.Join(t.TempDir(), "metrics.json")
	if err := WriteJSON(path, m); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatalf("metrics.json is not JSON: %v\n%s", err, data)
	}
	per, ok := generic["per_class"].(map[string]any)
	if !ok {
		t.Fatalf("per_class missing or not an object:\n%s", data)
	}
	if v, ok := per["class_3"]; !ok || v != nil {
		t.Errorf("absent class_3 = %v (present %v), want null", v, ok)
	}
	if v, _ := per["road"].(float64); !near(v, 100*2.0/3) {
		t.Errorf("road = %v, want %v", per["road"], 100*2.0/3)
	}
	if v, _ := generic["miou"].(float64); !near(v, c.MIoU()) {
		t.Errorf("miou = %v, want %v", generic["miou"], c.MIoU())
	}
	if generic["num_classes"] != 4.0 || generic["iteration"] != 1200.0 {
		t.Errorf("num_classes %v iteration %v, want 4 and 1200", generic["num_classes"], generic["iteration"])
	}
	if i, j := strings.Index(string(data), `"road"`), strings.Index(string(data), `"building"`); i < 0 || j < i {
		t.Errorf("per_class not in class order:\n%s", data)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.PerClass) != 4 || back.PerClass[2].Name != "building" || !math.IsNaN(back.PerClass[3].IoU) ||
		!near(back.MIoU, m.MIoU) || back.Iteration != 1200 {
		t.Errorf("ReadJSON = %+v, want %+v", back, m)
	}
}

func TestTable(t *testing.T) {
	c := NewConfusion(4)
	if err := c.Add(examplePred, exampleGT); err != nil {
		t.Fatal(err)
	}
	tab := c.Metrics([]string{"road", "sidewalk", "building", "traffic light"}, 0).Table()
	lines := strings.Split(strings.TrimRight(tab, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("table has %d lines, want header + 4 classes + mIoU:\n%s", len(lines), tab)
	}
	if !strings.HasPrefix(lines[5], "mIoU") || !strings.Contains(lines[5], "55.6") {
		t.Errorf("last line %q, want mIoU 55.6", lines[5])
	}
	if !strings.Contains(lines[4], "-") || !strings.Contains(lines[1], "66.7") {
		t.Errorf("rows %q / %q, want 66.7 for road and - for the absent class", lines[1], lines[4])
	}
	for _, l := range lines[1:] {
		if len(l) != len(lines[1]) {
			t.Errorf("unaligned table:\n%s", tab)
			break
		}
	}
}
