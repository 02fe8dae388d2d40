package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
)

// TestPredictThenScoreEqualsEval trains a tiny DA model (with discriminator attention) on the
// synthetic benchmark written in the GTA5 and Cityscapes layouts, evaluates it, predicts
// Cityscapes val (inputs at half the labels' size, so predictions come at the labels' size)
// and scores the trainId and the labelId PNGs with dast score: both equal dast eval's mIoU.
func TestPredictThenScoreEqualsEval(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, stderr := runCLI(t, "synth", "--out", data, "--train", "3", "--val", "3", "--height", "32", "--width", "64"); code != 0 {
		t.Fatalf("synth: %s", stderr)
	}
	cfg := filepath.Join(dir, "tiny.yaml")
	y := fmt.Sprintf(`seed: 3
data:
  source: {name: gta5, root: %q, resize: [64, 32]}
  target: {name: cityscapes, root: %q, split: train, resize: [64, 32]}
  val: {name: cityscapes, root: %q, split: val, resize: [32, 16]}
segmentor: {name: small, widths: [4, 8, 16]}
discriminators:
  discoverer: {name: discoverer, channels_from: input}
  corrector: {name: corrector, channels: [4, 8, 8, 8]}
strategy: {name: da}
train: {iterations: 20, checkpoint_every: 0, log_every: 1}
`, filepath.Join(data, "gta5"), filepath.Join(data, "cityscapes"), filepath.Join(data, "cityscapes"))
	writeFile(t, cfg, []byte(y))
	run := filepath.Join(dir, "run")
	if code, _, stderr := runCLI(t, "train", "--config", cfg, "--out", run); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	code, _, stderr := runCLI(t, "eval", "--checkpoint", run)
	if code != 0 {
		t.Fatalf("eval: %s", stderr)
	}
	pred := filepath.Join(dir, "pred")
	code, out, stderr := runCLI(t, "predict", "--checkpoint", run, "--out", pred, "--overlay")
	if code != 0 || !strings.Contains(out, "wrote 3 predictions") {
		t.Fatalf("predict: exit %d\n%s\n%s", code, out, stderr)
	}
	gt := filepath.Join(data, "cityscapes", "gtFine", "val")
	evalM, err := metrics.ReadJSON(filepath.Join(run, "eval", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dast eval: mIoU %.4f", evalM.MIoU)
	for _, format := range []string{"trainids", "labelids"} {
		js := filepath.Join(dir, format+".json")
		code, o, stderr := runCLI(t, "score", "--pred", filepath.Join(pred, format), "--gt", gt, "--pred-format", format, "--json", js)
		if code != 0 || !strings.Contains(o, "images: 3") {
			t.Fatalf("score %s: exit %d\n%s\n%s", format, code, o, stderr)
		}
		m, err := metrics.ReadJSON(js)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("dast score of the %s PNGs: mIoU %.4f", format, m.MIoU)
		if m.MIoU != evalM.MIoU || len(m.PerClass) != len(evalM.PerClass) {
			t.Errorf("score of the %s PNGs: mIoU %v over %d classes, dast eval %v over %d", format, m.MIoU, len(m.PerClass), evalM.MIoU, len(evalM.PerClass))
			continue
		}
		for i, c := range m.PerClass {
			e := evalM.PerClass[i]
			if c.Name != e.Name || !(c.IoU == e.IoU || math.IsNaN(c.IoU) && math.IsNaN(e.IoU)) {
				t.Errorf("%s: class %s IoU %v, dast eval %v", format, c.Name, c.IoU, e.IoU)
			}
		}
	}
	if evalM.MIoU <= 0 {
		t.Errorf("eval mIoU %v: the comparison says little", evalM.MIoU)
	}
	// Every kind of PNG, at the labels' size (64x32) but the overlay and attention at the input's (32x16).
	files, _ := filepath.Glob(filepath.Join(pred, predTrainIDs, "*.png"))
	if len(files) != 3 {
		t.Fatalf("%d trainId PNGs", len(files))
	}
	name := filepath.Base(files[0])
	for dir, size := range map[string][2]int{predTrainIDs: {64, 32}, predLabelIDs: {64, 32}, predColor: {64, 32}, predOverlay: {32, 16}, predAttention: {32, 16}} {
		f, err := os.Open(filepath.Join(pred, dir, name))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		c, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || c.Width != size[0] || c.Height != size[1] {
			t.Errorf("%s/%s: %dx%d (%v), want %dx%d", dir, name, c.Width, c.Height, err, size[0], size[1])
		}
	}
	// The test split (images only) is predicted at the image files' native size (64x32), which
	// the Cityscapes benchmark server expects, not at the 32x16 the network sees.
	vals, _ := filepath.Glob(filepath.Join(data, "cityscapes", "leftImg8bit", "val", "*", "*.png"))
	for _, v := range vals {
		b, err := os.ReadFile(v)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(data, "cityscapes", "leftImg8bit", "test", "city", filepath.Base(v)), b)
	}
	testPred := filepath.Join(dir, "pred-test")
	if code, out, stderr := runCLI(t, "predict", "--checkpoint", run, "--out", testPred, "--set", "data.val.split=test"); code != 0 || !strings.Contains(out, "wrote 3 predictions") {
		t.Fatalf("predict the test split: exit %d\n%s\n%s", code, out, stderr)
	}
	tf, err := os.Open(filepath.Join(testPred, predLabelIDs, name))
	if err != nil {
		t.Fatal(err)
	}
	tc, err := png.DecodeConfig(tf)
	tf.Close()
	if err != nil || tc.Width != 64 || tc.Height != 32 {
		t.Errorf("test-split labelId PNG %dx%d (%v), want the image's 64x32", tc.Width, tc.Height, err)
	}

	f, err := os.Open(filepath.Join(pred, predColor, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if _, ok := img.(*image.Paletted); err != nil || !ok {
		t.Errorf("colour PNG is a %T (%v), want a palette image", img, err)
	}
}
