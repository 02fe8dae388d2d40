package gta5

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitHoldout(t *testing.T) {
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%05d.png", i)
		}
		return out
	}
	tests := []struct {
		total, n int
		held     []int // indexes of the held-out names
	}{
		{10, 3, []int{3, 6, 9}},
		{10, 1, []int{9}},
		{10, 5, []int{1, 3, 5, 7, 9}},
		{4, 3, []int{1, 2, 3}},
		{7, 2, []int{3, 6}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_of_%d", tt.n, tt.total), func(t *testing.T) {
			all := names(tt.total)
			train, err := splitHoldout(all, tt.n, PartTrain)
			if err != nil {
				t.Fatal(err)
			}
			held, err := splitHoldout(all, tt.n, PartHoldout)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, i := range tt.held {
				want = append(want, all[i])
			}
			if !reflect.DeepEqual(held, want) {
				t.Errorf("held out %v, want %v", held, want)
			}
			if len(train)+len(held) != tt.total {
				t.Errorf("%d train + %d held out != %d", len(train), len(held), tt.total)
			}
			seen := map[string]bool{}
			for _, n := range held {
				seen[n] = true
			}
			for _, n := range train {
				if seen[n] {
					t.Errorf("%s is in both parts", n)
				}
			}
		})
	}
	if got, err := splitHoldout(names(3), 0, PartTrain); err != nil || len(got) != 3 {
		t.Errorf("holdout 0: %v, %v; want every name", got, err)
	}
	if _, err := splitHoldout(names(3), 3, PartTrain); err == nil || !strings.Contains(err.Error(), "holdout 3") {
		t.Errorf("holdout of every image: err = %v", err)
	}
}

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
	if got, want := open(PartHoldout), []string{"00002", "00005"}; !reflect.DeepEqual(got, want) {
		t.Errorf("holdout part %v, want %v", got, want)
	}
	if got, want := open(PartTrain), []string{"00000", "00001", "00003", "00004"}; !reflect.DeepEqual(got, want) {
		t.Errorf("train part %v, want %v", got, want)
	}
	for _, m := range []*Module{
		{Resize: []int{0, 0}, Holdout: -1},
		{Resize: []int{0, 0}, Part: "val"},
		{Resize: []int{0, 0}, Part: PartHoldout},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("holdout %d part %q: no error", m.Holdout, m.Part)
		}
	}
}
