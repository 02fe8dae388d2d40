package train_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/optim"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/core/tblog"
	"github.com/dast-uda/dast/core/tensorboard"
	"github.com/dast-uda/dast/core/train"
	_ "github.com/dast-uda/dast/discriminators/discoverer"
)

// TestTensorBoardEvents trains a tiny DA model with train.tensorboard and decodes its event
// file back: the losses equal the ones logged, the learning rates the poly schedule's, val
// mIoU and per-class IoU the lines of history.jsonl, and every evaluation has the first val
// images' predictions and attention maps.
func TestTensorBoardEvents(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tb.yaml")
	y := `seed: 2
data:
  source: {name: synthetic, domain: source, split: train, size: 4, height: 32, width: 64}
  target: {name: synthetic, domain: target, split: train, size: 4, height: 32, width: 64}
  val: {name: synthetic, domain: target, split: val, size: 2, height: 32, width: 64}
  select:
    source: {name: synthetic, domain: source, split: val, size: 2, height: 32, width: 64}
    betas: [0.1, 0.3]
segmentor: {name: small, widths: [4, 8, 8]}
discriminators:
  discoverer: {name: discoverer, channels_from: input}
  corrector: {name: corrector, channels: [4, 8, 8, 8]}
strategy: {name: da}
train: {iterations: 4, lr: 0.01, checkpoint_every: 0, log_every: 1, eval_every: 2, tensorboard: true}
`
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := config.Load(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := train.Assemble(tree)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.InfoLevel)
	run := filepath.Join(dir, "run")
	if _, err := train.Run(withTimeout(t, 3*time.Minute), setup, train.Options{RunDir: run, Log: zap.New(core)}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(run, tblog.Dir, "events.out.tfevents.*"))
	if len(files) != 1 {
		t.Fatalf("event files %v", files)
	}
	evs, err := tensorboard.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].FileVersion != tensorboard.FileVersion {
		t.Errorf("first event %+v", evs[0])
	}
	scalars := map[int64]map[string]float32{}
	images := map[string][]int64{}
	for _, ev := range evs[1:] {
		for _, v := range ev.Values {
			if v.Image != nil {
				images[v.Tag] = append(images[v.Tag], ev.Step)
				if v.Image.Width != 64 || v.Image.Height != 32 || len(v.Image.Encoded) < 8 || string(v.Image.Encoded[1:4]) != "PNG" {
					t.Errorf("image %s: %dx%d, %d bytes", v.Tag, v.Image.Width, v.Image.Height, len(v.Image.Encoded))
				}
				continue
			}
			if scalars[ev.Step] == nil {
				scalars[ev.Step] = map[string]float32{}
			}
			scalars[ev.Step][v.Tag] = v.Scalar
		}
	}
	// Losses and learning rates against the log.
	n := 0
	for _, e := range logs.FilterMessage("train").All() {
		f := e.ContextMap()
		step := f["it"].(int64)
		for k, v := range f {
			name, ok := strings.CutPrefix(k, "loss_")
			if !ok {
				continue
			}
			n++
			if got, ok := scalars[step]["loss/"+name]; !ok || got != float32(v.(float64)) {
				t.Errorf("step %d loss/%s = %v (present %v), logged %v", step, name, got, ok, v)
			}
		}
		wantLR := float32(0.01 * optim.PolyValue(int(step)-1, 4, setup.Root.Train.PolyPower))
		if got := scalars[step]["lr/segmentor"]; got != wantLR {
			t.Errorf("step %d lr/segmentor %v, want %v", step, got, wantLR)
		}
		if _, ok := scalars[step]["lr/discriminators"]; !ok {
			t.Errorf("step %d: no lr/discriminators", step)
		}
	}
	if n < 4*3 {
		t.Errorf("%d losses compared, want at least 3 per iteration", n)
	}
	// Val mIoU and per-class IoU against history.jsonl.
	f, err := os.Open(filepath.Join(run, train.HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var h struct {
			MIoU      float64 `json:"miou"`
			Iteration int64   `json:"iteration"`
			PerClass  map[string]*float64
		}
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		json.Unmarshal(sc.Bytes(), &raw)
		json.Unmarshal(raw["per_class"], &h.PerClass)
		if got := scalars[h.Iteration]["val/miou"]; got != float32(h.MIoU) {
			t.Errorf("iteration %d val/miou %v, history %v", h.Iteration, got, h.MIoU)
		}
		classes := 0
		for name, v := range h.PerClass {
			got, ok := scalars[h.Iteration]["val_iou/"+name]
			if v == nil {
				if ok {
					t.Errorf("iteration %d: undefined %s written as %v", h.Iteration, name, got)
				}
				continue
			}
			classes++
			if !ok || got != float32(*v) {
				t.Errorf("iteration %d val_iou/%s %v, history %v", h.Iteration, name, got, *v)
			}
		}
		if classes == 0 {
			t.Errorf("iteration %d: no per-class IoU compared", h.Iteration)
		}
	}
	if lines != 2 {
		t.Errorf("history has %d lines, want evaluations at 2 and 4", lines)
	}
	// The selection score and its parts against selection.jsonl.
	sb, err := os.ReadFile(filepath.Join(run, selection.File))
	if err != nil {
		t.Fatal(err)
	}
	sels := 0
	for _, line := range strings.Split(strings.TrimSpace(string(sb)), "\n") {
		var sel selection.Record
		if err := json.Unmarshal([]byte(line), &sel); err != nil {
			t.Fatal(err)
		}
		sels++
		if got := scalars[int64(sel.Iteration)]["select/miou"]; got != float32(sel.MIoU) {
			t.Errorf("iteration %d select/miou %v, selection.jsonl %v", sel.Iteration, got, sel.MIoU)
		}
		for _, p := range sel.Parts {
			tag := fmt.Sprintf("select/miou_beta_%g", p.Beta)
			if got, ok := scalars[int64(sel.Iteration)][tag]; !ok || got != float32(p.MIoU) {
				t.Errorf("iteration %d %s %v, selection.jsonl %v", sel.Iteration, tag, got, p.MIoU)
			}
		}
	}
	if sels != 2 {
		t.Errorf("%d selection lines, want 2", sels)
	}
	for _, tag := range []string{"val_0/prediction", "val_1/prediction", "val_0/attention"} {
		if got := images[tag]; len(got) != 2 || got[0] != 2 || got[1] != 4 {
			t.Errorf("%s at steps %v, want [2 4]", tag, got)
		}
	}
	if got := images["val_0/image"]; len(got) != 1 {
		t.Errorf("val_0/image at steps %v, want once", got)
	}
}
