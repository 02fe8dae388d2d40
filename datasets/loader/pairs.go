package loader

import (
	"fmt"
	"os"
	"sync"

	"github.com/dast-uda/dast/datasets"
)

// Pair is one entry of an on-disk dataset: an image file and its label file.
type Pair struct {
	Name  string // sample name, the file stem (e.g. "00001", "frankfurt_000000_000294")
	Image string // path of the RGB image
	Label string // path of the label PNG; "" for an unlabelled image
}

// LabelReader reads a label file as trainIds (255 = ignore), row-major, with its size.
type LabelReader func(path string) (ids []uint8, w, h int, err error)

// Config describes a PairDataset.
type Config struct {
	Kind       string      // dataset name used in messages ("gta5")
	Pairs      []Pair      // the entries, in index order
	ReadLabel  LabelReader // label file -> trainIds
	NumClasses int         // classes of the label space (19, or 16 for SYNTHIA-16)
	ClassNames []string    // optional names indexed by class id
	Resize     Size        // output size of every sample; zero = native image size
	// SkipBad: an entry whose file is missing is dropped when the dataset is opened, and an
	// entry whose file cannot be decoded is replaced by the next good entry; both are counted
	// by Skipped. Without it such an entry is an error naming the file.
	SkipBad bool
	// MaxWarnings bounds the warnings kept (0 = 100); later ones are only counted.
	MaxWarnings int
}

// PairDataset is a random-access dataset of image/label file pairs, decoded on each Get. It
// implements datasets.Dataset and is safe for concurrent use.
type PairDataset struct {
	cfg   Config
	pairs []Pair

	mu       sync.Mutex
	bad      map[int]bool // entries found undecodable by Get (with SkipBad)
	missing  int          // entries dropped at open (with SkipBad)
	warnings []string
	nWarn    int
}

var _ datasets.Dataset = (*PairDataset)(nil)

// NewPairDataset checks that every file of cfg.Pairs exists (dropping and counting entries
// with a missing file when cfg.SkipBad is set) and returns the dataset. It fails when no entry
// is left.
func NewPairDataset(cfg Config) (*PairDataset, error) {
	if cfg.ReadLabel == nil || cfg.NumClasses <= 0 {
		return nil, fmt.Errorf("%s: dataset config needs a label reader and a class count", cfg.Kind)
	}
	if cfg.MaxWarnings <= 0 {
		cfg.MaxWarnings = 100
	}
	d := &PairDataset{cfg: cfg, bad: make(map[int]bool)}
	for _, p := range cfg.Pairs {
		if err := checkFiles(p); err != nil {
			if !cfg.SkipBad {
				return nil, fmt.Errorf("%s: %w", cfg.Kind, err)
			}
			d.missing++
			d.warn(fmt.Sprintf("skipped %s: %v", p.Name, err))
			continue
		}
		d.pairs = append(d.pairs, p)
	}
	if len(d.pairs) == 0 {
		return nil, fmt.Errorf("%s: no images (%d entries listed, %d skipped)", cfg.Kind, len(cfg.Pairs), d.missing)
	}
	return d, nil
}

func checkFiles(p Pair) error {
	for _, f := range []string{p.Image, p.Label} {
		if f == "" {
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", f)
		}
	}
	return nil
}

// Len returns the number of entries.
func (d *PairDataset) Len() int { return len(d.pairs) }

// NumClasses returns the size of the label space.
func (d *PairDataset) NumClasses() int { return d.cfg.NumClasses }

// ClassNames returns the class names (model.ClassNamer).
func (d *PairDataset) ClassNames() []string { return append([]string(nil), d.cfg.ClassNames...) }

// Pair returns entry i's files.
func (d *PairDataset) Pair(i int) Pair { return d.pairs[i] }

// Skipped returns the number of entries skipped so far: missing files at open plus
// undecodable files met by Get (SkipBad only).
func (d *PairDataset) Skipped() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.missing + len(d.bad)
}

// Warnings returns the warnings recorded so far (size mismatches, skipped files), at most
// Config.MaxWarnings of them, and the total number recorded.
func (d *PairDataset) Warnings() (kept []string, total int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.warnings...), d.nWarn
}

