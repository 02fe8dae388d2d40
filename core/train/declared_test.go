package train_test

import (
	"strings"
	"testing"

	_ "github.com/dast-uda/dast/backbones/resnet"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/datasets/cityscapes"
	_ "github.com/dast-uda/dast/datasets/gta5"
	_ "github.com/dast-uda/dast/discriminators/corrector"
	_ "github.com/dast-uda/dast/objectives"
	_ "github.com/dast-uda/dast/strategies/adversarial"
)

// TestAssembleDeclared assembles a paper config with no dataset root set anywhere: the on-disk
// datasets become Declared stand-ins with the release's counts and the configured sizes, while
// Assemble itself still needs the files.
func TestAssembleDeclared(t *testing.T) {
	for _, env := range []string{"DAST_GTA5_ROOT", "DAST_CITYSCAPES_ROOT"} {
		t.Setenv(env, "")
	}
	tree, err := config.Load("../../configs/gta5_cityscapes/adaptsegnet_resnet101.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := train.Assemble(tree); err == nil || !strings.Contains(err.Error(), "root is not set") {
		t.Fatalf("Assemble without data: %v, want the missing root", err)
	}
	s, err := train.AssembleDeclared(tree)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ds         any
		n, h, w    int
		wantKind   string
		wantInName string
	}{
		{"source", s.Source, 24466, 720, 1280, "gta5", "data.source"},
		{"target", s.Target, 2975, 512, 1024, "cityscapes", "data.target"},
		{"val", s.Val, 500, 512, 1024, "cityscapes", "data.val"},
	}
	for _, tt := range tests {
		d, ok := tt.ds.(*train.Declared)
		if !ok {
			t.Fatalf("%s: %T, want *train.Declared", tt.name, tt.ds)
		}
		h, w, err := train.SampleSize(d)
		if err != nil || d.Len() != tt.n || h != tt.h || w != tt.w || d.Facts.Kind != tt.wantKind {
			t.Errorf("%s: %d images %dx%d %s (%v), want %d %dx%d %s", tt.name, d.Len(), w, h, d.Facts.Kind, err, tt.n, tt.w, tt.h, tt.wantKind)
		}
		if _, err := d.Get(0); err == nil || !strings.Contains(err.Error(), tt.wantInName) {
			t.Errorf("%s: Get: %v, want an error naming %s", tt.name, err, tt.wantInName)
		}
	}
	if s.Classes != 19 || len(s.ClassNames) != 19 || s.Seg == nil || s.Strategy == nil {
		t.Errorf("setup: %d classes %v, seg %v, strategy %v", s.Classes, s.ClassNames, s.Seg, s.Strategy)
	}
}
