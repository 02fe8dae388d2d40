package pseudo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dast-uda/dast/core/data"
)

// images is an unlabelled in-memory dataset of 2x3 images named img0, img1, ...
type images struct{ n, h, w int }

func (d images) Len() int        { return d.n }
func (d images) NumClasses() int { return 2 }
func (d images) Get(i int) (data.Sample, error) {
	return data.Sample{Name: fmt.Sprintf("img%d", i), H: d.h, W: d.w, RGB: make([]uint8, 3*d.h*d.w)}, nil
}

// TestWrap: the reader pairs each image with the label the writer wrote for its name, and
// names the directory or file at fault otherwise.
func TestWrap(t *testing.T) {
	dir := t.TempDir()
	if _, err := Wrap(images{n: 1, h: 2, w: 3}, dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Wrap of a directory without stats: %v, want an error naming it", err)
	}
	w, err := NewWriter(dir, []string{"a", "b"}, Stats{Thresholds: []float64{0.5, 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 1, 255, 1, 0, 255}
	if err := w.Write("img0", want, 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ds, err := Wrap(images{n: 2, h: 2, w: 3}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 2 || ds.NumClasses() != 2 {
		t.Errorf("Len, NumClasses = %d, %d, want 2, 2", ds.Len(), ds.NumClasses())
	}
	s, err := ds.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(s.Label) != fmt.Sprint(want) {
		t.Errorf("label of img0 = %v, want %v", s.Label, want)
	}
	if _, err := ds.Get(1); err == nil || !strings.Contains(err.Error(), "img1") {
		t.Errorf("Get of an image without a label: %v, want an error naming it", err)
	}
	other, err := Wrap(images{n: 1, h: 3, w: 2}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Get(0); err == nil || !strings.Contains(err.Error(), "is 3x2") {
		t.Errorf("Get of a label of another size: %v, want a size error", err)
	}
}
