package adversarial_test

import (
	"testing"

	"github.com/dast-uda/dast/core/eval"
	"github.com/dast-uda/dast/datasets"
)

// TestViewCheckpointAttention: a DA model's view has class maps and attention maps at the image
// size, attention in [0,1] and not constant; a model without attention has none.
func TestViewCheckpointAttention(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sets    []string
		wantAtt bool
	}{
		{"da", nil, true},
		{"no attention", []string{"strategy.attention=false", "strategy.corrector_weighting=none"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setup, res := trainTiny(t, tt.sets...)
			s0, _ := setup.Target.Get(0)
			s1, _ := setup.Target.Get(1)
			v, err := eval.ViewCheckpoint(setup, res.Checkpoint, []datasets.Sample{s0, s1})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Pred) != 2 || len(v.Pred[0]) != s0.H*s0.W {
				t.Fatalf("pred: %d maps of %d, want 2 of %d", len(v.Pred), len(v.Pred[0]), s0.H*s0.W)
			}
			for _, c := range v.Pred[0] {
				if c < 0 || c >= 19 {
					t.Fatalf("class %d outside 0..18", c)
				}
			}
			if !tt.wantAtt {
				if v.Attention != nil {
					t.Error("attention maps from a model without attention")
				}
				return
			}
			if len(v.Attention) != 2 || len(v.Attention[1]) != s1.H*s1.W {
				t.Fatalf("attention: %d maps, want 2 of %d", len(v.Attention), s1.H*s1.W)
			}
			lo, hi := v.Attention[0][0], v.Attention[0][0]
			for _, a := range v.Attention[0] {
				if a < 0 || a > 1 {
					t.Fatalf("attention %v outside [0,1]", a)
				}
				lo, hi = min(lo, a), max(hi, a)
			}
			if hi-lo < 1e-6 {
				t.Errorf("attention map is constant (%v)", lo)
			}
		})
	}
}
