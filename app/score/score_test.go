package score

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/datasets"
)

// Cityscapes label ids of the 19 trainIds, in trainId order (written out here so the test does
// not depend on the tables it checks).
var labelIDOf = []uint8{7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33}

// The 16 SYNTHIA classes as 19-class trainIds, in 16-class order (no terrain 9, truck 14,
// train 16).
var synthia16 = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18}

type testImage struct {
	stem     string
	gt, pred []uint8 // gt: Cityscapes label ids; pred: as written
}

// randomSet makes n images: ground truth of random label ids (evaluated and not), predictions
// right half of the time (right(gt), when that is not negative), else random values below
// predMax, plus a few 255s.
func randomSet(r *rand.Rand, n, w, h, predMax int, right func(uint8) int) []testImage {
	out := make([]testImage, n)
	for k := range out {
		im := testImage{stem: fmt.Sprintf("city%d_%06d_%06d", k%2, k, 19), gt: make([]uint8, w*h), pred: make([]uint8, w*h)}
		for i := range im.gt {
			if r.IntN(10) == 0 {
				im.gt[i] = uint8(r.IntN(34)) // any label id, often not evaluated
			} else {
				im.gt[i] = labelIDOf[r.IntN(19)]
			}
			im.pred[i] = uint8(r.IntN(predMax))
			if c := right(im.gt[i]); c >= 0 && r.IntN(2) == 0 {
				im.pred[i] = uint8(c)
			}
			if r.IntN(50) == 0 {
				im.pred[i] = 255
			}
		}
		out[k] = im
	}
	return out
}

