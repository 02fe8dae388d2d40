package describe_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dast-uda/dast/app/describe"
	_ "github.com/dast-uda/dast/backbones/small"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/datasets/fda"
	_ "github.com/dast-uda/dast/datasets/synthetic"
	_ "github.com/dast-uda/dast/discriminators/corrector"
	_ "github.com/dast-uda/dast/discriminators/discoverer"
	_ "github.com/dast-uda/dast/objectives"
	_ "github.com/dast-uda/dast/strategies/adversarial"
	_ "github.com/dast-uda/dast/strategies/sourceonly"
)

// TestDescribeSynthetic describes the synthetic configs and checks the report against itself
// and the assembled components: E's output has the segmentor's feature channels, P's the
// classes at E's resolution, each component's count equals its scope in the training step, and
// the gradients are one float per trainable value.
func TestDescribeSynthetic(t *testing.T) {
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	tests := []struct {
		config string
		discs  []string // discriminator scopes the step must have
		inputs int
	}{
		{"source_only.yaml", nil, 1},
		{"adaptsegnet.yaml", []string{"corrector"}, 2},
		{"da.yaml", []string{"corrector", "discoverer"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			tree, err := config.Load("../../configs/synthetic/"+tt.config, []string{"data.source.size=2", "data.target.size=2", "data.val.size=2"})
			if err != nil {
				t.Fatal(err)
			}
			setup, err := train.Assemble(tree)
			if err != nil {
				t.Fatal(err)
			}
			r, err := describe.Describe(b, setup)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Inputs) != tt.inputs {
				t.Fatalf("inputs %v, want %d domains", r.Inputs, tt.inputs)
			}
			for i := range r.Inputs {
				f, l := r.Seg.E.Outputs[i].Dimensions, r.Seg.P.Outputs[i].Dimensions
				if f[3] != setup.Seg.FeatureChannels() || l[3] != setup.Classes || f[1] != l[1] || f[2] != l[2] {
					t.Errorf("input %v: feature %v, logits %v (want %d feature channels, %d classes)", r.Inputs[i], f, l, setup.Seg.FeatureChannels(), setup.Classes)
				}
			}
			scopes := map[string]describe.Component{}
			var trainable int64
			for _, c := range r.Scopes {
				scopes[c.Name] = c
				trainable += c.Trainable
			}
			seg := scopes[train.SegmentorScope]
			if seg.Params != r.Seg.E.Params+r.Seg.P.Params || seg.Stats != r.Seg.E.Stats+r.Seg.P.Stats {
				t.Errorf("step's segmentor scope %+v, components E %+v P %+v", seg, r.Seg.E, r.Seg.P)
			}
			if len(r.Discriminators) < len(tt.discs) {
				t.Fatalf("%d discriminators described, want %d", len(r.Discriminators), len(tt.discs))
			}
			for _, d := range r.Discriminators {
				if got := scopes[d.Name]; got.Params != d.Params || d.Params == 0 {
					t.Errorf("discriminator %s: %d params, step scope has %d", d.Name, d.Params, got.Params)
				}
				if last := d.Outputs[0].Dimensions; last[len(last)-1] != 1 {
					t.Errorf("discriminator %s output %v: want one logit channel", d.Name, last)
				}
			}
			for _, name := range tt.discs {
				if _, ok := scopes[name]; !ok {
					t.Errorf("step has no %s scope (scopes %v)", name, r.Scopes)
				}
			}
			m := r.Memory
			if m.Gradients != 4*trainable || m.Activations != 2*m.Forward || m.Forward <= 0 || m.StepGraph < m.Forward {
				t.Errorf("memory %+v (trainable values %d)", m, trainable)
			}
			var out bytes.Buffer
			if err := r.WriteText(&out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"segmentor E", "segmentor P", "seg_opt", "total"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		n           int64
		count, size string
	}{
		{0, "0", "0 B"},
		{999, "999", "999 B"},
		{1024, "1,024", "1.0 KiB"},
		{43901068, "43,901,068", "41.9 MiB"},
		{-1234, "-1,234", "-1234 B"},
	}
	for _, tt := range tests {
		if got := describe.Count(tt.n); got != tt.count {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.count)
		}
		if got := describe.Bytes(tt.n); got != tt.size {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.size)
		}
	}
}