func (d *PairDataset) warn(msg string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nWarn++
	if len(d.warnings) < d.cfg.MaxWarnings {
		d.warnings = append(d.warnings, msg)
	}
}

// Get decodes entry i, converts its label to trainIds and resizes both to the configured size
// (image bicubic, label nearest). A label whose size differs from its image's is resized to it
// (nearest) and a warning is recorded. With SkipBad an undecodable entry is recorded as skipped
// and the next good entry (in index order, wrapping) is returned instead, so training never
// stops on a bad file; its Name then differs from Pair(i).Name, which lets a sequential pass
// (evaluation, pseudo-labelling) drop the duplicate.
func (d *PairDataset) Get(i int) (datasets.Sample, error) {
	n := len(d.pairs)
	if i < 0 || i >= n {
		return datasets.Sample{}, fmt.Errorf("%s: index %d outside 0..%d", d.cfg.Kind, i, n-1)
	}
	if !d.cfg.SkipBad {
		return d.load(d.pairs[i])
	}
	for k := 0; k < n; k++ {
		j := (i + k) % n
		d.mu.Lock()
		known := d.bad[j]
		d.mu.Unlock()
		if known {
			continue
		}
		s, err := d.load(d.pairs[j])
		if err == nil {
			return s, nil
		}
		d.mu.Lock()
		first := !d.bad[j]
		d.bad[j] = true
		d.mu.Unlock()
		if first {
			d.warn(fmt.Sprintf("skipped %s: %v", d.pairs[j].Name, err))
		}
	}
	return datasets.Sample{}, fmt.Errorf("%s: every entry failed to decode (%d skipped)", d.cfg.Kind, d.Skipped())
}

func (d *PairDataset) load(p Pair) (datasets.Sample, error) {
	rgb, w, h, err := datasets.ReadRGB(p.Image)
	if err != nil {
		return datasets.Sample{}, fmt.Errorf("%s %s: image: %w", d.cfg.Kind, p.Name, err)
	}
	out := Size{W: w, H: h}
	if !d.cfg.Resize.Native() {
		out = d.cfg.Resize
	}
	s := datasets.Sample{Name: p.Name, W: out.W, H: out.H}
	if s.RGB, err = ResizeRGB(rgb, w, h, out.W, out.H); err != nil {
		return datasets.Sample{}, fmt.Errorf("%s %s: %w", d.cfg.Kind, p.Image, err)
	}
	if p.Label == "" {
		return s, nil
	}
	ids, lw, lh, err := d.cfg.ReadLabel(p.Label)
	if err != nil {
		return datasets.Sample{}, fmt.Errorf("%s %s: label: %w", d.cfg.Kind, p.Name, err)
	}
	if lw != w || lh != h {
		d.warn(fmt.Sprintf("%s: label %s is %dx%d, image %s is %dx%d: label resized (nearest)", p.Name, p.Label, lw, lh, p.Image, w, h))
	}
	if s.Label, err = ResizeLabel(ids, lw, lh, out.W, out.H); err != nil {
		return datasets.Sample{}, fmt.Errorf("%s %s: %w", d.cfg.Kind, p.Label, err)
	}
	return s, nil
}

// NativeLabel reads entry i's label as trainIds at the label file's own size, whatever the
// configured resize: for scoring at the ground truth's resolution (the paper evaluates
// Cityscapes val on 1024x512 inputs against 2048x1024 labels). Entries without a label file
// return nil ids.
func (d *PairDataset) NativeLabel(i int) (ids []uint8, w, h int, err error) {
	if i < 0 || i >= len(d.pairs) {
		return nil, 0, 0, fmt.Errorf("%s: index %d outside 0..%d", d.cfg.Kind, i, len(d.pairs)-1)
	}
	p := d.pairs[i]
	if p.Label == "" {
		return nil, 0, 0, nil
	}
	ids, w, h, err = d.cfg.ReadLabel(p.Label)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s %s: label: %w", d.cfg.Kind, p.Name, err)
	}
	return ids, w, h, nil
}
