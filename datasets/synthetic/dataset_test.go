package synthetic

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dast-uda/dast/classes"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // substring naming the field; "" for valid
	}{
		{"default", func(*Config) {}, ""},
		{"target val", func(c *Config) { c.Domain, c.Split = Target, Val }, ""},
		{"pretrain", func(c *Config) { c.Domain = Pretrain }, ""},
		{"bad domain", func(c *Config) { c.Domain = "gta5" }, "domain"},
		{"bad split", func(c *Config) { c.Split = "test" }, "split"},
		{"zero size", func(c *Config) { c.Size = 0 }, "size"},
		{"tiny height", func(c *Config) { c.Height = 8 }, "height"},
		{"huge width", func(c *Config) { c.Width = 100000 }, "width"},
		{"half shift", func(c *Config) { c.Shift = 0.5 }, ""},
		{"zero shift", func(c *Config) { c.Shift = 0 }, "shift"},
		{"extrapolated shift", func(c *Config) { c.Shift = 1.5 }, ""},
		{"shift above the maximum", func(c *Config) { c.Shift = 2.5 }, "shift"},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		err := cfg.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want one naming %q", tt.name, err, tt.wantErr)
		}
		if _, nerr := New(cfg); nerr == nil {
			t.Errorf("%s: New accepted an invalid config", tt.name)
		}
	}
}

func TestDeterminism(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Size = 5
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(cfg)
	first, _ := a.Get(3)
	_, _ = a.Get(1) // interleaved access must not change image 3
	again, _ := a.Get(3)
	other, _ := b.Get(3)
	for _, s := range []struct {
		name string
		rgb  []byte
		lab  []byte
	}{{"same dataset", again.RGB, again.Label}, {"fresh dataset", other.RGB, other.Label}} {
		if !bytes.Equal(first.RGB, s.rgb) || !bytes.Equal(first.Label, s.lab) {
			t.Errorf("%s: Get(3) returned different bytes", s.name)
		}
	}
	// Each of seed, domain, split and index changes the image.
	variants := map[string]func(*Config) int{
		"index":  func(*Config) int { return 2 },
		"seed":   func(c *Config) int { c.Seed++; return 3 },
		"domain": func(c *Config) int { c.Domain = Target; return 3 },
		"split":  func(c *Config) int { c.Split = Val; return 3 },
	}
	for name, edit := range variants {
		c := cfg
		i := edit(&c)
		d, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := d.Get(i)
		if bytes.Equal(s.Label, first.Label) {
			t.Errorf("changing the %s gave the same label map", name)
		}
	}
}

func TestGetBoundsAndShape(t *testing.T) {
	for _, hw := range [][2]int{{64, 128}, {32, 48}, {97, 61}} {
		cfg := DefaultConfig()
		cfg.Size, cfg.Height, cfg.Width = 2, hw[0], hw[1]
		d, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if d.Len() != 2 || d.NumClasses() != classes.NumCityscapes {
			t.Errorf("Len %d NumClasses %d", d.Len(), d.NumClasses())
		}
		s, err := d.Get(1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(); err != nil || s.H != hw[0] || s.W != hw[1] {
			t.Errorf("%dx%d: sample %dx%d, %v", hw[0], hw[1], s.H, s.W, err)
		}
		for _, i := range []int{-1, 2} {
			if _, err := d.Get(i); err == nil {
				t.Errorf("Get(%d) of 2 images: no error", i)
			}
		}
	}
}

// TestGenerationSpeed checks that one default-size image takes well under 5 ms. It times 10
// batches of 5 images and keeps the fastest, so a busy shared machine does not fail it.
func TestGenerationSpeed(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Domain = Target // the slower domain (blur)
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const batches, n = 10, 5
	best := time.Duration(math.MaxInt64)
	for b := 0; b < batches; b++ {
		start := time.Now()
		for i := 0; i < n; i++ {
			if _, err := d.Get(b*n + i); err != nil {
				t.Fatal(err)
			}
		}
		best = min(best, time.Since(start)/n)
	}
	t.Logf("%dx%d %s image: %v each (fastest of %d batches)", cfg.Height, cfg.Width, cfg.Domain, best, batches)
	if best > 5*time.Millisecond && !raceEnabled {
		t.Errorf("generation takes %v per image, want < 5ms", best)
	}
}

func BenchmarkGet(b *testing.B) {
	for _, domain := range []string{Source, Target} {
		b.Run(domain, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Domain = domain
			d, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				if _, err := d.Get(i % cfg.Size); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
