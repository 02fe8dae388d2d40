package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/dast-uda/dast/core/checkpoint"
	"github.com/dast-uda/dast/core/config"
	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/infer"
	"github.com/dast-uda/dast/core/model"
	"github.com/dast-uda/dast/core/runinfo"
	"go.uber.org/zap"
)

// Files of snapshot selection in a run directory.
const (
	// SelectionFile holds one JSON line per evaluation: the selection score and its parts.
	SelectionFile = "selection.jsonl"
	// BestDir holds the checkpoint with the best selection score so far.
	BestDir = "best"
	// selectMeta is the checkpoint metadata key of the best checkpoint's score.
	selectMeta = "select_miou"
)

// SelectSet is one part of the snapshot-selection set: held-out source images restyled toward
// the target with FDA at one beta.
type SelectSet struct {
	Beta float64
	Data data.Dataset
}

// Selection is one line of selection.jsonl.
type Selection struct {
	Iteration int         `json:"iteration"`
	MIoU      float64     `json:"miou"` // mean over the parts: the selection score
	Parts     []BetaScore `json:"parts"`
}

// BetaScore is the mIoU of one FDA beta.
type BetaScore struct {
	Beta float64 `json:"beta"`
	MIoU float64 `json:"miou"`
}

// openSelect builds data.select: the held-out source set restyled once per beta with the style
// set's images (data.select.style, else data.target). The restyled images are computed once,
// on first use, and kept in memory.
func openSelect(tree *config.Tree, root *config.Root, openDataset opener) ([]SelectSet, error) {
	sel := root.Data.Select
	src, err := openDataset(tree, "data.select.source")
	if err != nil {
		return nil, err
	}
	stylePath := "data.select.style"
	if sel.Style == nil {
		stylePath = "data.target"
	}
	style, err := openDataset(tree, stylePath)
	if err != nil {
		return nil, err
	}
	rs, err := config.BuildOf[model.Restyler](tree, "data.select.restyle", "restyler", sel.RestyleBlock())
	if err != nil {
		return nil, err
	}
	var sets []SelectSet
	for _, beta := range sel.Betas {
		ds, err := rs.Restyle(src, style, beta)
		if err != nil {
			return nil, fmt.Errorf("%s: data.select: %w", tree.Path(), err)
		}
		sets = append(sets, SelectSet{Beta: beta, Data: newCached(ds)})
	}
	return sets, nil
}

// cached keeps every sample of a dataset in memory after its first Get.
type cached struct {
	data.Dataset
	mu      sync.Mutex
	samples map[int]data.Sample
}

func newCached(ds data.Dataset) *cached {
	return &cached{Dataset: ds, samples: map[int]data.Sample{}}
}

func (c *cached) Get(i int) (data.Sample, error) {
	c.mu.Lock()
	s, ok := c.samples[i]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	s, err := c.Dataset.Get(i)
	if err != nil {
		return s, err
	}
	c.mu.Lock()
	c.samples[i] = s
	c.mu.Unlock()
	return s, nil
}

// selectScore scores the current weights on every selection part, appends the result to
// selection.jsonl and, when the score beats the best so far, saves the weights as the run's
// best checkpoint (best/).
func (t *trainer) selectScore(iteration int) (Selection, error) {
	sel := Selection{Iteration: iteration}
	for _, part := range t.setup.Select {
		conf, err := infer.Evaluate(t.predictor, part.Data, t.setup.Root.Eval.BatchSize, nil)
		if err != nil {
			return sel, fmt.Errorf("data.select (beta %v): %w", part.Beta, err)
		}
		m := conf.Metrics(t.setup.ClassNames, iteration)
		sel.Parts = append(sel.Parts, BetaScore{Beta: part.Beta, MIoU: m.MIoU})
		sel.MIoU += m.MIoU / float64(len(t.setup.Select))
	}
	b, err := json.Marshal(sel)
	if err != nil {
		return sel, err
	}
	if err := runinfo.AppendLine(filepath.Join(t.dir, SelectionFile), b); err != nil {
		return sel, err
	}
	if t.bestSelect == nil {
		best, ok, err := BestSelection(t.dir)
		if err != nil {
			return sel, err
		}
		if !ok {
			best = Selection{MIoU: -1}
		}
		t.bestSelect = &best
	}
	if sel.MIoU > t.bestSelect.MIoU {
		meta := map[string]string{
			"seed":     strconv.FormatInt(t.setup.Root.Seed, 10),
			"strategy": t.setup.StrategyName,
			selectMeta: strconv.FormatFloat(sel.MIoU, 'g', -1, 64),
		}
		if _, err := checkpoint.Save(filepath.Join(t.dir, BestDir), iteration, t.ctx, meta, 1); err != nil {
			return sel, fmt.Errorf("best checkpoint at iteration %d: %w", iteration, err)
		}
		t.bestSelect = &sel
		t.log.Info("best snapshot", zap.Int("it", iteration), zap.Float64("select_miou", sel.MIoU))
	}
	return sel, nil
}

// BestSelection reads the best checkpoint of a run directory's snapshot selection: its
// iteration and score. ok is false when the run has none.
func BestSelection(runDir string) (sel Selection, ok bool, err error) {
	e, ok, err := checkpoint.Latest(filepath.Join(runDir, BestDir))
	if err != nil || !ok {
		return Selection{}, false, err
	}
	_, meta, err := checkpoint.ReadFile(e.Path)
	if err != nil {
		return Selection{}, false, err
	}
	v, err := strconv.ParseFloat(meta[selectMeta], 64)
	if err != nil {
		return Selection{}, false, fmt.Errorf("%s: metadata %s: %w", e.Path, selectMeta, err)
	}
	return Selection{Iteration: e.Iteration, MIoU: v}, true, nil
}

// StartCheckpoint is the checkpoint a following stage starts from: the run's best snapshot
// when it selected one (data.select), else its newest checkpoint.
func StartCheckpoint(runDir string) (path string, selected bool, err error) {
	e, ok, err := checkpoint.Latest(filepath.Join(runDir, BestDir))
	if err != nil {
		return "", false, err
	}
	if ok {
		return e.Path, true, nil
	}
	path, err = runinfo.ResolveCheckpoint(runDir)
	return path, false, err
}
