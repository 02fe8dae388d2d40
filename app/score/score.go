// Package score scores folders of prediction PNGs against Cityscapes ground truth
// (*_gtFine_labelIds.png) with the semantics of the official Cityscapes evaluation: label ids
// are mapped to trainIds, ground truth outside the evaluated classes is ignored, one confusion
// matrix is summed over all images, IoU_c = TP/(TP+FP+FN), and mIoU is the mean over the
// classes with a defined IoU. A predicted value outside the model's classes is a miss (it
// counts as a false negative of the pixel's ground-truth class), as in the official script.
// Predictions without ground truth are not scored and are listed (Result.Unmatched); class-id
// PNGs must be gray or paletted, and a colour PNG whose channels differ is refused (a colour
// visualisation's red channel is no class id).
//
// Three class sets are supported: the 19 Cityscapes classes (GTA5 -> Cityscapes), the 16
// SYNTHIA classes and the 13 of them without wall, fence and pole (SYNTHIA -> Cityscapes, mIoU
// and mIoU*). For 16 and 13 two conventions exist and both are available (ModelClasses):
//
//   - 16-class model: predictions are ids of the 16-class SYNTHIA space; ground truth is
//     mapped to that space, so terrain, truck and train pixels are ignored.
//   - 19-class model: predictions are 19-class trainIds and the full 19x19 confusion matrix is
//     accumulated; the mean is taken over the 16 (or 13) classes, so ground-truth terrain,
//     truck and train pixels predicted as one of them count as its false positives.
package score

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/datasets/cityscapes"
	"github.com/dast-uda/dast/datasets/loader"
)

// Prediction formats.
const (
	TrainIDs = "trainids" // pixel values are class ids of the model's space (19 trainIds or 16-class ids)
	LabelIDs = "labelids" // pixel values are Cityscapes label ids (the official submission format)
)

// Options selects what to score.
type Options struct {
	PredDir string // folder of prediction PNGs (searched recursively)
	GTDir   string // folder of *_gtFine_labelIds.png (searched recursively), e.g. gtFine/val
	// Classes is the class set: 19, 16 or 13.
	Classes int
	// ModelClasses is the class space of the predictions for Classes 16 and 13: 16 (a 16-class
	// model, the default) or 19 (a 19-class model scored on 16 of its classes). It must be 19
	// (or 0) for Classes 19.
	ModelClasses int
	// PredFormat is TrainIDs (default) or LabelIDs.
	PredFormat string
	// Workers decoding images in parallel; 0 = GOMAXPROCS.
	Workers int
	// Naming finds the ground-truth files and pairs them with predictions; the zero value is
	// CityscapesNaming().
	Naming Naming
}

// Naming is how a release names its files: which files under the ground-truth folder are
// labels, and the key that pairs a label with its prediction.
type Naming struct {
	LabelSuffix string              // ground-truth files end with it ("_gtFine_labelIds.png")
	Stem        func(string) string // the pairing key of a file's name
}

// CityscapesNaming is the Cityscapes release's naming: labels *_gtFine_labelIds.png, paired by
// the stem before _leftImg8bit / _gtFine_*.
func CityscapesNaming() Naming {
	return Naming{LabelSuffix: cityscapes.LabelSuffix, Stem: cityscapes.Stem}
}

func (n Naming) orDefault() Naming {
	if n.LabelSuffix == "" || n.Stem == nil {
		return CityscapesNaming()
	}
	return n
}

// Result is a finished scoring.
type Result struct {
	Classes      int
	ModelClasses int
	PredFormat   string
	Convention   string // one line describing the convention, printed and written to JSON
	Images       int
	// Names, IDs and IoU describe the scored classes in order: the class name, its index in
	// the confusion matrix, and its IoU in percent (NaN when undefined).
	Names []string
	IDs   []int
	IoU   []float64
	MIoU  float64 // percent, over the scored classes with a defined IoU
	// MIoU13 is mIoU* over the 13-class subset when Classes is 16; NaN otherwise.
	MIoU13 float64
	// OtherPixels counts scored ground-truth pixels whose prediction lies outside the model's
	// classes (each is a false negative).
	OtherPixels int64
	// Unmatched lists the prediction files without ground truth (relative to PredDir, sorted):
	// not scored, and reported so that a wrong --gt folder does not go unnoticed.
	Unmatched []string
	// Confusion is over the model's classes plus one last "other" prediction column.
	Confusion *metrics.Confusion
}

