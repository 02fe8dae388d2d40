package cityscapes

import (
	"fmt"
	"testing"
)

// TestDeclaredFacts checks the facts stated from the options alone (the root does not exist).
func TestDeclaredFacts(t *testing.T) {
	tests := []struct {
		m             Module
		w, h, n, nCls int
	}{
		{Module{Root: "/nonexistent", Split: "train", Resize: []int{1024, 512}}, 1024, 512, 2975, 19},
		{Module{Split: "val", Resize: []int{0, 0}, Classes: 19}, 2048, 1024, 500, 19},
		{Module{Split: "val", Resize: []int{1024, 512}, Classes: 16}, 1024, 512, 500, 16},
		{Module{Split: "train", Resize: []int{1024, 512}, List: "/nonexistent"}, 1024, 512, 0, 19},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.m.Split, tt.m.Resize, tt.m.Classes, tt.m.List), func(t *testing.T) {
			f, err := tt.m.DeclaredFacts()
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != tt.w || f.Height != tt.h || f.Images != tt.n || f.Classes != tt.nCls || len(f.ClassNames) != tt.nCls {
				t.Errorf("facts %+v, want %dx%d, %d images, %d classes", f, tt.w, tt.h, tt.n, tt.nCls)
			}
		})
	}
	if _, err := (&Module{Split: "test", Resize: []int{1, 1}}).DeclaredFacts(); err == nil {
		t.Error("split test accepted")
	}
}