func writeSet(t *testing.T, set []testImage, w, h int, predName func(stem string) string) (predDir, gtDir string) {
	t.Helper()
	root := t.TempDir()
	predDir, gtDir = filepath.Join(root, "pred"), filepath.Join(root, "gtFine", "val")
	for _, im := range set {
		city, _, _ := strings.Cut(im.stem, "_")
		g := filepath.Join(gtDir, city, im.stem+"_gtFine_labelIds.png")
		p := filepath.Join(predDir, predName(im.stem))
		for _, f := range []struct {
			path string
			ids  []uint8
		}{{g, im.gt}, {p, im.pred}} {
			if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := datasets.WritePNG(f.path, func(wr io.Writer) error { return datasets.EncodeLabel(wr, f.ids, w, h) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	return predDir, gtDir
}

// reference computes per-class IoU (percent, NaN when undefined) the plain way: for each scored
// class c, TP = pixels with gt c and prediction c, FP = pixels with a valid gt other than c
// and prediction c, FN = pixels with gt c and another prediction. gtClass maps a label id to
// a class (-1 = not scored), predClass a prediction value to a class (-1 = none).
func reference(set []testImage, scored []int, gtClass, predClass func(uint8) int) (iou []float64, miou float64) {
	tp := map[int]int{}
	fp := map[int]int{}
	fn := map[int]int{}
	for _, im := range set {
		for i := range im.gt {
			g, p := gtClass(im.gt[i]), predClass(im.pred[i])
			if g < 0 {
				continue
			}
			if g == p {
				tp[g]++
			} else {
				fn[g]++
				if p >= 0 {
					fp[p]++
				}
			}
		}
	}
	sum, n := 0.0, 0
	for _, c := range scored {
		den := tp[c] + fp[c] + fn[c]
		if den == 0 {
			iou = append(iou, math.NaN())
			continue
		}
		v := 100 * float64(tp[c]) / float64(den)
		iou = append(iou, v)
		sum += v
		n++
	}
	return iou, sum / float64(n)
}

func trainID19(id uint8) int {
	for t, l := range labelIDOf {
		if l == id {
			return t
		}
	}
	return -1
}

func class16(id uint8) int {
	t := trainID19(id)
	for c, s := range synthia16 {
		if s == t {
			return c
		}
	}
	return -1
}

func below(n int) func(uint8) int {
	return func(v uint8) int {
		if int(v) < n {
			return int(v)
		}
		return -1
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

var sub13 = []int{0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} // 16-class ids without wall, fence, pole

func TestScoreMatchesReference(t *testing.T) {
	const w, h = 23, 11
	r := rand.New(rand.NewPCG(1, 2))
	set19 := randomSet(r, 6, w, h, 19, trainID19)
	set16 := randomSet(r, 6, w, h, 16, class16)
	setLabel := randomSet(r, 6, w, h, 34, func(id uint8) int { return int(id) })
	// the 13-class subset of the 16, as 19-class trainIds
	sub13as19 := make([]int, len(sub13))
	for i, c := range sub13 {
		sub13as19[i] = synthia16[c]
	}
	tests := []struct {
		name         string
		set          []testImage
		opts         Options
		scored       []int
		gtClass      func(uint8) int
		predClass    func(uint8) int
		predName     func(string) string
		wantMIoU13   bool
		wantInJSON   string
		wantInOutput string
	}{
		{name: "19 trainids", set: set19, opts: Options{Classes: 19}, scored: seq(19),
			gtClass: trainID19, predClass: below(19), predName: func(s string) string { return s + ".png" }},
		{name: "19 labelids", set: setLabel, opts: Options{Classes: 19, PredFormat: LabelIDs}, scored: seq(19),
			gtClass: trainID19, predClass: trainID19, predName: func(s string) string { return "x/" + s + "_leftImg8bit.png" }},
		{name: "16 of a 16-class model", set: set16, opts: Options{Classes: 16}, scored: seq(16),
			gtClass: class16, predClass: below(16), predName: func(s string) string { return s + "_gtFine_labelIds.png" },
			wantMIoU13: true, wantInOutput: "16-class model"},
		{name: "13 of a 16-class model", set: set16, opts: Options{Classes: 13, ModelClasses: 16}, scored: sub13,
			gtClass: class16, predClass: below(16), predName: func(s string) string { return s + ".png" }},
		{name: "16 of a 19-class model", set: set19, opts: Options{Classes: 16, ModelClasses: 19}, scored: synthia16,
			gtClass: trainID19, predClass: below(19), predName: func(s string) string { return s + ".png" },
			wantMIoU13: true, wantInOutput: "19-class model"},
		{name: "13 of a 19-class model", set: set19, opts: Options{Classes: 13, ModelClasses: 19}, scored: sub13as19,
			gtClass: trainID19, predClass: below(19), predName: func(s string) string { return s + ".png" }},
		{name: "16 labelids of a 16-class model", set: setLabel, opts: Options{Classes: 16, PredFormat: LabelIDs}, scored: seq(16),
			gtClass: class16, predClass: class16, predName: func(s string) string { return s + ".png" }, wantMIoU13: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			predDir, gtDir := writeSet(t, tt.set, w, h, tt.predName)
			o := tt.opts
			o.PredDir, o.GTDir, o.Workers = predDir, gtDir, 2
			res, err := Score(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			wantIoU, wantMIoU := reference(tt.set, tt.scored, tt.gtClass, tt.predClass)
			if res.Images != len(tt.set) || len(res.IoU) != len(wantIoU) {
				t.Fatalf("%d images, %d classes; want %d and %d", res.Images, len(res.IoU), len(tt.set), len(wantIoU))
			}
			for i := range wantIoU {
				if !near(res.IoU[i], wantIoU[i]) {
					t.Errorf("class %s: IoU %.6f, want %.6f", res.Names[i], res.IoU[i], wantIoU[i])
				}
			}
			if !near(res.MIoU, wantMIoU) {
				t.Errorf("mIoU %.6f, want %.6f", res.MIoU, wantMIoU)
			}
			if tt.wantMIoU13 {
				var scored13 []int
				for _, c := range sub13 {
					scored13 = append(scored13, tt.scored[c])
				}
				_, want13 := reference(tt.set, scored13, tt.gtClass, tt.predClass)
				if !near(res.MIoU13, want13) {
					t.Errorf("mIoU13 %.6f, want %.6f", res.MIoU13, want13)
				}
			} else if !math.IsNaN(res.MIoU13) {
				t.Errorf("mIoU13 = %v, want NaN", res.MIoU13)
			}
			if res.OtherPixels == 0 {
				t.Error("no out-of-range predictions counted (the set has 255s)")
			}
			table := res.Table()
			lines := strings.Split(strings.TrimSpace(table), "\n")
			last := lines[len(lines)-1]
			if tt.wantMIoU13 {
				last = lines[len(lines)-2]
			}
			if !strings.Contains(table, tt.wantInOutput) || !strings.Contains(table, res.Names[0]) ||
				!strings.HasPrefix(last, "mIoU ") || !strings.HasSuffix(last, fmt.Sprintf(" %.1f", wantMIoU)) {
				t.Errorf("table:\n%s", table)
			}
			// The JSON file is a metrics.json that core/metrics reads back.
			jp := filepath.Join(t.TempDir(), "score.json")
			if err := WriteJSON(jp, res); err != nil {
				t.Fatal(err)
			}
			m, err := metrics.ReadJSON(jp)
			if err != nil || !near(m.MIoU, wantMIoU) || len(m.PerClass) != len(wantIoU) {
				t.Errorf("metrics.ReadJSON: %+v, %v", m, err)
			}
			var extra struct {
				Classes    int      `json:"classes"`
				Convention string   `json:"convention"`
				MIoU13     *float64 `json:"miou13"`
			}
			data, _ := os.ReadFile(jp)
			if err := json.Unmarshal(data, &extra); err != nil || extra.Classes != o.Classes || extra.Convention != res.Convention || (extra.MIoU13 != nil) != tt.wantMIoU13 {
				t.Errorf("json extras %+v, %v:\n%s", extra, err, data)
			}
		})
	}
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestScoreErrors(t *testing.T) {
	const w, h = 5, 4
	r := rand.New(rand.NewPCG(3, 4))
	set := randomSet(r, 3, w, h, 19, trainID19)
	predDir, gtDir := writeSet(t, set, w, h, func(s string) string { return s + ".png" })
	ctx := context.Background()
	for _, o := range []Options{{Classes: 18}, {Classes: 19, ModelClasses: 16}, {Classes: 16, ModelClasses: 17}, {Classes: 19, PredFormat: "colors"}} {
		o.PredDir, o.GTDir = predDir, gtDir
		if _, err := Score(ctx, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// A missing prediction names the stem; a duplicate names both files.
	missing := filepath.Join(predDir, set[1].stem+".png")
	data, _ := os.ReadFile(missing)
	os.Remove(missing)
	if _, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19}); err == nil || !strings.Contains(err.Error(), set[1].stem) {
		t.Errorf("missing prediction: err = %v", err)
	}
	os.WriteFile(missing, data, 0o644)
	dup := filepath.Join(predDir, "sub", set[2].stem+"_leftImg8bit.png")
	os.MkdirAll(filepath.Dir(dup), 0o755)
	os.WriteFile(dup, data, 0o644)
	if _, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("duplicate prediction: err = %v", err)
	}
	os.Remove(dup)
	// A prediction of another size, and a truncated one, are errors naming the file.
	bad := filepath.Join(predDir, set[0].stem+".png")
	if err := datasets.WritePNG(bad, func(wr io.Writer) error { return datasets.EncodeLabel(wr, make([]uint8, 6), 3, 2) }); err != nil {
		t.Fatal(err)
	}
	if _, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19}); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "3x2") {
		t.Errorf("size mismatch: err = %v", err)
	}
	os.WriteFile(bad, data[:len(data)/2], 0o644)
	if _, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("truncated: err = %v", err)
	}
	if _, err := Score(ctx, Options{PredDir: predDir, GTDir: t.TempDir(), Classes: 19}); err == nil || !strings.Contains(err.Error(), "no *_gtFine_labelIds.png") {
		t.Errorf("empty gt: err = %v", err)
	}
}

// TestMatchNaming: another release's naming pairs its own label files and ignores
// Cityscapes-named ones.
func TestMatchNaming(t *testing.T) {
	gt, pred := t.TempDir(), t.TempDir()
	for _, p := range []string{filepath.Join(gt, "x", "a_label.png"), filepath.Join(gt, "b_gtFine_labelIds.png"), filepath.Join(pred, "a.png")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	naming := Naming{LabelSuffix: "_label.png", Stem: func(name string) string {
		return strings.TrimSuffix(strings.TrimSuffix(filepath.Base(name), ".png"), "_label")
	}}
	pairs, extra, err := Match(pred, gt, naming)
	if err != nil {
		t.Fatal(err)
	}
	want := [2]string{filepath.Join(gt, "x", "a_label.png"), filepath.Join(pred, "a.png")}
	if len(pairs) != 1 || pairs[0] != want || len(extra) != 0 {
		t.Errorf("pairs %v, extra %v; want [%v] and none", pairs, extra, want)
	}
	if _, _, err := Match(pred, gt, Naming{}); err == nil || !strings.Contains(err.Error(), "no prediction") {
		t.Errorf("Cityscapes naming over b_gtFine_labelIds.png without its prediction: %v, want a missing-prediction error", err)
	}
}
