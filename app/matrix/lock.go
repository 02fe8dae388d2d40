package matrix

import (
	"fmt"

	"github.com/dast-uda/dast/core/runinfo"
)

// lockOut takes the exclusive lock of the matrix's output directory for the life of
// Execute, so a second matrix on the same directory fails at once instead of training the
// same runs and interleaving their logs.
func (r *Runner) lockOut() (*runinfo.Lock, error) {
	l, err := runinfo.LockDir(r.OutDir)
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	return l, nil
}
