package config

import (
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/dast-uda/dast/registry"
)

// made counts the fake modules made (New), to show a block is decoded once per tree.
var made struct{ seg, obj, strat atomic.Int64 }

func TestDecodeOnce(t *testing.T) {
	tests := []struct {
		name string
		file string
		sets []string
	}{
		{"default nested block", "segmentor: {name: fake, label: a}\nstrategy: {name: fakestrat}\n", nil},
		{"nested block given", "segmentor: {name: fake}\nstrategy: {name: fakestrat, objective: {name: fakeobj, margin: 2}}\n", nil},
		// --set label=007 is stored back into the tree as the string "007" when the segmentor
		// is decoded: the block read again afterwards still finds the module.
		{"set scalar rewritten", "segmentor: {name: fake}\nstrategy: {name: fakestrat}\n", []string{"segmentor.label=007", "strategy.objective.margin=3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree, err := load("x.yaml", tt.sets, memFS(map[string]string{"x.yaml": tt.file}))
			if err != nil {
				t.Fatal(err)
			}
			seg0, obj0, strat0 := made.seg.Load(), made.obj.Load(), made.strat.Load()
			for range 2 {
				if err := tree.Validate(); err != nil {
					t.Fatal(err)
				}
			}
			seg, err := Build[*fakeSeg](tree, "segmentor", "segmentor")
			if err != nil {
				t.Fatal(err)
			}
			st, err := Build[*fakeStrat](tree, "strategy", "strategy")
			if err != nil {
				t.Fatal(err)
			}
			obj, err := BuildOf[*fakeObj](tree, "strategy.objective", "objective", st.Objective)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tree.Component("segmentor", "segmentor")
			if err != nil {
				t.Fatal(err)
			}
			if again != registry.Module(seg) {
				t.Error("a second Component returned another module")
			}
			if n := made.seg.Load() - seg0; n != 1 {
				t.Errorf("segmentor made %d times, want 1", n)
			}
			if n := made.strat.Load() - strat0; n != 1 {
				t.Errorf("strategy made %d times, want 1", n)
			}
			if n := made.obj.Load() - obj0; n != 1 {
				t.Errorf("objective made %d times, want 1", n)
			}
			if len(tt.sets) > 0 && (seg.Label != "007" || obj.Margin != 3) {
				t.Errorf("label %q margin %v, want the --set values 007 and 3", seg.Label, obj.Margin)
			}
		})
	}
}

// TestDecodeOnceDistinguishesBlocks: ComponentOf with other contents at the same path (a
// caller's variant of the block, as dast data check's skip_bad one) builds that variant.
func TestDecodeOnceDistinguishesBlocks(t *testing.T) {
	tree, err := load("x.yaml", nil, memFS(map[string]string{"x.yaml": "segmentor: {name: fake, label: a}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Build[*fakeSeg](tree, "segmentor", "segmentor")
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildOf[*fakeSeg](tree, "segmentor", "segmentor", Block{"name": "fake", "label": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Label != "a" || b.Label != "b" {
		t.Errorf("labels %q and %q, want a and b", a.Label, b.Label)
	}
	if _, err := BuildOf[*fakeSeg](tree, "segmentor", "segmentor", Block{"name": "fake", "label": 1}); err == nil {
		t.Error("a block whose label is the int 1 was accepted for a string option")
	}
	if _, err := tree.Component("segmentor", "discriminator"); err == nil {
		t.Error("the segmentor block resolved as a discriminator")
	}
}

// TestRootKept: Root is decoded once, and again after decoding a component stored a --set
// scalar back as a string, so that its copy of the block is the tree's (as TestYAMLRoundTrip
// needs).
func TestRootKept(t *testing.T) {
	tree, err := load("x.yaml", []string{"segmentor.label=007"}, memFS(map[string]string{"x.yaml": "segmentor: {name: fake}\n"}))
	if err != nil {
		t.Fatal(err)
	}
	r1, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	if r2, _ := tree.Root(); r2 != r1 {
		t.Error("Root decoded twice with nothing changed")
	}
	if got := r1.Segmentor["label"]; got != 7 {
		t.Errorf("before decoding the segmentor the tree holds label %#v, want the YAML int 7", got)
	}
	if err := tree.Validate(); err != nil {
		t.Fatal(err)
	}
	r3, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r3.Segmentor, Block{"name": "fake", "label": "007"}) {
		t.Errorf("Root after Validate has segmentor %#v, want label \"007\" as the tree now holds", r3.Segmentor)
	}
	if r4, _ := tree.Root(); r4 != r3 {
		t.Error("Root decoded again with nothing changed since")
	}
}
