package score

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/datasets"
)

// TestUnmatchedPredictionsReported: predictions without ground truth are not scored and are
// listed in the result, its table and its JSON.
func TestUnmatchedPredictionsReported(t *testing.T) {
	const w, h = 5, 4
	set := randomSet(rand.New(rand.NewPCG(5, 6)), 2, w, h, 19, trainID19)
	predDir, gtDir := writeSet(t, set, w, h, func(s string) string { return s + ".png" })
	base, err := Score(context.Background(), Options{PredDir: predDir, GTDir: gtDir, Classes: 19})
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Unmatched) != 0 || strings.Contains(base.Table(), "not scored") {
		t.Fatalf("unmatched %v in a matched set; table:\n%s", base.Unmatched, base.Table())
	}
	for _, name := range []string{"zurich_000001_000019.png", "sub/aachen_000002_000019_leftImg8bit.png"} {
		path := filepath.Join(predDir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := datasets.WritePNG(path, func(wr io.Writer) error { return datasets.EncodeLabel(wr, make([]uint8, w*h), w, h) }); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Score(context.Background(), Options{PredDir: predDir, GTDir: gtDir, Classes: 19})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sub/aachen_000002_000019_leftImg8bit.png", "zurich_000001_000019.png"}; strings.Join(r.Unmatched, ",") != strings.Join(want, ",") {
		t.Errorf("unmatched %v, want %v", r.Unmatched, want)
	}
	if r.Images != 2 || r.MIoU != base.MIoU {
		t.Errorf("images %d, mIoU %v; want 2 and %v (the unmatched files are not scored)", r.Images, r.MIoU, base.MIoU)
	}
	if want := "not scored: 2 prediction(s) without ground truth (sub/aachen_000002_000019_leftImg8bit.png, zurich_000001_000019.png)"; !strings.Contains(r.Table(), want) {
		t.Errorf("table lacks %q:\n%s", want, r.Table())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Unmatched []string `json:"unmatched_predictions"`
	}
	if err := json.Unmarshal(b, &js); err != nil || len(js.Unmatched) != 2 {
		t.Errorf("json unmatched_predictions %v, %v: %s", js.Unmatched, err, b)
	}
	if got := firstFew([]string{"a", "b", "c", "d", "e"}, 3); got != "a, b, c and 2 more" {
		t.Errorf("firstFew = %q", got)
	}
}

// writeColour writes ids as an 8-bit RGB PNG, with channel offsets dg, db added to G and B.
func writeColour(t *testing.T, path string, ids []uint8, w, h int, dg, db uint8) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, v := range ids {
		img.SetNRGBA(i%w, i/w, color.NRGBA{R: v, G: v + dg, B: v + db, A: 255})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestColourPredictions: a colour PNG prediction is refused (its red channel is no class id);
// a gray image saved as RGB scores like the gray one.
func TestColourPredictions(t *testing.T) {
	const w, h = 6, 3
	set := randomSet(rand.New(rand.NewPCG(7, 8)), 2, w, h, 19, trainID19)
	predDir, gtDir := writeSet(t, set, w, h, func(s string) string { return s + ".png" })
	ctx := context.Background()
	gray, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(predDir, set[1].stem+".png")
	writeColour(t, path, set[1].pred, w, h, 0, 0)
	same, err := Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19})
	if err != nil {
		t.Fatalf("gray saved as RGB: %v", err)
	}
	if same.MIoU != gray.MIoU {
		t.Errorf("gray as RGB: mIoU %v, gray %v", same.MIoU, gray.MIoU)
	}
	writeColour(t, path, set[1].pred, w, h, 1, 0)
	_, err = Score(ctx, Options{PredDir: predDir, GTDir: gtDir, Classes: 19})
	if err == nil || !strings.Contains(err.Error(), "prediction "+path+" is a colour PNG (pixel (0,0) is RGB ") ||
		!strings.Contains(err.Error(), "a colour visualisation cannot be scored") {
		t.Errorf("colour prediction: %v", err)
	}
}
