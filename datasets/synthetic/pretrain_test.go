package synthetic

import (
	"bytes"
	"math"
	"testing"

	"github.com/dast-uda/dast/classes"
)

// TestCategories checks the trainId -> category table against Cityscapes' own label table
// (cityscapesScripts' labels.py, category column), written out here independently.
func TestCategories(t *testing.T) {
	want := map[string]string{
		"road": "flat", "sidewalk": "flat",
		"building": "construction", "wall": "construction", "fence": "construction",
		"pole": "object", "traffic light": "object", "traffic sign": "object",
		"vegetation": "nature", "terrain": "nature", "sky": "sky",
		"person": "human", "rider": "human",
		"car": "vehicle", "truck": "vehicle", "bus": "vehicle", "train": "vehicle",
		"motorcycle": "vehicle", "bicycle": "vehicle",
	}
	cats := Categories()
	for id, name := range classes.Names() {
		if got := categoryNames[cats[id]]; got != want[name] {
			t.Errorf("trainId %d (%s): category %q, want %q", id, name, got, want[name])
		}
	}
}

func pretrainSet(t *testing.T, split string, size int) *Dataset {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Domain, cfg.Split, cfg.Size = Pretrain, split, size
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPretrainLabels(t *testing.T) {
	d := pretrainSet(t, Train, 20)
	if d.NumClasses() != 7 || len(d.ClassNames()) != 7 {
		t.Fatalf("NumClasses %d, %d names; want 7", d.NumClasses(), len(d.ClassNames()))
	}
	seen := map[uint8]bool{}
	for i := range d.Len() {
		s, err := d.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range s.Label {
			if v >= 7 && v != classes.Ignore {
				t.Fatalf("image %d: label %d outside the 7 categories", i, v)
			}
			seen[v] = true
		}
	}
	for c := range uint8(7) {
		if !seen[c] {
			t.Errorf("category %s never drawn in 20 images", categoryNames[c])
		}
	}
	// The same scene content as the source domain, relabelled: a source label map mapped to
	// categories has the same value set.
	src := DefaultConfig()
	src.Size = 1
	sd, _ := New(src)
	s, _ := sd.Get(0)
	toCategories(s.Label)
	for _, v := range s.Label {
		if v >= 7 && v != classes.Ignore {
			t.Fatalf("mapped source label %d", v)
		}
	}
}

// TestPretrainStyleVaries checks that the pretrain domain's appearance is broad: the mean
// colour of the flat category (road, sidewalk) varies across images far more than in the
// source domain, whose style is fixed (its spread comes from haze and gain only).
func TestPretrainStyleVaries(t *testing.T) {
	spread := func(d *Dataset) float64 { // per-channel std of the per-image mean, averaged
		var total float64
		for k := range 3 {
			var means []float64
			for i := range d.Len() {
				s, _ := d.Get(i)
				var sum, n float64
				for p, v := range s.Label {
					if v == classes.Road || v == classes.Sidewalk || (d.cfg.Domain == Pretrain && v == Flat) {
						sum += float64(s.RGB[3*p+k])
						n++
					}
				}
				if n > 0 {
					means = append(means, sum/n)
				}
			}
			var m, v float64
			for _, x := range means {
				m += x
			}
			m /= float64(len(means))
			for _, x := range means {
				v += (x - m) * (x - m)
			}
			total += math.Sqrt(v/float64(len(means)-1)) / 3
		}
		return total
	}
	src := DefaultConfig()
	src.Size = 30
	sd, _ := New(src)
	ps, ss := spread(pretrainSet(t, Train, 30)), spread(sd)
	if ps < 2*ss {
		t.Errorf("per-channel std of the mean flat colour: pretrain %.1f, source %.1f; want pretrain >= 2x source", ps, ss)
	}
}

func TestPretrainDeterministic(t *testing.T) {
	a, b := pretrainSet(t, Val, 3), pretrainSet(t, Val, 3)
	for i := range 3 {
		x, _ := a.Get(i)
		y, _ := b.Get(i)
		if !bytes.Equal(x.RGB, y.RGB) || !bytes.Equal(x.Label, y.Label) {
			t.Fatalf("image %d differs between two datasets of the same config", i)
		}
	}
	tr, _ := pretrainSet(t, Train, 1).Get(0)
	va, _ := a.Get(0)
	if bytes.Equal(tr.RGB, va.RGB) {
		t.Error("train and val image 0 are identical")
	}
}
