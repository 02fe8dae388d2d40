package weights

import (
	"bufio"
	"bytes"
)

// ScanPickle exposes scanPickle to the external tests.
func ScanPickle(b []byte) (int64, error) {
	return scanPickle(bufio.NewReader(bytes.NewReader(b)), int64(len(b)))
}
