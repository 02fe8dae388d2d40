package main

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/bench/internal/peer"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/nn"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

func TestConvOut(t *testing.T) {
	for _, tc := range []struct {
		c    convLayer
		in   int
		want int
	}{
		{convLayer{3, 16, 3, 2, 1, 1}, 128, 64},
		{convLayer{3, 16, 3, 2, 1, 1}, 65, 33},
		{convLayer{64, 64, 3, 1, 2, 2}, 17, 17},
		{convLayer{64, 64, 3, 1, 4, 4}, 9, 9},
		{convLayer{19, 16, 4, 2, 1, 1}, 128, 64},
		{convLayer{19, 16, 4, 2, 1, 1}, 9, 4},
		{convLayer{8, 1, 3, 1, 0, 1}, 5, 3},
	} {
		if got := tc.c.out(tc.in); got != tc.want {
			t.Errorf("%+v on %d: got %d, want %d", tc.c, tc.in, got, tc.want)
		}
	}
}

func TestConvMACs(t *testing.T) {
	// One output position of a 3x3 conv 2->5 costs 9*2*5 multiply-adds.
	c := convLayer{cin: 2, cout: 5, k: 3, stride: 1, pad: 1, dil: 1}
	m, h, w := c.macs(4, 6)
	if h != 4 || w != 6 || m != int64(4*6*9*2*5) {
		t.Errorf("macs(4, 6) = %d at %dx%d, want %d at 4x6", m, h, w, 4*6*9*2*5)
	}
	// A stack adds its layers at their own sizes.
	s := []convLayer{{1, 1, 2, 2, 0, 1}, {1, 1, 2, 2, 0, 1}}
	if m, h, w := stack(s, 8, 8); m != 4*4*4+2*2*4 || h != 2 || w != 2 {
		t.Errorf("stack: %d MAC at %dx%d, want %d at 2x2", m, h, w, 4*4*4+2*2*4)
	}
}

// TestShapesMatchNetworks builds the real networks of the DA config and checks the analytic
// sizes the FLOP count uses against their output shapes.
func TestShapesMatchNetworks(t *testing.T) {
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	for _, size := range [][2]int{{128, 256}, {64, 128}, {65, 129}, {40, 72}} {
		h, w := size[0], size[1]
		b := loadDA(t, h, w)
		_, _, fh, fw, err := b.nets.segmentorMACs(h, w)
		if err != nil {
			t.Fatal(err)
		}
		_, dh, dw := stack(discLayers(b.nets.Widths[2], b.nets.Discoverer, 3, 1, 1), fh, fw)
		_, ch, cw := stack(discLayers(b.nets.Classes, b.nets.Corrector, 4, 2, 1), h, w)

		g := graph.NewGraph(be, "shapes")
		ctx := context.New().Checked(false)
		x := graph.Parameter(g, "x", shapes.Make(dtypes.Float32, 1, h, w, 3))
		sc := ctx.In(train.SegmentorScope)
		f := b.setup.Seg.Extract(sc, x)
		d := b.discoverer.Apply(ctx.In("discoverer"), f)
		q := nn.Softmax(infer.UpsampleToSize(b.setup.Seg.Predict(sc, f), h, w))
		c := b.corrector.Apply(ctx.In("corrector"), q)
		for _, tc := range []struct {
			name string
			node *graph.Node
			h, w int
		}{{"feature", f, fh, fw}, {"discoverer", d, dh, dw}, {"corrector", c, ch, cw}} {
			got := tc.node.Shape().Dimensions
			if got[1] != tc.h || got[2] != tc.w {
				t.Errorf("%dx%d image: %s is %dx%d, the count assumes %dx%d", h, w, tc.name, got[1], got[2], tc.h, tc.w)
			}
		}
		g.Finalize()
	}
}

