package synthia

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/datasets/loader"
)

var _ model.ClassSubsetter = (*Dataset)(nil)

// TestClassSubsets checks the subsets by class name: mIoU* drops wall, fence and pole from the
// 16 SYNTHIA classes, which are the 19 Cityscapes classes without terrain, truck and train.
func TestClassSubsets(t *testing.T) {
	root := t.TempDir()
	writeSample(t, root, "0000001.png", 4, 3)
	without := func(names []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(drop, n) })
	}
	all19 := classes.Names()
	all16 := without(all19, "terrain", "truck", "train")
	tests := []struct {
		classes int
		want    map[string][]string
	}{
		{16, map[string][]string{Subset13: without(all16, "wall", "fence", "pole")}},
		{19, map[string][]string{Subset16: all16, Subset13: without(all16, "wall", "fence", "pole")}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.classes), func(t *testing.T) {
			d, err := Open(&Module{Root: root, Resize: []int{0, 0}, Classes: tt.classes})
			if err != nil {
				t.Fatal(err)
			}
			names := d.ClassNames()
			got := map[string][]string{}
			for key, ids := range d.ClassSubsets() {
				for _, id := range ids {
					got[key] = append(got[key], names[id])
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("subsets %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHoldout(t *testing.T) {
	root := t.TempDir()
	for i := 1; i <= 5; i++ {
		writeSample(t, root, fmt.Sprintf("%07d.png", i), 4, 3)
	}
	open := func(part string) []string {
		t.Helper()
		d, err := Open(&Module{Root: root, Resize: []int{0, 0}, Classes: 16, Holdout: 2, Part: part})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := range d.Len() {
			out = append(out, d.Pair(i).Name)
		}
		return out
	}
	// floor((j+1)*2/5) > floor(j*2/5) for j = 2 and 4.
	if got, want := open(loader.PartHoldout), []string{"0000003", "0000005"}; !reflect.DeepEqual(got, want) {
		t.Errorf("holdout part %v, want %v", got, want)
	}
	if got, want := open(""), []string{"0000001", "0000002", "0000004"}; !reflect.DeepEqual(got, want) {
		t.Errorf("train part %v, want %v", got, want)
	}
	if _, err := Open(&Module{Root: root, Resize: []int{0, 0}, Classes: 16, Holdout: 5}); err == nil {
		t.Error("holding out every image: no error")
	}
	for _, m := range []*Module{
		{Resize: []int{0, 0}, Classes: 19, Holdout: -1},
		{Resize: []int{0, 0}, Classes: 19, Part: "test"},
		{Resize: []int{0, 0}, Classes: 19, Part: loader.PartHoldout},
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("holdout %d part %q: no error", m.Holdout, m.Part)
		}
	}
}
