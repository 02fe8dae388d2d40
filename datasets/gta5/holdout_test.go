package gta5

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dast-uda/dast/datasets/loader"
)

func TestHoldoutOptions(t *testing.T) {
	root := t.TempDir()
	for i := range 6 {
		name := fmt.Sprintf("%05d.png", i)
		writePNG(t, filepath.Join(root, "images", name), rgbImage(4, 4, uint8(i)))
		writePNG(t, filepath.Join(root, "labels", name), grayLabel(4, 4, testIDs))
	}
	open := func(part string) []string {
		t.Helper()
		m := native()
		m.Root, m.Holdout, m.Part = root, 2, part
		d, err := Open(m)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := range d.Len() {
			out = append(out, d.Pair(i).Name)
		}
		return out
	}
	if got, want := open(loader.PartHoldout), []string{"00002", "00005"}; !reflect.DeepEqual(got, want) {
		t.Errorf("holdout part %v, want %v", got, want)
	}
	if got, want := open(loader.PartTrain), []string{"00000", "00001", "00003", "00004"}; !reflect.DeepEqual(got, want) {
		t.Errorf("train part %v, want %v", got, want)
	}
	for _, m := range []*Module{
		{Resize: []int{0, 0}, Holdout: -1},
		{Resize: []int{0, 0}, Part: "val"},
		{Resize: []int{0, 0}, Part: loader.PartHoldout},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("holdout %d part %q: no error", m.Holdout, m.Part)
		}
	}
}
