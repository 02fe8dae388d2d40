package train

import (
	"encoding/json"

	"github.com/dast-uda/dast/core/metrics"
)

// appendHistory appends one line of JSON metrics to path (the mIoU-vs-iteration record).
func appendHistory(path string, m metrics.Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return appendLine(path, b)
}
