package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/datasets/cityscapes"
)

// writeFaultyTrees writes small GTA5, SYNTHIA and Cityscapes trees in their real layouts, each
// with planted faults, and a config naming them.
func writeFaultyTrees(t *testing.T) (cfg string) {
	t.Helper()
	dir := t.TempDir()
	img := encodePNG(t, tinyImage())
	gta, syn, cs := filepath.Join(dir, "gta5"), filepath.Join(dir, "synthia"), filepath.Join(dir, "cityscapes")
	gtaLabel := encodePNG(t, tinyLabel8(7, 26, 0, 23))
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("%05d.png", i)
		writeFile(t, filepath.Join(gta, "images", name), img)
		switch i {
		case 3: // fault: no label
		case 5: // fault: a label of another size
			writeFile(t, filepath.Join(gta, "labels", name), encodePNG(t, image.NewGray(image.Rect(0, 0, 8, 8))))
		default:
			writeFile(t, filepath.Join(gta, "labels", name), gtaLabel)
		}
	}
	writeFile(t, filepath.Join(gta, "images", "00004.png"), img[:len(img)-20]) // fault: truncated
	synLabel := encodePNG(t, tinyLabel16(3, 8, 0, 1))
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("%07d.png", i)
		writeFile(t, filepath.Join(syn, "RGB", name), img)
		label := synLabel
		if i == 2 { // fault: an 8-bit SYNTHIA label
			label = encodePNG(t, tinyLabel8(3, 8, 0, 1))
		}
		writeFile(t, filepath.Join(syn, "GT", "LABELS", name), label)
	}
	for i := range 3 {
		stem := fmt.Sprintf("aachen_000000_%06d", i)
		label := encodePNG(t, tinyLabel8(7, 11, 24, 1))
		if i == 1 { // fault (deep): an id outside the Cityscapes table
			label = encodePNG(t, tinyLabel8(7, 40))
		}
		im := img
		if i == 2 { // fault (deep): a corrupt pixel stream behind a valid header and trailer
			im = append([]byte{}, img...)
			im[len(im)/2] ^= 0xff
		}
		writeFile(t, filepath.Join(cs, "leftImg8bit", "val", "aachen", stem+cityscapes.ImageSuffix), im)
		writeFile(t, filepath.Join(cs, "gtFine", "val", "aachen", stem+cityscapes.LabelSuffix), label)
	}
	cfg = filepath.Join(dir, "check.yaml")
	y := fmt.Sprintf(`segmentor: {name: small}
strategy: {name: source_only}
data:
  source: {name: gta5, root: %q, resize: [0, 0]}
  target: {name: synthia, root: %q, resize: [0, 0]}
  val: {name: cityscapes, root: %q, split: val, resize: [0, 0]}
`, gta, syn, cs)
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestDataCheckFindsPlantedFaults: every planted fault is found and named, the pixel-level
// ones only with --deep, and the count is compared with the release's.
func TestDataCheckFindsPlantedFaults(t *testing.T) {
	cfg := writeFaultyTrees(t)
	code, out, errOut := runCLI(t, "data", "check", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "problem(s)") {
		t.Fatalf("exit %d, stderr %q, want exit 1 naming the problems", code, errOut)
	}
	want := []string{
		"data.source  gta5        4      24966     0            1      1        1           1              0             0             0             ERRORS",
		"data.target  synthia     3      9400      0            1      0        0           0              1             0             0             ERRORS",
		"data.val     cityscapes  3      500       0            1      0        0           0              0             0             0             ERRORS",
		"5 images listed, the release has 24966",
		"labels/00003.png",                   // missing
		"00004.png: truncated png",           // unreadable
		"labels/00005.png: label 8x8, image", // size mismatch
		"0000002.png: 8-bit label: SYNTHIA GT/LABELS files are 16-bit PNGs",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "outside the cityscapes table") {
		t.Errorf("label values reported without --deep:\n%s", out)
	}

	code, out, _ = runCLI(t, "data", "check", "--config", cfg, "--deep", "--no-count-check")
	if code != 1 {
		t.Fatalf("--deep: exit %d", code)
	}
	for _, w := range []string{
		"aachen_000000_000001_gtFine_labelIds.png: ids 40 outside the cityscapes table (0-33)",
		"aachen_000000_000002_leftImg8bit.png: decode png",
		"data.val     cityscapes  3      500       0            0      0        0           0              0             1             1             ERRORS",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("--deep report lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "the release has") {
		t.Errorf("--no-count-check still compared counts:\n%s", out)
	}
}

// TestDataCheckCleanTree: a tree without faults passes (counts aside); a label of another size
// than its image, which the loader repairs, is a warning that does not fail the check.
func TestDataCheckCleanTree(t *testing.T) {
	dir := t.TempDir()
	img := encodePNG(t, tinyImage())
	for i := range 2 {
		stem := fmt.Sprintf("bremen_000000_%06d", i)
		writeFile(t, filepath.Join(dir, "leftImg8bit", "train", "bremen", stem+cityscapes.ImageSuffix), img)
		writeFile(t, filepath.Join(dir, "gtFine", "train", "bremen", stem+cityscapes.LabelSuffix), encodePNG(t, tinyLabel8(7, 0, 33, 255)))
	}
	cfg := filepath.Join(dir, "c.yaml")
	writeFile(t, cfg, []byte(fmt.Sprintf("segmentor: {name: small}\nstrategy: {name: source_only}\ndata:\n  source: {name: cityscapes, root: %q, split: train}\n", dir)))
	code, out, errOut := runCLI(t, "data", "check", "--config", cfg, "--deep", "--no-count-check")
	if code != 0 || !strings.Contains(out, "ok: every dataset checked\n") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}
	writeFile(t, filepath.Join(dir, "gtFine", "train", "bremen", "bremen_000000_000001"+cityscapes.LabelSuffix), encodePNG(t, image.NewGray(image.Rect(0, 0, 32, 16))))
	code, out, errOut = runCLI(t, "data", "check", "--config", cfg, "--no-count-check")
	for _, w := range []string{"warnings", "size mismatch (1, a warning", "no errors (1 warnings)"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("size mismatch only: exit %d, want 0 and %q\n%s\n%s", code, w, out, errOut)
		}
	}
}
