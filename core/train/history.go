package train

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/dast-uda/dast/core/metrics"
)

// appendHistory appends one line of JSON metrics to path (the mIoU-vs-iteration record).
func appendHistory(path string, m metrics.Metrics) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("append %s: %w", path, err)
	}
	return f.Close()
}
