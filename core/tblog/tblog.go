// Package tblog writes a training run's TensorBoard events (train.tensorboard): the losses and
// learning rates, the val metrics, the snapshot-selection score, and the first val images'
// predictions and attention maps, in the event file format of core/tensorboard.
package tblog

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"path/filepath"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/optim"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/tensorboard"
	"go.uber.org/zap"
)

// Dir is the folder of a run directory that holds its TensorBoard event files.
const Dir = "tensorboard"

// images is the number of data.val images whose prediction (and attention) is logged at each
// evaluation.
const images = 3

// Recorder writes a run's TensorBoard events: the losses and learning rates every
// train.log_every iterations, val mIoU, per-class IoU and class-subset mIoUs, the
// snapshot-selection score, and the first val images' predictions and attention maps at each
// evaluation. A nil recorder records nothing. Write errors are logged once, never fatal: the
// event files are a view of the run, history.jsonl and selection.jsonl are its record.
type Recorder struct {
	w              *tensorboard.Writer
	log            *zap.Logger
	train          config.Train
	discriminators bool         // the run trains discriminators (their learning rate is logged)
	val            data.Dataset // nil without data.val
	model          Model
	inputs         bool // the val input images were written
	failed         bool
}

// Model is what the recorder asks of the model being trained about the val images.
type Model interface {
	// Predict returns the class map [N*H*W] of same-sized samples at the image size.
	Predict(batch []data.Sample) ([]int32, error)
	// Attention returns the attention map of s at its size, H*W in [0,1]; nil without
	// discriminator attention.
	Attention(s data.Sample) ([]float32, error)
}

// Open starts the recorder of the run directory runDir when tr asks for it (nil otherwise):
// discriminators tells whether the run trains any, val is its data.val (nil when absent).
func Open(runDir string, log *zap.Logger, tr config.Train, discriminators bool, val data.Dataset, m Model) (*Recorder, error) {
	if !tr.TensorBoard {
		return nil, nil
	}
	w, err := tensorboard.Create(filepath.Join(runDir, Dir))
	if err != nil {
		return nil, err
	}
	log.Info("tensorboard", zap.String("events", w.Path()))
	return &Recorder{w: w, log: log, train: tr, discriminators: discriminators, val: val, model: m}, nil
}

func (r *Recorder) check(err error) {
	if err != nil && !r.failed {
		r.failed = true
		r.log.Warn("tensorboard: writing events failed; the run goes on without them", zap.Error(err))
	}
}

// Losses records the losses of iteration done and the learning rates its step used.
func (r *Recorder) Losses(done int, names []string, vals []float64) {
	if r == nil {
		return
	}
	tr := r.train
	poly := optim.PolyValue(done-1, tr.Horizon(), tr.PolyPower)
	s := map[string]float64{"lr/segmentor": tr.LR * poly, "lr/head": tr.LR * tr.HeadLRMult * poly}
	if r.discriminators {
		s["lr/discriminators"] = tr.DiscLR * poly
	}
	for i, n := range names {
		s["loss/"+n] = vals[i]
	}
	r.check(r.w.Scalars(int64(done), s))
	r.check(r.w.Flush())
}

// Val records an evaluation on data.val and the first val images' predictions.
func (r *Recorder) Val(m metrics.Metrics) {
	if r == nil {
		return
	}
	s := map[string]float64{"val/miou": m.MIoU}
	for _, c := range m.PerClass {
		if c.IoU == c.IoU { // defined (not NaN)
			s["val_iou/"+c.Name] = c.IoU
		}
	}
	for name, v := range m.Subsets {
		s["val/"+name] = v
	}
	r.check(r.w.Scalars(int64(m.Iteration), s))
	r.check(r.images(m.Iteration))
	r.check(r.w.Flush())
}

// Selection records the snapshot-selection score and its per-beta parts.
func (r *Recorder) Selection(sel selection.Record) {
	if r == nil {
		return
	}
	s := map[string]float64{"select/miou": sel.MIoU}
	for _, p := range sel.Parts {
		s[fmt.Sprintf("select/miou_beta_%g", p.Beta)] = p.MIoU
	}
	r.check(r.w.Scalars(int64(sel.Iteration), s))
	r.check(r.w.Flush())
}

// images writes the colour-coded predictions (and attention maps) of the first val images.
func (r *Recorder) images(step int) error {
	val, p := r.val, r.model
	if val == nil || p == nil {
		return nil
	}
	for i := range min(images, val.Len()) {
		s, err := val.Get(i)
		if err != nil {
			return err
		}
		tag := fmt.Sprintf("val_%d", i)
		if !r.inputs {
			img := &image.NRGBA{Pix: make([]uint8, 4*s.W*s.H), Stride: 4 * s.W, Rect: image.Rect(0, 0, s.W, s.H)}
			for k := range s.W * s.H {
				copy(img.Pix[4*k:4*k+3], s.RGB[3*k:3*k+3])
				img.Pix[4*k+3] = 255
			}
			if err := r.png(tag+"/image", step, img, 3); err != nil {
				return err
			}
		}
		pred, err := p.Predict([]data.Sample{s})
		if err != nil {
			return err
		}
		ids := make([]uint8, len(pred))
		for k, v := range pred {
			ids[k] = uint8(v)
		}
		col, err := classes.Colorize(ids, s.W, s.H)
		if err != nil {
			return err
		}
		if err := r.png(tag+"/prediction", step, col, 3); err != nil {
			return err
		}
		alpha, err := p.Attention(s)
		if err != nil {
			return err
		}
		if alpha != nil {
			g := image.NewGray(image.Rect(0, 0, s.W, s.H))
			for k, v := range alpha {
				g.Pix[k] = uint8(min(max(v, 0), 1)*255 + 0.5)
			}
			if err := r.png(tag+"/attention", step, g, 1); err != nil {
				return err
			}
		}
	}
	r.inputs = true
	return nil
}

func (r *Recorder) png(tag string, step int, img image.Image, channels int) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	bd := img.Bounds()
	return r.w.Image(tag, int64(step), b.Bytes(), bd.Dx(), bd.Dy(), channels)
}

// Close flushes and closes the event file.
func (r *Recorder) Close() {
	if r != nil {
		r.check(r.w.Close())
	}
}
