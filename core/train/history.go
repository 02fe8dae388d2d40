package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/core/metrics"
	"github.com/dast-uda/dast/core/runinfo"
	"github.com/dast-uda/dast/core/selection"
	"github.com/dast-uda/dast/internal/atomicfile"
	"go.uber.org/zap"
)

// appendHistory appends one line of JSON metrics to path (the mIoU-vs-iteration record).
func appendHistory(path string, m metrics.Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return runinfo.AppendLine(path, b)
}

// trimResumed drops from a resumed run's history.jsonl and selection.jsonl the evaluations it
// will make again: those after start, and the final one at total when the run had finished
// (resuming a finished run evaluates it again).
func trimResumed(dir string, start, total int, log *zap.Logger) error {
	keep := func(it int) bool { return it < start || it == start && start < total }
	for _, name := range []string{HistoryFile, selection.File} {
		n, err := runinfo.TrimRecords(filepath.Join(dir, name), keep)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if n > 0 {
			log.Info("resume: dropped records of iterations to be evaluated again", zap.String("file", name), zap.Int("records", n), zap.Int("from", start))
		}
	}
	return nil
}

// copyMetrics makes dst a copy of the metrics.json src (a staged run's metrics are its last
// stage's, weights block included).
func copyMetrics(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, b)
}
