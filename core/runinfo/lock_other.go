//go:build !unix

package runinfo

import (
	"fmt"
	"os"
	"runtime"
)

// tryLock has no flock to use outside Unix.
func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("%w (%s)", ErrLockUnsupported, runtime.GOOS)
}
