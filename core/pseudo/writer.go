package pseudo

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/internal/atomicfile"
)

// StatsFile is the name of the summary a Writer leaves in its folder at Close.
const StatsFile = "stats.json"

// Stats summarises one round of pseudo labels.
type Stats struct {
	Thresholds []float64 // theta_c per class
	Kept       []float64 // fraction of all written pixels labelled c, per class
	Ignored    float64   // fraction of all written pixels labelled Ignore
	Q, Cap     float64   // the portion and the cap the thresholds were made with
	Counted    []int64   // confidences the collector recorded per class (n_c); may be nil
	Images     int       // label maps written
	Pixels     int64     // pixels written
	// Repredicted counts the images predicted a second time to be labelled; the others were
	// labelled exactly from the first pass's top classes (see TopK).
	Repredicted int
}

// Writer writes pseudo labels as trainId PNGs, DIR/<FileName(name)>, and at Close a
// stats.json with the thresholds, the kept fraction of every class (with its name), q and
// cap. Every file is written atomically (temporary file and rename).
//
// A Writer is not safe for concurrent use.
type Writer struct {
	dir    string
	names  []string
	stats  Stats
	kept   []int64
	ignore int64
	files  map[string]string // file name -> sample name that produced it
	closed bool
}

// NewWriter returns a writer into dir (created if needed) for the classes named classNames.
// st carries the thresholds, Q, Cap and Counted of the round (Thresholds must have one value
// per class, Counted one or none); Kept, Ignored, Images and Pixels are filled in by the
// writer.
func NewWriter(dir string, classNames []string, st Stats) (*Writer, error) {
	n := len(classNames)
	if n < 1 || n > MaxClasses {
		return nil, fmt.Errorf("pseudo: writer for %d classes, want 1..%d", n, MaxClasses)
	}
	if len(st.Thresholds) != n {
		return nil, fmt.Errorf("pseudo: %d thresholds for %d classes", len(st.Thresholds), n)
	}
	if st.Counted != nil && len(st.Counted) != n {
		return nil, fmt.Errorf("pseudo: %d counts for %d classes", len(st.Counted), n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pseudo: %w", err)
	}
	w := &Writer{
		dir:   dir,
		names: append([]string(nil), classNames...),
		kept:  make([]int64, n),
		files: map[string]string{},
	}
	w.stats = Stats{
		Thresholds: append([]float64(nil), st.Thresholds...),
		Q:          st.Q,
		Cap:        st.Cap,
	}
	if st.Counted != nil {
		w.stats.Counted = append([]int64(nil), st.Counted...)
	}
	return w, nil
}

// FileName is the file a label map of the sample called name is written to, relative to the
// writer's folder: the name with a trailing ".png" removed, every character other than ASCII
// letters, digits, '.', '_' and '-' replaced by '_' (so "frankfurt/x" becomes "frankfurt_x"),
// a leading '.' replaced by '_', then ".png". It is "" for an empty name.
func FileName(name string) string {
	if len(name) >= 4 && strings.EqualFold(name[len(name)-4:], ".png") {
		name = name[:len(name)-4]
	}
	if name == "" {
		return ""
	}
	var b strings.Builder
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
		if !ok || (i == 0 && r == '.') {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String() + ".png"
}

// Write stores one label map (row-major [h*w], values < the number of classes or Ignore) as
// an 8-bit gray PNG and adds it to the statistics. Two names that map to the same file are an
// error.
func (w *Writer) Write(name string, label []uint8, h, wd int) error {
	if w.closed {
		return fmt.Errorf("pseudo: write %q after Close", name)
	}
	file := FileName(name)
	if file == "" {
		return fmt.Errorf("pseudo: empty sample name")
	}
	if prev, ok := w.files[file]; ok {
		return fmt.Errorf("pseudo: samples %q and %q both map to %s", prev, name, file)
	}
	if h <= 0 || wd <= 0 || len(label) != h*wd {
		return fmt.Errorf("pseudo: label %q has %d values for %dx%d", name, len(label), h, wd)
	}
	n := len(w.names)
	kept := make([]int64, n)
	var ignore int64
	for i, v := range label {
		switch {
		case v == Ignore:
			ignore++
		case int(v) < n:
			kept[v]++
		default:
			return fmt.Errorf("pseudo: label %q: value %d at pixel %d is neither a class (0..%d) nor %d", name, v, i, n-1, Ignore)
		}
	}
	path := filepath.Join(w.dir, file)
	err := atomicfile.WriteMkdir(path, func(f *os.File) error {
		return data.EncodeLabel(f, label, wd, h)
	})
	if err != nil {
		return fmt.Errorf("pseudo: %w", err)
	}
	w.files[file] = name
	for c := range kept {
		w.kept[c] += kept[c]
	}
	w.ignore += ignore
	w.stats.Images++
	w.stats.Pixels += int64(len(label))
	return nil
}

// SetRepredicted records how many images were predicted a second time (stats.json).
func (w *Writer) SetRepredicted(n int) { w.stats.Repredicted = n }

// Stats returns the statistics of the labels written so far.
func (w *Writer) Stats() Stats {
	st := w.stats
	st.Thresholds = append([]float64(nil), w.stats.Thresholds...)
	if w.stats.Counted != nil {
		st.Counted = append([]int64(nil), w.stats.Counted...)
	}
	st.Kept = make([]float64, len(w.kept))
	if st.Pixels > 0 {
		for c, k := range w.kept {
			st.Kept[c] = float64(k) / float64(st.Pixels)
		}
		st.Ignored = float64(w.ignore) / float64(st.Pixels)
	}
	return st
}

// statsJSON is the layout of stats.json.
type statsJSON struct {
	Q       jsonFloat `json:"q"`
	Cap     jsonFloat `json:"cap"`
	Images  int       `json:"images"`
	Pixels  int64     `json:"pixels"`
	Ignored float64   `json:"ignored"`
	// Repredicted: images predicted again for their labels (the rest came from the first pass).
	Repredicted int         `json:"repredicted"`
	Classes     []classJSON `json:"classes"`
}

type classJSON struct {
	ID        int         `json:"id"`
	Name      string      `json:"name"`
	Threshold jsonFloat32 `json:"threshold"` // thresholds are float32 values (see Thresholds)
	Kept      float64     `json:"kept"`
	Counted   *int64      `json:"counted,omitempty"`
}

// Close writes DIR/stats.json. The writer accepts no more labels afterwards; closing twice
// is an error.
func (w *Writer) Close() error {
	if w.closed {
		return fmt.Errorf("pseudo: writer for %s closed twice", w.dir)
	}
	w.closed = true
	st := w.Stats()
	out := statsJSON{Q: jsonFloat(st.Q), Cap: jsonFloat(st.Cap), Images: st.Images, Pixels: st.Pixels, Ignored: st.Ignored, Repredicted: st.Repredicted}
	for c, name := range w.names {
		cj := classJSON{ID: c, Name: name, Threshold: jsonFloat32(st.Thresholds[c]), Kept: st.Kept[c]}
		if st.Counted != nil {
			cj.Counted = &st.Counted[c]
		}
		out.Classes = append(out.Classes, cj)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("pseudo: stats: %w", err)
	}
	data = append(data, '\n')
	err = atomicfile.WriteMkdir(filepath.Join(w.dir, StatsFile), func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("pseudo: %w", err)
	}
	return nil
}

// jsonFloat is a float64 that encodes NaN and infinities as null (a NaN cap means no cap).
type jsonFloat float64

func (x jsonFloat) MarshalJSON() ([]byte, error) { return marshalFloat(float64(x), 64), nil }

// jsonFloat32 is a float64 holding a float32 value, encoded in float32's shortest form
// (0.9, not 0.8999999761581421), non-finite values as null.
type jsonFloat32 float64

func (x jsonFloat32) MarshalJSON() ([]byte, error) { return marshalFloat(float64(x), 32), nil }

func marshalFloat(x float64, bits int) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null")
	}
	return strconv.AppendFloat(nil, x, 'g', -1, bits)
}
