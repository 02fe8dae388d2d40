package data

import "github.com/dast-uda/dast/core/metrics"

// The optional interfaces of datasets, in one place: a dataset implements one to ask for a
// behaviour that evaluation, pseudo-labelling or the trainer otherwise leave out.

// NativeLabeler is implemented by datasets whose ground truth is stored at a larger size than
// the (resized) images they serve: evaluation then upsamples the logits to the label file's
// size, as the paper scores Cityscapes val (1024x512 inputs, 2048x1024 labels).
type NativeLabeler interface {
	NativeLabel(i int) (ids []uint8, w, h int, err error)
}

// HeaderChecker is a dataset that can check its files' headers without decoding them
// (loader.PairDataset).
type HeaderChecker interface {
	CheckHeaders() error
}

// IssueReporter is a dataset that counts what it skipped or repaired (loader.PairDataset).
type IssueReporter interface {
	DataIssues() metrics.DataIssues
}

// Substituter is a dataset whose Get(i) may return another entry in place of a skipped one
// (loader.PairDataset with skip_bad): a sequential pass leaves such an entry out.
type Substituter interface {
	Substituted(i int) bool
}
