package figures

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/internal/atomicfile"
)

// writePNGAtomic encodes img as PNG and writes it to path atomically (atomicfile.WriteFile:
// a temporary file renamed over path, so readers never see a partial file), creating parent
// directories.
func writePNGAtomic(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("write %s: encode png: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}