// setup is the class bookkeeping of one Options.
type setup struct {
	n       int        // model classes (size of the confusion matrix without "other")
	gtMap   [256]uint8 // Cityscapes label id -> model class id or 255
	predMap [256]uint8 // prediction pixel value -> model class id, or n for "other"
	ids     []int      // scored class ids
	names   []string   // their names
	ids13   []int      // the 13-class subset when Classes is 16
}

func newSetup(o *Options) (*setup, error) {
	if o.PredFormat == "" {
		o.PredFormat = TrainIDs
	}
	if o.PredFormat != TrainIDs && o.PredFormat != LabelIDs {
		return nil, fmt.Errorf("score: prediction format %q: want %s or %s", o.PredFormat, TrainIDs, LabelIDs)
	}
	switch o.Classes {
	case 19:
		if o.ModelClasses == 0 {
			o.ModelClasses = 19
		}
		if o.ModelClasses != 19 {
			return nil, fmt.Errorf("score: %d model classes with 19 scored classes: want 19", o.ModelClasses)
		}
	case 16, 13:
		if o.ModelClasses == 0 {
			o.ModelClasses = 16
		}
		if o.ModelClasses != 16 && o.ModelClasses != 19 {
			return nil, fmt.Errorf("score: model classes %d: want 16 or 19", o.ModelClasses)
		}
	default:
		return nil, fmt.Errorf("score: classes %d: want 19, 16 or 13", o.Classes)
	}
	s := &setup{n: o.ModelClasses}
	lut := classes.CityscapesLUT()
	to16 := func(t uint8) uint8 { return classes.TrainIDTo16(t) }
	for v := range 256 {
		t := lut[v] // 19-class trainId of label id v
		if s.n == 16 {
			t = to16(t)
		}
		s.gtMap[v] = t
		var p uint8
		if o.PredFormat == LabelIDs {
			p = lut[v]
			if s.n == 16 {
				p = to16(p)
			}
		} else {
			p = uint8(v)
		}
		if int(p) >= s.n {
			p = uint8(s.n)
		}
		s.predMap[v] = p
	}
	names19 := classes.Names()
	all := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	sub13 := classes.Synthia13Subset()
	switch {
	case o.Classes == 19:
		s.ids, s.names = all(19), names19
	case s.n == 16:
		s.ids, s.names = all(16), classes.Synthia16Names()
		s.ids13 = sub13
	default: // a 19-class model on the 16 (or 13) SYNTHIA classes
		for _, t := range classes.Synthia16TrainIDs() {
			s.ids = append(s.ids, int(t))
			s.names = append(s.names, names19[t])
		}
		s.ids13 = make([]int, len(sub13))
		for i, c := range sub13 {
			s.ids13[i] = s.ids[c]
		}
	}
	if o.Classes == 13 {
		names := make([]string, 0, len(s.ids13))
		pos := make(map[int]string, len(s.ids))
		for i, id := range s.ids {
			pos[id] = s.names[i]
		}
		for _, id := range s.ids13 {
			names = append(names, pos[id])
		}
		s.ids, s.names, s.ids13 = s.ids13, names, nil
	}
	return s, nil
}

func convention(o Options) string {
	switch {
	case o.Classes == 19:
		return "19 Cityscapes classes"
	case o.ModelClasses == 16:
		return fmt.Sprintf("%d SYNTHIA classes of a 16-class model (predictions in the 16-class space; ground-truth terrain, truck, train ignored)", o.Classes)
	default:
		return fmt.Sprintf("%d SYNTHIA classes of a 19-class model (19x19 confusion; mean over %d of its classes)", o.Classes, o.Classes)
	}
}

