package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/internal/testutil"
)

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want size
		ok   bool
	}{{"1280x720", size{1280, 720}, true}, {" 64X48 ", size{64, 48}, true}, {"1280", size{}, false},
		{"4x4", size{}, false}, {"axb", size{}, false}, {"99999x10", size{}, false}} {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseUsed(t *testing.T) {
	if v, ok := parseUsed("1024\n 512 \n"); !ok || v != 1536 {
		t.Errorf("two GPUs: %v, %v; want 1536", v, ok)
	}
	if _, ok := parseUsed("[N/A]"); ok {
		t.Errorf("[N/A] parsed")
	}
}

func TestMedianAndRatio(t *testing.T) {
	if m := median([]float64{3, 1, 2}); m != 2 {
		t.Errorf("median odd = %v", m)
	}
	if m := median([]float64{4, 1, 2, 3}); m != 2.5 {
		t.Errorf("median even = %v", m)
	}
	p := map[string]int{"segmentor": 10, "discoverer": 2, "corrector": 3}
	g := result{Model: "vgg16", Impl: "go xla:cuda", Median: 0.5, Fastest: 0.4, PeakMiB: -1, NonFinite: -1, Params: p}
	tr := result{Model: "vgg16", Impl: "torch cuda", Median: 0.25, Fastest: 0.2, PeakMiB: 900, NonFinite: -1, Params: p}
	checkParams(&g, &tr)
	out := table([]result{g, tr})
	if !strings.Contains(out, "ratio_vgg16 2.000") || !strings.Contains(out, "900") {
		t.Errorf("table:\n%s\nwant ratio_vgg16 2.000 and the peer's 900 MiB", out)
	}
	tr.Params = map[string]int{"segmentor": 11, "discoverer": 2, "corrector": 3}
	checkParams(&g, &tr)
	if !strings.Contains(g.Err, "segmentor") || !strings.Contains(table([]result{g, tr}), "FAILED") {
		t.Errorf("differing parameter counts not flagged: %q", g.Err)
	}
}

// TestGoStepTiny times the VGG-16 DA step at a tiny size on the pure-Go backend: the paper
// config assembles with synthetic data, every network has parameters and the losses are
// finite (VGG-16 with PyTorch's default init does not diverge in 2 steps).
func TestGoStepTiny(t *testing.T) {
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	b, err := load(t.TempDir(), "vgg16", "go", size{48, 32}, size{40, 24}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var r *goResult
	testutil.WithTimeout(t, 2*time.Minute, func() {
		r, err = timeGo(b, "go", 1, 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.times) != 1 || r.nonFinite != -1 || len(r.losses) != 2 {
		t.Errorf("times %v, nonfinite at %d, %d losses; want 1 time, none non-finite, 2 losses", r.times, r.nonFinite, len(r.losses))
	}
	for _, net := range []string{"segmentor", "discoverer", "corrector"} {
		if r.params[net] == 0 {
			t.Errorf("no trainable parameters under %s: %v", net, r.params)
		}
	}
	args := b.peerArgs("vgg16", size{48, 32}, size{40, 24})
	if !strings.Contains(strings.Join(args, " "), "--discoverer 256,128,64") {
		t.Errorf("peer args %q lack the paper discoverer widths", args)
	}
	if _, err := os.Stat(filepath.Join(root, "bench/gpu/paperstep_peer.py")); err != nil {
		t.Error(err)
	}
}
