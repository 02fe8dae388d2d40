package loader

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/dast-uda/dast/core/metrics"
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
	bad      map[int]bool // entries found undecodable by Get or CheckHeaders (with SkipBad)
	missing  int          // entries dropped at open (with SkipBad)
	skipped  []metrics.SkippedFile
	resized  map[int]bool // entries whose label size differs from the image's
	resFiles []string
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
	d := &PairDataset{cfg: cfg, bad: make(map[int]bool), resized: make(map[int]bool)}
	for _, p := range cfg.Pairs {
		if file, err := checkFiles(p); err != nil {
			if !cfg.SkipBad {
				return nil, fmt.Errorf("%s: %w", cfg.Kind, err)
			}
			d.missing++
			d.noteSkipped(file, err)
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

// checkFiles checks that p's files exist and are regular files; it returns the file at fault.
func checkFiles(p Pair) (string, error) {
	for _, f := range []string{p.Image, p.Label} {
		if f == "" {
			continue
		}
		st, err := os.Stat(f)
		if err != nil {
			return f, err
		}
		if !st.Mode().IsRegular() {
			return f, fmt.Errorf("%s is not a regular file", f)
		}
	}
	return "", nil
}

// noteSkipped records a skipped entry's file and reason (the first MaxIssueFiles of them).
func (d *PairDataset) noteSkipped(file string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.skipped) < metrics.MaxIssueFiles {
		d.skipped = append(d.skipped, metrics.SkippedFile{File: file, Reason: err.Error()})
	}
}

// noteResized records that entry i's label was resized to its image; it reports whether this
// is the first time.
func (d *PairDataset) noteResized(i int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.resized[i] {
		return false
	}
	d.resized[i] = true
	if len(d.resFiles) < metrics.MaxIssueFiles {
		d.resFiles = append(d.resFiles, d.pairs[i].Label)
	}
	return true
}

// DataIssues returns what the dataset skipped (missing files at open, undecodable files met
// by Get or CheckHeaders) and repaired (labels resized to their image) so far, each entry
// counted once.
func (d *PairDataset) DataIssues() metrics.DataIssues {
	d.mu.Lock()
	defer d.mu.Unlock()
	return metrics.DataIssues{
		Skipped:       d.missing + len(d.bad),
		SkippedFiles:  append([]metrics.SkippedFile(nil), d.skipped...),
		ResizedLabels: len(d.resized),
		ResizedFiles:  append([]string(nil), d.resFiles...),
	}
}

// CheckHeaders reads the header and trailer of every image and label file (datasets.CheckPNG,
// no pixel decoding), so a corrupt or truncated file is found before training rather than
// when it is first read, and labels whose size differs from their image's are counted. A bad
// file is an error naming it, or, with SkipBad, its entry is skipped from then on.
func (d *PairDataset) CheckHeaders() error {
	for i, p := range d.pairs {
		d.mu.Lock()
		known := d.bad[i]
		d.mu.Unlock()
		if known {
			continue
		}
		w, h, err := datasets.CheckPNG(p.Image)
		file := p.Image
		lw, lh := w, h
		if err == nil && p.Label != "" {
			file = p.Label
			lw, lh, err = datasets.CheckPNG(p.Label)
		}
		if err != nil {
			if !d.cfg.SkipBad {
				return fmt.Errorf("%s %s: %w", d.cfg.Kind, p.Name, err)
			}
			d.markBad(i, file, err)
			continue
		}
		if (lw != w || lh != h) && d.noteResized(i) {
			d.warn(fmt.Sprintf("%s: label %s is %dx%d, image %s is %dx%d: label resized (nearest)", p.Name, p.Label, lw, lh, p.Image, w, h))
		}
	}
	d.mu.Lock()
	allBad := len(d.bad) == len(d.pairs)
	d.mu.Unlock()
	if allBad {
		return fmt.Errorf("%s: every entry is bad (%d skipped)", d.cfg.Kind, d.Skipped())
	}
	return nil
}

// markBad records entry i as undecodable (once).
func (d *PairDataset) markBad(i int, file string, err error) {
	d.mu.Lock()
	first := !d.bad[i]
	d.bad[i] = true
	d.mu.Unlock()
	if first {
		d.noteSkipped(file, err)
		d.warn(fmt.Sprintf("skipped %s: %v", d.pairs[i].Name, err))
	}
}

// Substituted reports whether entry i is skipped, so Get(i) returns another entry (SkipBad):
// a sequential pass (evaluation) leaves it out instead of counting that entry twice.
func (d *PairDataset) Substituted(i int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bad[i]
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
		s, _, err := d.load(i)
		return s, err
	}
	for k := 0; k < n; k++ {
		j := (i + k) % n
		d.mu.Lock()
		known := d.bad[j]
		d.mu.Unlock()
		if known {
			continue
		}
		s, file, err := d.load(j)
		if err == nil {
			return s, nil
		}
		d.markBad(j, file, err)
	}
	return datasets.Sample{}, fmt.Errorf("%s: every entry failed to decode (%d skipped)", d.cfg.Kind, d.Skipped())
}

// load decodes entry i; on error it also returns the file at fault.
func (d *PairDataset) load(i int) (datasets.Sample, string, error) {
	p := d.pairs[i]
	s, err := d.decode(i, p)
	if err != nil {
		file := p.Image
		if errors.Is(err, errLabel) {
			file = p.Label
		}
		return s, file, err
	}
	return s, "", nil
}

// errLabel marks decode errors of the label file.
var errLabel = errors.New("label")

func (d *PairDataset) decode(i int, p Pair) (datasets.Sample, error) {
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
		return datasets.Sample{}, fmt.Errorf("%s %s: %w: %w", d.cfg.Kind, p.Name, errLabel, err)
	}
	if (lw != w || lh != h) && d.noteResized(i) {
		d.warn(fmt.Sprintf("%s: label %s is %dx%d, image %s is %dx%d: label resized (nearest)", p.Name, p.Label, lw, lh, p.Image, w, h))
	}
	if s.Label, err = ResizeLabel(ids, lw, lh, out.W, out.H); err != nil {
		return datasets.Sample{}, fmt.Errorf("%s %s: %w: %w", d.cfg.Kind, p.Label, errLabel, err)
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
