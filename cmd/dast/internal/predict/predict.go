// Package predict writes a checkpoint's predictions of a config's data.val (dast predict):
// per image its class ids, Cityscapes label ids, colours, optionally the colours over the
// input, and for models with discriminator attention the attention map, each as a PNG in its
// own sub-folder.
package predict

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/backend"
	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/train"
	"github.com/dast-uda/dast/datasets"
	"github.com/dast-uda/dast/datasets/loader"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Sub-folders of the output.
const (
	TrainIDs  = "trainids"
	LabelIDs  = "labelids"
	Color     = "color"
	Overlay   = "overlay"
	Attention = "attention"
)

// Options are dast predict's: Overlay also writes the colours blended over the input image,
// Limit > 0 predicts only the first Limit images.
type Options struct {
	Overlay bool
	Limit   int
}

// Write writes the predictions of ckpt on setup.Val under out and returns their number.
func Write(setup *train.Setup, ckpt, out string, o Options, newProgress func(int, string) train.Progress) (int, error) {
	if setup.Val == nil {
		return 0, fmt.Errorf("%s: data.val: predict needs a data.val block (the images to predict)", setup.Tree.Path())
	}
	snap, err := checkpoint.Open(ckpt)
	if err != nil {
		return 0, err
	}
	b, err := backend.New(setup.Root.Backend)
	if err != nil {
		return 0, err
	}
	defer b.Finalize()
	ctx := context.New().Checked(false)
	snap.Attach(ctx)
	p, err := infer.NewPredictor(b, ctx, train.Inference(setup.Seg, setup.Strategy))
	if err != nil {
		return 0, err
	}
	var att *context.Exec
	if a, ok := setup.Strategy.(train.Attender); ok && a.HasAttention() {
		att, err = context.NewExec(b, ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
			d := x.Shape().Dimensions
			return graph.ConvertDType(infer.UpsampleToSize(a.AttentionMap(ctx, setup.Seg, x), d[1], d[2]), dtypes.Float32)
		})
		if err != nil {
			return 0, err
		}
	}
	ds := setup.Val
	n := ds.Len()
	if o.Limit > 0 {
		n = min(n, o.Limit)
	}
	prog := newProgress(n, "predict")
	defer prog.Close()
	nl, _ := ds.(data.NativeLabeler)
	sub, _ := ds.(interface{ Substituted(int) bool })
	written := 0
	for i := range n {
		s, err := ds.Get(i)
		if err != nil {
			return written, fmt.Errorf("predict: sample %d: %w", i, err)
		}
		prog.Add(1)
		if sub != nil && sub.Substituted(i) { // skip_bad: s stands in for a bad entry
			continue
		}
		h, w, err := outputSize(ds, nl, i, s)
		if err != nil {
			return written, err
		}
		pred, err := p.PredictAt([]datasets.Sample{s}, h, w)
		if err != nil {
			return written, fmt.Errorf("predict %s: %w", s.Name, err)
		}
		if i == 0 {
			if err := snap.VerifyUsed(ctx); err != nil {
				return written, err
			}
		}
		ids := make([]uint8, len(pred))
		for j, v := range pred {
			ids[j] = uint8(v)
		}
		var alpha []float32
		if att != nil {
			x := tensors.FromFlatDataAndDimensions(datasets.ToInput(s), 1, s.H, s.W, 3)
			t, err := att.Exec1(x)
			if err != nil {
				return written, fmt.Errorf("attention of %s: %w", s.Name, err)
			}
			if alpha, err = tensors.CopyFlatData[float32](t); err != nil {
				return written, err
			}
		}
		if err := writePrediction(out, s, ids, w, h, setup.Classes, alpha, o.Overlay); err != nil {
			return written, err
		}
		written++
	}
	return written, nil
}

