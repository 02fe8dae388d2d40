package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/datasets"
)

func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	gt := filepath.Join(dir, "gtFine", "val", "aachen", "aachen_000000_000019_gtFine_labelIds.png")
	pred := filepath.Join(dir, "pred", "aachen_000000_000019_leftImg8bit.png")
	// Label ids road, road, sidewalk, unlabeled; predicted trainIds road, sidewalk, sidewalk,
	// pole. Road: TP 1, FN 1 -> 50%; sidewalk: TP 1, FP 1 -> 50%; the pole prediction falls on
	// an ignored pixel; every other class is undefined. mIoU 50.
	for _, f := range []struct {
		path string
		ids  []uint8
	}{{gt, []uint8{7, 7, 8, 0}}, {pred, []uint8{0, 1, 1, 5}}} {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := datasets.WritePNG(f.path, func(w io.Writer) error { return datasets.EncodeLabel(w, f.ids, 4, 1) }); err != nil {
			t.Fatal(err)
		}
	}
	jsonPath := filepath.Join(dir, "score.json")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"score", "--pred", filepath.Join(dir, "pred"), "--gt", filepath.Join(dir, "gtFine"), "--json", jsonPath}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, s := range []string{"19 Cityscapes classes", "images: 1", "road", "50.0", "mIoU", "wrote " + jsonPath} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	m, err := metrics.ReadJSON(jsonPath)
	if err != nil || m.MIoU != 50 || m.PerClass[0].IoU != 50 || m.PerClass[1].IoU != 50 || len(m.PerClass) != 19 {
		t.Errorf("json: %+v, %v", m, err)
	}

	errb.Reset()
	if code := run(context.Background(), []string{"score", "--pred", dir}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "--gt are required") {
		t.Errorf("no --gt: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run(context.Background(), []string{"score", "--pred", dir, "--gt", dir, "--classes", "7"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "classes 7") {
		t.Errorf("--classes 7: exit %d, stderr %q", code, errb.String())
	}
}
