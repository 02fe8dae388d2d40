package fda

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dast-uda/dast/datasets"
)

// memDataset is an in-memory dataset of fixed samples.
type memDataset []datasets.Sample

func (m memDataset) Len() int        { return len(m) }
func (m memDataset) NumClasses() int { return 19 }
func (m memDataset) Get(i int) (datasets.Sample, error) {
	if i < 0 || i >= len(m) {
		return datasets.Sample{}, fmt.Errorf("index %d out of range [0, %d)", i, len(m))
	}
	return m[i], nil
}

func makeSet(r *rand.Rand, prefix string, n, h, w int, labelled bool) memDataset {
	var out memDataset
	for i := range n {
		s := datasets.Sample{Name: fmt.Sprintf("%s%d", prefix, i), H: h, W: w, RGB: smoothImage(r, h, w)}
		if labelled {
			s.Label = make([]uint8, h*w)
			for p := range s.Label {
				s.Label[p] = uint8(r.IntN(19))
			}
		}
		out = append(out, s)
	}
	return out
}

func TestTargetIndex(t *testing.T) {
	tests := []struct{ i, n, want int }{
		{0, 5, 0}, {1, 5, 7919 % 5}, {3, 500, 3 * 7919 % 500}, {2974, 1, 0}, {1 << 40, 3, int((int64(1) << 40) * 7919 % 3)},
	}
	for _, tt := range tests {
		if got := TargetIndex(tt.i, tt.n); got != tt.want {
			t.Errorf("TargetIndex(%d, %d) = %d, want %d", tt.i, tt.n, got, tt.want)
		}
	}
}

func TestDataset(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const h, w = 12, 20
	src := makeSet(r, "src", 6, h, w, true)
	tgt := append(makeSet(r, "tgt", 3, h, w, false), makeSet(r, "big", 1, 2*h, 3*w, false)...)
	d, err := NewDataset(src, tgt, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != len(src) || d.NumClasses() != 19 {
		t.Fatalf("Len %d NumClasses %d, want %d and 19", d.Len(), d.NumClasses(), len(src))
	}
	usedBig := false
	for i := range src {
		got, err := d.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		j := TargetIndex(i, len(tgt))
		trgb := tgt[j].RGB
		if tgt[j].H != h {
			usedBig = true
			trgb = resizeBilinear(trgb, tgt[j].H, tgt[j].W, h, w)
		}
		want, err := Restyle(src[i].RGB, trgb, h, w, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != src[i].Name || got.H != h || got.W != w || string(got.Label) != string(src[i].Label) {
			t.Errorf("sample %d: name %q size %dx%d or label changed", i, got.Name, got.H, got.W)
		}
		if string(got.RGB) != string(want) {
			t.Errorf("sample %d is not source %d restyled with target %d", i, i, j)
		}
		if string(got.RGB) == string(src[i].RGB) {
			t.Errorf("sample %d was not restyled", i)
		}
	}
	if !usedBig {
		t.Error("no source was paired with the larger target; the resize path went untested")
	}
	if _, err := d.Get(len(src)); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Get past the end: %v", err)
	}
}

func TestNewDatasetErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	one := makeSet(r, "a", 1, 4, 4, true)
	tests := []struct {
		name     string
		src, tgt datasets.Dataset
		beta     float64
		want     string
	}{
		{"nil source", nil, one, 0.5, "nil source or target"},
		{"nil target", one, nil, 0.5, "nil source or target"},
		{"empty target", one, memDataset{}, 0.5, "target dataset is empty"},
		{"beta", one, one, 1.5, "beta 1.5 outside"},
	}
	for _, tt := range tests {
		if _, err := NewDataset(tt.src, tt.tgt, tt.beta); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	gray := func(v ...uint8) []uint8 {
		var out []uint8
		for _, x := range v {
			out = append(out, x, x, x)
		}
		return out
	}
	tests := []struct {
		name         string
		in           []uint8
		h, w, oh, ow int
		want         []uint8
	}{
		{"2x upsample of a row", gray(0, 100), 1, 2, 1, 4, gray(0, 25, 75, 100)},
		{"2x downsample averages pairs", gray(0, 100, 200, 40), 1, 4, 1, 2, gray(50, 120)},
		{"same size is the identity", gray(1, 2, 3, 4, 5, 6), 2, 3, 2, 3, gray(1, 2, 3, 4, 5, 6)},
		{"columns", gray(10, 30), 2, 1, 4, 1, gray(10, 15, 25, 30)},
		{"constant stays constant", gray(7, 7, 7, 7), 2, 2, 3, 5, gray(7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7)},
	}
	for _, tt := range tests {
		if got := resizeBilinear(tt.in, tt.h, tt.w, tt.oh, tt.ow); string(got) != string(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