// Match pairs every ground-truth file under gtDir with its prediction under predDir by the
// stem of naming (the zero Naming: Cityscapes', where a prediction may be named <stem>.png,
// <stem>_leftImg8bit.png or like the ground truth), at any depth. A ground truth without
// prediction, or two predictions of one stem, is an error; predictions without ground truth
// are returned in extra (paths relative to predDir, sorted).
func Match(predDir, gtDir string, naming Naming) (pairs [][2]string, extra []string, err error) {
	naming = naming.orDefault()
	gts, err := loader.ScanDir(gtDir, naming.LabelSuffix, true)
	if err != nil {
		return nil, nil, fmt.Errorf("ground truth: %w", err)
	}
	if len(gts) == 0 {
		return nil, nil, fmt.Errorf("ground truth: no *%s under %s", naming.LabelSuffix, gtDir)
	}
	preds, err := loader.ScanDir(predDir, ".png", true)
	if err != nil {
		return nil, nil, fmt.Errorf("predictions: %w", err)
	}
	byStem := make(map[string]string, len(preds))
	for _, p := range preds {
		st := naming.Stem(p)
		if q, dup := byStem[st]; dup {
			return nil, nil, fmt.Errorf("predictions: %s and %s are both for %s", q, p, st)
		}
		byStem[st] = p
	}
	var missing []string
	for _, g := range gts {
		st := naming.Stem(g)
		p, ok := byStem[st]
		if !ok {
			missing = append(missing, st)
			continue
		}
		delete(byStem, st)
		pairs = append(pairs, [2]string{filepath.Join(gtDir, filepath.FromSlash(g)), filepath.Join(predDir, filepath.FromSlash(p))})
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, fmt.Errorf("predictions: %d of %d ground-truth images have no prediction in %s (first: %s)", len(missing), len(gts), predDir, missing[0])
	}
	for _, p := range byStem {
		extra = append(extra, p)
	}
	sort.Strings(extra)
	return pairs, extra, nil
}

// Score scores the predictions under o.PredDir against the ground truth under o.GTDir.
func Score(ctx context.Context, o Options) (*Result, error) {
	s, err := newSetup(&o)
	if err != nil {
		return nil, err
	}
	pairs, extra, err := Match(o.PredDir, o.GTDir, o.Naming)
	if err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(pairs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan [2]string)
	type part struct {
		conf  *metrics.Confusion
		other int64
		err   error
	}
	parts := make(chan part, workers)
	for range workers {
		go func() {
			p := part{conf: metrics.NewConfusion(s.n + 1)}
			for j := range jobs {
				if p.err != nil {
					continue
				}
				var n int64
				if n, p.err = s.add(p.conf, j[0], j[1]); p.err != nil {
					cancel()
				}
				p.other += n
			}
			parts <- p
		}()
	}
feed:
	for _, j := range pairs {
		select {
		case jobs <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	conf := metrics.NewConfusion(s.n + 1)
	var other int64
	var firstErr error
	for range workers {
		p := <-parts
		if p.err != nil && firstErr == nil {
			firstErr = p.err
		}
		other += p.other
		if err := conf.Merge(p.conf); err != nil {
			return nil, err
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("score: %w", firstErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("score: %w", context.Cause(ctx))
	}
	r := s.result(o, conf, len(pairs), other)
	r.Unmatched = extra
	return r, nil
}

// add counts one image and returns its number of "other" predictions on scored pixels.
func (s *setup) add(conf *metrics.Confusion, gtPath, predPath string) (int64, error) {
	gt, gw, gh, err := readClassMap(gtPath, "ground truth")
	if err != nil {
		return 0, err
	}
	pred, pw, ph, err := readClassMap(predPath, "prediction")
	if err != nil {
		return 0, err
	}
	if gw != pw || gh != ph {
		return 0, fmt.Errorf("prediction %s is %dx%d, ground truth %s is %dx%d", predPath, pw, ph, gtPath, gw, gh)
	}
	g32 := make([]int32, len(gt))
	p32 := make([]int32, len(gt))
	var other int64
	for i := range gt {
		g := s.gtMap[gt[i]]
		p := s.predMap[pred[i]]
		g32[i], p32[i] = int32(g), int32(p)
		if g != classes.Ignore && int(p) == s.n {
			other++
		}
	}
	if err := conf.Add(p32, g32); err != nil {
		return 0, fmt.Errorf("%s: %w", predPath, err)
	}
	return other, nil
}

func (s *setup) result(o Options, conf *metrics.Confusion, images int, other int64) *Result {
	iou := conf.IoU()
	r := &Result{
		Classes: o.Classes, ModelClasses: o.ModelClasses, PredFormat: o.PredFormat,
		Convention: convention(o), Images: images, OtherPixels: other, Confusion: conf,
		Names: s.names, IDs: s.ids, MIoU: conf.MIoUOver(s.ids), MIoU13: math.NaN(),
	}
	for _, id := range s.ids {
		r.IoU = append(r.IoU, 100*iou[id])
	}
	if s.ids13 != nil {
		r.MIoU13 = conf.MIoUOver(s.ids13)
	}
	return r
}
