// Package selection is DAST's snapshot selection: a held-out source set restyled toward the
// target (FDA, one part per beta), the weights scored on it at every evaluation
// (selection.jsonl), and the best-scoring weights kept as the run's best snapshot (best/),
// which a following stage starts from.
package selection

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
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Files of snapshot selection in a run directory.
const (
	// File holds one JSON line per evaluation: the selection score and its parts.
	File = "selection.jsonl"
	// BestDir holds the checkpoint with the best selection score so far.
	BestDir = "best"
	// scoreMeta is the checkpoint metadata key of the best checkpoint's score.
	scoreMeta = "select_miou"
)

// Set is one part of the snapshot-selection set: held-out source images restyled toward
// the target with FDA at one beta.
type Set struct {
	Beta float64
	Data data.Dataset
}

// Record is one line of selection.jsonl.
type Record struct {
	Iteration int     `json:"iteration"`
	MIoU      float64 `json:"miou"` // mean over the parts: the selection score
	Parts     []Part  `json:"parts"`
}

// Part is the mIoU of one FDA beta.
type Part struct {
	Beta float64 `json:"beta"`
	MIoU float64 `json:"miou"`
}

// Open builds data.select: the held-out source set restyled once per beta with the style
// set's images (data.select.style, else data.target). The restyled images are computed once,
// on first use, and kept in memory.
func Open(tree *config.Tree, root *config.Root, openDataset func(tree *config.Tree, path string) (data.Dataset, error)) ([]Set, error) {
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
	var sets []Set
	for _, beta := range sel.Betas {
		ds, err := rs.Restyle(src, style, beta)
		if err != nil {
			return nil, fmt.Errorf("%s: data.select: %w", tree.Path(), err)
		}
		sets = append(sets, Set{Beta: beta, Data: newCached(ds)})
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

// Score scores p on every part of sets and returns the record of iteration: each part's
// mIoU and their mean, the selection score.
func Score(p *infer.Predictor, sets []Set, classNames []string, batchSize, iteration int) (Record, error) {
	sel := Record{Iteration: iteration}
	for _, part := range sets {
		conf, err := infer.Evaluate(p, part.Data, batchSize, nil)
		if err != nil {
			return sel, fmt.Errorf("data.select (beta %v): %w", part.Beta, err)
		}
		m := conf.Metrics(classNames, iteration)
		sel.Parts = append(sel.Parts, Part{Beta: part.Beta, MIoU: m.MIoU})
		sel.MIoU += m.MIoU / float64(len(sets))
	}
	return sel, nil
}

// Append appends sel to the run directory's selection.jsonl.
func Append(runDir string, sel Record) error {
	b, err := json.Marshal(sel)
	if err != nil {
		return err
	}
	return runinfo.AppendLine(filepath.Join(runDir, File), b)
}

// SaveBest saves the variables of ctx as the run directory's best snapshot (best/), with the
// checkpoint metadata meta and the score of sel.
func SaveBest(runDir string, ctx *context.Context, sel Record, meta map[string]string) error {
	meta[scoreMeta] = strconv.FormatFloat(sel.MIoU, 'g', -1, 64)
	if _, err := checkpoint.Save(filepath.Join(runDir, BestDir), sel.Iteration, ctx, meta, 1); err != nil {
		return fmt.Errorf("best checkpoint at iteration %d: %w", sel.Iteration, err)
	}
	return nil
}

// Best reads the best checkpoint of a run directory's snapshot selection: its iteration and
// score. ok is false when the run has none.
func Best(runDir string) (sel Record, ok bool, err error) {
	e, ok, err := checkpoint.Latest(filepath.Join(runDir, BestDir))
	if err != nil || !ok {
		return Record{}, false, err
	}
	_, meta, err := checkpoint.ReadFile(e.Path)
	if err != nil {
		return Record{}, false, err
	}
	v, err := strconv.ParseFloat(meta[scoreMeta], 64)
	if err != nil {
		return Record{}, false, fmt.Errorf("%s: metadata %s: %w", e.Path, scoreMeta, err)
	}
	return Record{Iteration: e.Iteration, MIoU: v}, true, nil
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
