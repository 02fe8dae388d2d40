package train

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dast-uda/dast/core/data"
	"github.com/dast-uda/dast/core/metrics"
	"go.uber.org/zap"
)

// preflight checks every dataset's files (headers and trailers) before the first step, so a
// corrupt file fails the run at once instead of after the training iterations (a val image
// is first read at the first evaluation), and reports what skip_bad already dropped.
func preflight(setup *Setup, log *zap.Logger) error {
	began := time.Now()
	checked := 0
	for _, role := range sortedKeys(setup.Datasets) {
		hc, ok := setup.Datasets[role].(data.HeaderChecker)
		if !ok {
			continue
		}
		if err := hc.CheckHeaders(); err != nil {
			return fmt.Errorf("%s: %s: %w (checked before training; skip_bad: true skips and counts such files)", setup.Tree.Path(), role, err)
		}
		checked++
	}
	if checked > 0 {
		log.Info("dataset files checked (headers)", zap.Int("datasets", checked), zap.Duration("took", time.Since(began)))
	}
	return nil
}

// DataIssues collects what each dataset of the setup skipped or repaired, by its block's key
// ("data.val"); nil when nothing was.
func (setup *Setup) DataIssues() map[string]metrics.DataIssues {
	var out map[string]metrics.DataIssues
	for _, role := range sortedKeys(setup.Datasets) {
		ir, ok := setup.Datasets[role].(data.IssueReporter)
		if !ok {
			continue
		}
		if is := ir.DataIssues(); !is.Zero() {
			if out == nil {
				out = map[string]metrics.DataIssues{}
			}
			out[role] = is
		}
	}
	return out
}

// warnDataIssues logs one warning per kind of issue and dataset.
func warnDataIssues(log *zap.Logger, issues map[string]metrics.DataIssues) {
	for _, role := range sortedKeys(issues) {
		is := issues[role]
		if is.Skipped > 0 {
			files := make([]string, 0, min(len(is.SkippedFiles), 5))
			for _, f := range is.SkippedFiles[:min(len(is.SkippedFiles), 5)] {
				if strings.Contains(f.Reason, f.File) { // the reason names the file already
					files = append(files, f.Reason)
				} else {
					files = append(files, f.File+": "+f.Reason)
				}
			}
			log.Warn("data: files skipped (skip_bad), the run used the others", zap.String("dataset", role),
				zap.Int("skipped", is.Skipped), zap.Strings("first", files))
		}
		if is.ResizedLabels > 0 {
			log.Warn("data: labels of another size than their image, resized to it (nearest)", zap.String("dataset", role),
				zap.Int("labels", is.ResizedLabels), zap.Strings("first", is.ResizedFiles[:min(len(is.ResizedFiles), 5)]))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scored is the number of ds's entries an evaluation scores: all but the skipped ones.
func scored(ds interface {
	Len() int
}) int {
	n := ds.Len()
	if sub, ok := ds.(data.Substituter); ok {
		for i := range ds.Len() {
			if sub.Substituted(i) {
				n--
			}
		}
	}
	return n
}