// outputSize is the size predictions of entry i are written at: its ground truth's (as dast
// eval scores), else, without labels (Cityscapes test), its image file's native size (what a
// benchmark server expects), else the served sample's.
func outputSize(ds datasets.Dataset, nl data.NativeLabeler, i int, s datasets.Sample) (h, w int, err error) {
	if nl != nil {
		ids, lw, lh, err := nl.NativeLabel(i)
		if err != nil {
			return 0, 0, err
		}
		if ids != nil {
			return lh, lw, nil
		}
	}
	if pl, ok := ds.(interface{ Pair(int) loader.Pair }); ok {
		iw, ih, err := datasets.CheckPNG(pl.Pair(i).Image)
		if err != nil {
			return 0, 0, err
		}
		return ih, iw, nil
	}
	return s.H, s.W, nil
}

// writePrediction writes one image's PNGs (see the package doc).
func writePrediction(out string, s datasets.Sample, ids []uint8, w, h, numClasses int, alpha []float32, overlay bool) error {
	name := s.Name + ".png"
	write := func(dir string, img image.Image) error {
		path := filepath.Join(out, dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return datasets.WritePNG(path, func(wr io.Writer) error { return png.Encode(wr, img) })
	}
	grey := func(v []uint8, w, h int) *image.Gray {
		return &image.Gray{Pix: v, Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	if err := write(TrainIDs, grey(ids, w, h)); err != nil {
		return err
	}
	lut := labelIDs(numClasses)
	lab := make([]uint8, len(ids))
	for i, v := range ids {
		lab[i] = lut[v]
	}
	if err := write(LabelIDs, grey(lab, w, h)); err != nil {
		return err
	}
	pal := palette(numClasses)
	if err := write(Color, &image.Paletted{Pix: ids, Stride: w, Rect: image.Rect(0, 0, w, h), Palette: pal}); err != nil {
		return err
	}
	if overlay {
		m := image.NewNRGBA(image.Rect(0, 0, s.W, s.H))
		for y := range s.H {
			for x := range s.W {
				c := pal[ids[(y*h/s.H)*w+x*w/s.W]].(color.RGBA) // nearest prediction pixel
				k := (y*s.W + x) * 3
				o := m.Pix[4*(y*s.W+x):]
				o[0] = uint8((int(s.RGB[k]) + int(c.R)) / 2)
				o[1] = uint8((int(s.RGB[k+1]) + int(c.G)) / 2)
				o[2] = uint8((int(s.RGB[k+2]) + int(c.B)) / 2)
				o[3] = 255
			}
		}
		if err := write(Overlay, m); err != nil {
			return err
		}
	}
	if alpha != nil {
		a := make([]uint8, len(alpha))
		for i, v := range alpha {
			a[i] = uint8(min(max(v, 0), 1)*255 + 0.5)
		}
		if err := write(Attention, grey(a, s.W, s.H)); err != nil {
			return err
		}
	}
	return nil
}

// labelIDs maps the model's class ids to Cityscapes label ids (a 16-class SYNTHIA model's ids
// through their trainIds); anything else becomes 0 (unlabelled).
func labelIDs(numClasses int) [256]uint8 {
	var lut [256]uint8
	switch numClasses {
	case classes.NumSynthia16:
		for c, tid := range classes.Synthia16TrainIDs() {
			lut[c] = classes.TrainIDToCityscapesID(tid)
		}
	default:
		for c := range min(numClasses, classes.NumCityscapes) {
			lut[c] = classes.TrainIDToCityscapesID(uint8(c))
		}
	}
	return lut
}

// palette is the colour table of class ids (Cityscapes colours; a 16-class model's through
// their trainIds), black elsewhere.
func palette(numClasses int) color.Palette {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.RGBA{A: 255}
	}
	if numClasses == classes.NumSynthia16 {
		for c, tid := range classes.Synthia16TrainIDs() {
			pal[c] = classes.Color(tid)
		}
		return pal
	}
	for c := range min(numClasses, classes.NumCityscapes) {
		pal[c] = classes.Color(uint8(c))
	}
	return pal
}
