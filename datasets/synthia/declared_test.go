package synthia

import (
	"fmt"
	"testing"

	"github.com/dast-uda/dast/datasets/loader"
)

// TestDeclaredFacts checks the facts stated from the options alone (the root does not exist).
func TestDeclaredFacts(t *testing.T) {
	tests := []struct {
		m             Module
		w, h, n, nCls int
	}{
		{Module{Root: "/nonexistent", Resize: []int{1280, 760}, Classes: 19}, 1280, 760, 9400, 19},
		{Module{Resize: []int{0, 0}, Classes: 16}, 1280, 760, 9400, 16},
		{Module{Resize: []int{1280, 760}, Classes: 16, Holdout: 500, Part: loader.PartTrain}, 1280, 760, 8900, 16},
		{Module{Resize: []int{640, 380}, Classes: 19, List: "/nonexistent"}, 640, 380, 0, 19},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.m.Resize, tt.m.Classes, tt.m.Holdout, tt.m.List), func(t *testing.T) {
			f, err := tt.m.DeclaredFacts()
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != tt.w || f.Height != tt.h || f.Images != tt.n || f.Classes != tt.nCls || len(f.ClassNames) != tt.nCls {
				t.Errorf("facts %+v, want %dx%d, %d images, %d classes", f, tt.w, tt.h, tt.n, tt.nCls)
			}
		})
	}
	if _, err := (&Module{Resize: []int{1, 1}, Classes: 13}).DeclaredFacts(); err == nil {
		t.Error("classes 13 accepted")
	}
}
