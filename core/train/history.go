package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// appendHistory appends one line of JSON metrics to path (the mIoU-vs-iteration record).
func appendHistory(path string, m metrics.Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return appendLine(path, b)
}

// trimRecords rewrites the JSON-lines file at path (history.jsonl, selection.jsonl) keeping
// the records whose "iteration" keep accepts, so a resumed run, which evaluates those
// iterations again, does not record them twice. A line that does not parse (the torn last
// line of a killed append) is dropped too. It returns the number of lines dropped; a missing
// file is no error.
func trimRecords(path string, keep func(iteration int) bool) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var out []byte
	dropped := 0
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var rec struct {
			Iteration *int `json:"iteration"`
		}
		if json.Unmarshal(line, &rec) != nil || rec.Iteration == nil || !keep(*rec.Iteration) {
			dropped++
			continue
		}
		out = append(append(out, line...), '\n')
	}
	if dropped == 0 {
		return 0, nil
	}
	if err := atomicfile.WriteFile(path, out); err != nil {
		return 0, err
	}
	return dropped, nil
}

// trimResumed drops from a resumed run's history.jsonl and selection.jsonl the evaluations it
// will make again: those after start, and the final one at total when the run had finished
// (resuming a finished run evaluates it again).
func trimResumed(dir string, start, total int, log *zap.Logger) error {
	keep := func(it int) bool { return it < start || it == start && start < total }
	for _, name := range []string{HistoryFile, SelectionFile} {
		n, err := trimRecords(filepath.Join(dir, name), keep)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if n > 0 {
			log.Info("resume: dropped records of iterations to be evaluated again", zap.String("file", name), zap.Int("records", n), zap.Int("from", start))
		}
	}
	return nil
}
