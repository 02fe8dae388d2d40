package train

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"path/filepath"

	"github.com/dast-uda/dast/classes"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/optim"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/tensorboard"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"go.uber.org/zap"
)

// TensorBoardDir is the folder of a run directory that holds its TensorBoard event files.
const TensorBoardDir = "tensorboard"

// tbImages is the number of data.val images whose prediction (and attention) is logged at each
// evaluation.
const tbImages = 3

// tbRecorder writes a run's TensorBoard events (train.tensorboard): the losses and learning
// rates every train.log_every iterations, val mIoU, per-class IoU and class-subset mIoUs, the
// snapshot-selection score, and the first val images' predictions and attention maps at each
// evaluation. A nil recorder records nothing. Write errors are logged once, never fatal: the
// event files are a view of the run, history.jsonl and selection.jsonl are its record.
type tbRecorder struct {
	w      *tensorboard.Writer
	t      *trainer
	att    *context.Exec // attention maps at the image size; nil without attention
	inputs bool          // the val input images were written
	failed bool
}

// openTensorBoard starts the recorder when the run asks for it.
func openTensorBoard(t *trainer) (*tbRecorder, error) {
	if !t.setup.Root.Train.TensorBoard {
		return nil, nil
	}
	w, err := tensorboard.Create(filepath.Join(t.dir, TensorBoardDir))
	if err != nil {
		return nil, err
	}
	t.log.Info("tensorboard", zap.String("events", w.Path()))
	return &tbRecorder{w: w, t: t}, nil
}

func (r *tbRecorder) check(err error) {
	if err != nil && !r.failed {
		r.failed = true
		r.t.log.Warn("tensorboard: writing events failed; the run goes on without them", zap.Error(err))
	}
}

// losses records the losses of iteration done and the learning rates its step used.
func (r *tbRecorder) losses(done int, names []string, vals []float64) {
	if r == nil {
		return
	}
	tr := r.t.setup.Root.Train
	poly := optim.PolyValue(done-1, tr.Horizon(), tr.PolyPower)
	s := map[string]float64{"lr/segmentor": tr.LR * poly, "lr/head": tr.LR * tr.HeadLRMult * poly}
	if len(r.t.setup.Root.Discriminators) > 0 {
		s["lr/discriminators"] = tr.DiscLR * poly
	}
	for i, n := range names {
		s["loss/"+n] = vals[i]
	}
	r.check(r.w.Scalars(int64(done), s))
	r.check(r.w.Flush())
}

// val records an evaluation on data.val and the first val images' predictions.
func (r *tbRecorder) val(m metrics.Metrics) {
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

// selection records the snapshot-selection score and its per-beta parts.
func (r *tbRecorder) selection(sel selection.Record) {
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
func (r *tbRecorder) images(step int) error {
	val, p := r.t.setup.Val, r.t.predictor
	if val == nil || p == nil {
		return nil
	}
	if a, ok := r.t.setup.Strategy.(Attender); ok && a.HasAttention() && r.att == nil {
		e, err := context.NewExec(r.t.backend, r.t.ctx, func(ctx *context.Context, x *graph.Node) *graph.Node {
			d := x.Shape().Dimensions
			return graph.ConvertDType(infer.UpsampleToSize(a.AttentionMap(ctx, r.t.setup.Seg, x), d[1], d[2]), dtypes.Float32)
		})
		if err != nil {
			return err
		}
		r.att = e
	}
	for i := range min(tbImages, val.Len()) {
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
		if r.att != nil {
			out, err := r.att.Exec1(tensors.FromFlatDataAndDimensions(data.ToInput(s), 1, s.H, s.W, 3))
			if err != nil {
				return err
			}
			alpha, err := tensors.CopyFlatData[float32](out)
			if err != nil {
				return err
			}
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

func (r *tbRecorder) png(tag string, step int, img image.Image, channels int) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	bd := img.Bounds()
	return r.w.Image(tag, int64(step), b.Bytes(), bd.Dx(), bd.Dy(), channels)
}

// close flushes and closes the event file.
func (r *tbRecorder) close() {
	if r != nil {
		r.check(r.w.Close())
	}
}
