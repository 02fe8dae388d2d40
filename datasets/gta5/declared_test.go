package gta5

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dast-uda/dast/datasets/loader"
)

// TestDeclaredFacts checks the facts stated from the options alone: the served size, the
// release's 24,966 images split by the holdout as SplitHoldout splits names, and nothing read
// from disk (the root does not exist).
func TestDeclaredFacts(t *testing.T) {
	tests := []struct {
		m          Module
		w, h, n    int
		wantErrSub string
	}{
		{m: Module{Root: "/nonexistent", Resize: []int{1280, 720}}, w: 1280, h: 720, n: 24966},
		{m: Module{Root: "/nonexistent", Resize: []int{0, 0}}, w: 1914, h: 1052, n: 24966},
		{m: Module{Resize: []int{1280, 720}, Holdout: 500, Part: loader.PartTrain}, w: 1280, h: 720, n: 24466},
		{m: Module{Resize: []int{1280, 720}, Holdout: 500, Part: loader.PartHoldout}, w: 1280, h: 720, n: 500},
		{m: Module{Resize: []int{640, 360}, List: "/nonexistent/list.txt"}, w: 640, h: 360, n: 0},
		{m: Module{Resize: []int{1280, 720}, Holdout: 30000}, wantErrSub: "holdout 30000"},
		{m: Module{Resize: []int{-1, 720}}, wantErrSub: "gta5"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.m.Resize, tt.m.Holdout, tt.m.Part, tt.m.List), func(t *testing.T) {
			f, err := tt.m.DeclaredFacts()
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != tt.w || f.Height != tt.h || f.Images != tt.n || f.Classes != 19 || !f.Labelled || len(f.ClassNames) != 19 {
				t.Errorf("facts %+v, want %dx%d, %d images, 19 labelled classes", f, tt.w, tt.h, tt.n)
			}
		})
	}
}

// TestHoldoutCountMatchesSplit checks the declared count against the split of real name lists.
func TestHoldoutCountMatchesSplit(t *testing.T) {
	for _, total := range []int{7, 100, 2975} {
		names := make([]string, total)
		for i := range names {
			names[i] = fmt.Sprintf("%05d.png", i)
		}
		for _, n := range []int{0, 1, 3, 6} {
			for _, part := range []string{loader.PartTrain, loader.PartHoldout} {
				if n == 0 && part == loader.PartHoldout {
					continue
				}
				split, err := loader.SplitHoldout(names, n, part)
				if err != nil {
					t.Fatal(err)
				}
				got, err := loader.HoldoutCount(total, n, part)
				if err != nil || got != len(split) {
					t.Errorf("total %d holdout %d %s: count %d (%v), split has %d", total, n, part, got, err, len(split))
				}
			}
		}
	}
}
