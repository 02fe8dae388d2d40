// Package datacheck walks the on-disk datasets of a config (dast data check): it lists each
// dataset block's files, compares their count with the release's, and reads every image and
// label PNG (headers and trailers; every pixel with Deep) for missing, unreadable, mis-sized
// and mis-formatted files and label values outside the dataset's id table.
package datacheck

import (
	"bufio"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"maps"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/datasets/loader"
)

// Progress follows the check of the files, one Add per image/label pair.
type Progress interface {
	Add(n int)
	Close()
}

// Options are dast data check's: Deep decodes every pixel, NoCount skips the comparison with
// the release's image count, MaxList is how many files WriteReports lists per kind of problem,
// Progress (optional) makes the reporter of the file checks.
type Options struct {
	Deep, NoCount bool
	MaxList       int
	Progress      func(total int) Progress
}

// Problem kinds of a data check, in report order.
const (
	probOpen     = "cannot open"
	probCount    = "count"
	probMissing  = "missing"
	probBad      = "unreadable"
	probSize     = "size mismatch"
	probFormat   = "label format"
	probValues   = "label values"
	probImageBad = "image decode"
)

var problemOrder = []string{probOpen, probCount, probMissing, probBad, probSize, probFormat, probValues, probImageBad}

// warningKinds are reported without failing the check: the loader repairs them (a label of
// another size is resized, nearest, to its image, and listed in metrics.json's data_issues).
var warningKinds = map[string]bool{probSize: true}

// Report is the check of one dataset block.
type Report struct {
	Path     string // data.source
	Kind     string // gta5
	Found    int    // entries with both files present
	Expected int    // the release's count for these options (0: unknown)
	Problems map[string][]string
}

func (r *Report) add(kind, msg string) {
	if r.Problems == nil {
		r.Problems = map[string][]string{}
	}
	r.Problems[kind] = append(r.Problems[kind], msg)
}

// Check checks every on-disk dataset block of tree.
func Check(tree *config.Tree, opts Options) ([]*Report, error) {
	if err := tree.Validate(); err != nil {
		return nil, err
	}
	root, err := tree.Root()
	if err != nil {
		return nil, err
	}
	blocks := []struct {
		path  string
		block config.Block
	}{
		{"data.source", root.Data.Source}, {"data.target", root.Data.Target}, {"data.val", root.Data.Val},
		{"data.select.source", root.Data.Select.Source}, {"data.select.style", root.Data.Select.Style},
	}
	type opened struct {
		r     *Report
		pairs []loader.Pair
		facts model.DatasetFacts
	}
	var all []opened
	total := 0
	for _, b := range blocks {
		if b.block == nil {
			continue
		}
		mod, err := tree.ComponentOf(b.path, "dataset", b.block)
		if err != nil {
			return nil, err
		}
		dd, ok := mod.(model.DatasetDeclarer)
		if !ok {
			continue // not on disk (the synthetic benchmark)
		}
		facts, err := dd.DeclaredFacts()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", tree.Path(), b.path, err)
		}
		r := &Report{Path: b.path, Kind: facts.Kind, Expected: facts.Images}
		// Open with skip_bad, so that every missing file is listed instead of the first.
		lenient := maps.Clone(b.block)
		lenient["skip_bad"] = true
		mod, err = tree.ComponentOf(b.path, "dataset", lenient)
		if err != nil {
			return nil, err
		}
		op, err := config.As[model.DatasetOpener](tree, b.path, mod)
		if err != nil {
			return nil, err
		}
		ds, err := op.OpenDataset()
		if err != nil {
			r.add(probOpen, err.Error())
			all = append(all, opened{r: r, facts: facts})
			continue
		}
		pl, ok := ds.(interface {
			Len() int
			Pair(i int) loader.Pair
		})
		if !ok {
			return nil, fmt.Errorf("%s: %s: dataset %T does not list its files", tree.Path(), b.path, ds)
		}
		o := opened{r: r, facts: facts}
		for i := range pl.Len() {
			o.pairs = append(o.pairs, pl.Pair(i))
		}
		r.Found = len(o.pairs)
		if di, ok := ds.(interface{ DataIssues() metrics.DataIssues }); ok {
			issues := di.DataIssues()
			for _, s := range issues.SkippedFiles {
				r.add(probMissing, s.Reason)
			}
			for range issues.Skipped - len(issues.SkippedFiles) { // beyond the listed ones
				r.add(probMissing, "(not listed)")
			}
		}
		if !opts.NoCount && facts.Images > 0 && r.Found+len(r.Problems[probMissing]) != facts.Images {
			r.add(probCount, fmt.Sprintf("%d images listed, the release has %d for these options (a partial download? --no-count-check for a subset)",
				r.Found+len(r.Problems[probMissing]), facts.Images))
		}
		total += len(o.pairs)
		all = append(all, o)
	}
	var prog Progress = nopProgress{}
	if opts.Progress != nil && total > 0 {
		prog = opts.Progress(total)
	}
	defer prog.Close()
	out := make([]*Report, 0, len(all))
	for _, o := range all {
		for _, p := range o.pairs {
			checkPair(o.r, p, o.facts.Kind, opts.Deep)
			prog.Add(1)
		}
		out = append(out, o.r)
	}
	return out, nil
}

type nopProgress struct{}

func (nopProgress) Add(int) {}
func (nopProgress) Close()  {}