// loadDA assembles configs/synthetic/da.yaml at h x w.
func loadDA(t *testing.T, h, w int) *bench {
	t.Helper()
	path, err := peer.FindUp(defaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	b, err := load(path, h, w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadRefusesWhatThePeerLacks(t *testing.T) {
	path, err := peer.FindUp("configs/synthetic/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The base config trains source-only: nothing adversarial to time.
	if _, err := load(path, 64, 128); err == nil || !strings.Contains(err.Error(), "strategy") {
		t.Errorf("load(base.yaml) = %v, want an error about the strategy", err)
	}
}

func TestParseLosses(t *testing.T) {
	got, err := parseLosses("seg=1.5 adv_c=2e-06")
	if err != nil || len(got) != 2 || got["seg"] != 1.5 || got["adv_c"] != 2e-6 {
		t.Errorf("parseLosses = %v, %v", got, err)
	}
	for _, bad := range []string{"seg", "seg=x"} {
		if _, err := parseLosses(bad); err == nil {
			t.Errorf("parseLosses(%q): no error", bad)
		}
	}
}

func TestLossDiffs(t *testing.T) {
	a := map[string]string{"loss_0": "seg=1 d=0", "loss_1": "seg=2 d=1", "loss_2": "seg=4"}
	b := map[string]string{"loss_0": "seg=1 d=0", "loss_1": "seg=2.2 d=1", "loss_2": "seg=2 other=3"}
	for _, tc := range []struct {
		from, to, common int
		seg              float64
	}{
		{0, 1, 1, 0},
		{1, 2, 1, 0.2 / 2.2},
		{0, 3, 3, 0.5},
		{0, 5, 3, 0.5}, // steps absent from both runs are skipped
	} {
		d, common, err := lossDiffs(a, b, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		if common != tc.common || math.Abs(d["seg"]-tc.seg) > 1e-12 || d["d"] != 0 {
			t.Errorf("lossDiffs(%d, %d) = %v over %d steps, want seg %g over %d", tc.from, tc.to, d, common, tc.seg, tc.common)
		}
		if _, ok := d["other"]; ok {
			t.Errorf("lossDiffs reports a loss only one run has")
		}
	}
}

func TestSide(t *testing.T) {
	var s side
	s.add(nil, os.ErrNotExist)
	s.add(map[string]string{"times": "0.3,0.1", "cpus": "0.6,0.2", "vmhwm_mb": "100", "k": "first"}, nil)
	s.add(map[string]string{"times": "0.2", "cpus": "0.4", "vmhwm_mb": "120"}, nil)
	s.add(map[string]string{"times": "0.2,x"}, nil)
	if !s.ok() || len(s.runs) != 2 || s.first("k") != "first" {
		t.Fatalf("runs %v", s.runs)
	}
	if s.err != os.ErrNotExist {
		t.Errorf("err = %v, want the first failure", s.err)
	}
	if s.medianStep() != 0.2 || s.fastestStep() != 0.1 || s.medianCPU() != 0.4 || s.peak != 120 {
		t.Errorf("median %g fastest %g cpu %g peak %g", s.medianStep(), s.fastestStep(), s.medianCPU(), s.peak)
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %g, want %g", tc.in, got, tc.want)
		}
	}
}

// TestDumpWeights initializes the DA networks at a small size and checks the written weights:
// one file per trainable variable, sizes matching the manifest, every parameter counted.
func TestDumpWeights(t *testing.T) {
	b := loadDA(t, 64, 128)
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	ctx := context.New().Checked(false)
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		t.Fatal(err)
	}
	src := tensors.FromFlatDataAndDimensions(datasets.ToInput(b.src), 1, 64, 128, 3)
	done := make(chan error, 1)
	go func() { done <- initWeights(b, be, ctx, src) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("initWeights did not finish within 2 minutes")
	}
	dir := t.TempDir()
	if err := dumpWeights(ctx, dir); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, WeightsManifest))
	if err != nil {
		t.Fatal(err)
	}
	total := map[string]int{}
	for line := range strings.Lines(string(manifest)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("manifest line %q: want 3 fields", line)
		}
		n := 1
		for d := range strings.SplitSeq(f[2], ",") {
			v, err := strconv.Atoi(d)
			if err != nil {
				t.Fatal(err)
			}
			n *= v
		}
		st, err := os.Stat(filepath.Join(dir, f[1]))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != int64(4*n) {
			t.Errorf("%s: %d bytes, want %d", f[1], st.Size(), 4*n)
		}
		net, _, _ := strings.Cut(f[0], "/")
		total[net] += n
	}
	var want int
	for v := range ctx.IterVariables() {
		if v.Trainable {
			want += v.Shape().Size()
		}
	}
	if got := total["segmentor"] + total["discoverer"] + total["corrector"]; got != want || len(total) != 3 {
		t.Errorf("manifest holds %v (%d values), the context %d trainable values", total, got, want)
	}
}
