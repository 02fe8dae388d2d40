// Package weightinfo inspects pretrained backbone weights for dast weights inspect: how a
// file's keys map onto dast's variables, and whether it loads strictly into a segmentor.
package weightinfo

import (
	"fmt"
	"io"
	"testing/fstest"
	"text/tabwriter"

	"github.com/dast-uda/dast/app/describe"
	"github.com/dast-uda/dast/backbones/weights"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/model"
)

// Inspect writes how the keys of the weights file at path map onto dast's variables under
// arch (archName, else seg's, else the one that maps most keys), every key with all, and with
// seg checks the file strictly against that segmentor: an error when it does not fit.
func Inspect(w io.Writer, path, archName, seg string, all bool) error {
	raw, err := weights.ReadShapes(path)
	if err != nil {
		return err
	}
	arch := weights.GuessArch(raw)
	if archName != "" {
		if arch, err = weights.ParseArch(archName); err != nil {
			return err
		}
	} else if seg != "" {
		if arch, err = weights.ParseArch(seg); err != nil {
			return fmt.Errorf("--segmentor: %w", err)
		}
	}
	set, err := weights.Map(raw, arch)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var values int64
	for _, t := range set.Tensors {
		n := int64(1)
		for _, d := range t.Shape {
			n *= int64(d)
		}
		values += n
	}
	fmt.Fprintf(w, "file       %s: %d keys\n", path, len(raw))
	fmt.Fprintf(w, "arch       %s: %d keys map onto dast variables (%s values), %d ignored, %d unexpected\n",
		arch, len(set.Tensors), describe.Count(values), len(set.Ignored), len(set.Unexpected))
	if len(set.Ignored) > 0 {
		fmt.Fprintf(w, "ignored    %s\n", weights.Abbrev(set.Ignored, 6))
	}
	if len(set.Unexpected) > 0 {
		fmt.Fprintf(w, "UNEXPECTED %s\n", weights.Abbrev(set.Unexpected, 12))
	}
	if all {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "key\tshape (file)\tdast variable")
		for _, k := range weights.SortedKeys(raw) {
			name, skip, ok := weights.MapKey(k, arch)
			switch {
			case skip:
				name = "(ignored)"
			case !ok:
				name = "(UNEXPECTED)"
			}
			fmt.Fprintf(tw, "%s\t%v\t%s\n", k, raw[k].Shape, name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if seg == "" {
		return nil
	}
	if err := checkAgainstSegmentor(path, seg); err != nil {
		return err
	}
	fmt.Fprintf(w, "ok: %s loads strictly into segmentor %s (every backbone variable, no key left over)\n", path, seg)
	return nil
}

// checkAgainstSegmentor builds the named segmentor with path as its pretrained weights, as a
// config would, and returns the strict comparison's error.
func checkAgainstSegmentor(path, seg string) error {
	y := fmt.Sprintf("segmentor: {name: %s, pretrained: %q}\n", seg, path)
	tree, err := config.LoadFS(fstest.MapFS{"weights.yaml": {Data: []byte(y)}}, "weights.yaml", nil)
	if err != nil {
		return err
	}
	sb, err := config.Build[model.SegmentorBuilder](tree, "segmentor", "segmentor")
	if err != nil {
		return err
	}
	s, err := sb.NewSegmentor(19)
	if err != nil {
		return err
	}
	b, err := backend.New("go")
	if err != nil {
		return err
	}
	defer b.Finalize()
	_, err = describe.Segmentor(b, s, []int{1, 33, 33})
	return err
}