// labelIDMax is the largest raw id of each dataset's label table: Cityscapes label ids (GTA5
// uses the same table) 0..33, SYNTHIA-RAND-CITYSCAPES class ids 0..22.
var labelIDMax = map[string]int{"gta5": 33, "cityscapes": 33, "synthia": 22}

// checkPair checks one image/label pair: headers (and trailers) always, pixels with deep.
func checkPair(r *Report, p loader.Pair, kind string, deep bool) {
	iw, ih, err := datasets.CheckPNG(p.Image)
	if err != nil {
		r.add(probBad, err.Error())
		return
	}
	if deep {
		if _, _, _, err := datasets.ReadRGB(p.Image); err != nil {
			r.add(probImageBad, withPath(p.Image, err))
		}
	}
	if p.Label == "" {
		return
	}
	lw, lh, err := datasets.CheckPNG(p.Label)
	if err != nil {
		r.add(probBad, err.Error())
		return
	}
	if lw != iw || lh != ih {
		r.add(probSize, fmt.Sprintf("%s: label %dx%d, image %s %dx%d", p.Label, lw, lh, p.Image, iw, ih))
	}
	if msg := labelFormat(p.Label, kind); msg != "" {
		r.add(probFormat, p.Label+": "+msg)
		return // its values would be read wrongly
	}
	if !deep {
		return
	}
	ids, _, _, err := datasets.ReadLabel(p.Label)
	if err != nil {
		r.add(probBad, withPath(p.Label, err))
		return
	}
	var seen [256]bool
	for _, v := range ids {
		seen[v] = true
	}
	var bad []string
	for v := labelIDMax[kind] + 1; v < 256; v++ {
		if seen[v] && !(kind != "synthia" && v == 255) { // 255: unlabelled in Cityscapes-style files
			bad = append(bad, fmt.Sprint(v))
		}
	}
	if len(bad) > 0 {
		r.add(probValues, fmt.Sprintf("%s: ids %s outside the %s table (0-%d)", p.Label, strings.Join(bad, ", "), kind, labelIDMax[kind]))
	}
}

// labelFormat returns what is wrong with a label file's pixel format for kind ("" when fine),
// from its header.
func labelFormat(path, kind string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(bufio.NewReader(f))
	if err != nil {
		return err.Error()
	}
	sixteen := cfg.ColorModel == color.RGBA64Model || cfg.ColorModel == color.NRGBA64Model || cfg.ColorModel == color.Gray16Model
	_, palette := cfg.ColorModel.(color.Palette)
	grey := cfg.ColorModel == color.GrayModel
	switch kind {
	case "synthia":
		if !sixteen {
			return "8-bit label: SYNTHIA GT/LABELS files are 16-bit PNGs (class id in the first channel); an 8-bit file was re-saved or comes from another folder (GT/COLOR?)"
		}
	case "cityscapes":
		if !grey {
			return "not an 8-bit grey image: Cityscapes labels are the *_gtFine_labelIds.png files (not _color or _instanceIds)"
		}
	case "gta5":
		if !grey && !palette {
			return "not an 8-bit palette or grey image: GTA5 labels hold label ids as palette indices"
		}
	}
	return ""
}

// WriteReports prints the table and the files at fault; it returns the number of errors
// (warnings, see warningKinds, are printed but not counted).
func WriteReports(w io.Writer, reports []*Report, maxList int) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "dataset\tkind\tfound\texpected\t"+strings.Join(problemOrder, "\t")+"\tstatus")
	total, warnings := 0, 0
	for _, r := range reports {
		exp := "?"
		if r.Expected > 0 {
			exp = fmt.Sprint(r.Expected)
		}
		row := []string{r.Path, r.Kind, fmt.Sprint(r.Found), exp}
		n, warn := 0, 0
		for _, k := range problemOrder {
			row = append(row, fmt.Sprint(len(r.Problems[k])))
			if warningKinds[k] {
				warn += len(r.Problems[k])
			} else {
				n += len(r.Problems[k])
			}
		}
		status := "ok"
		switch {
		case n > 0:
			status = "ERRORS"
		case warn > 0:
			status = "warnings"
		}
		total += n
		warnings += warn
		fmt.Fprintln(tw, strings.Join(append(row, status), "\t"))
	}
	tw.Flush()
	for _, r := range reports {
		kinds := make([]string, 0, len(r.Problems))
		for k := range r.Problems {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return indexOf(problemOrder, kinds[i]) < indexOf(problemOrder, kinds[j]) })
		for _, k := range kinds {
			list := r.Problems[k]
			note := ""
			if warningKinds[k] {
				note = ", a warning: the loader resizes these labels (nearest) to their image"
			}
			fmt.Fprintf(w, "\n%s %s (%d%s):\n", r.Path, k, len(list), note)
			for i, msg := range list {
				if maxList > 0 && i == maxList {
					fmt.Fprintf(w, "  ... %d more\n", len(list)-maxList)
					break
				}
				fmt.Fprintf(w, "  %s\n", msg)
			}
		}
	}
	switch {
	case total == 0 && warnings > 0:
		fmt.Fprintf(w, "ok: every dataset checked, no errors (%d warnings)\n", warnings)
	case total == 0:
		fmt.Fprintln(w, "ok: every dataset checked")
	}
	return total
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list)
}

// withPath is err's message, prefixed with path unless it names it already.
func withPath(path string, err error) string {
	if strings.Contains(err.Error(), path) {
		return err.Error()
	}
	return path + ": " + err.Error()
}
