package gta5

import (
	"path/filepath"
	"testing"

	"github.com/dast-uda/dast/datasets/synthetic"
)

// BenchmarkGet decodes one full-size GTA5-layout sample (1914x1052, a rendered synthetic
// scene) and resizes it to 1280x720, as a training step does.
func BenchmarkGet(b *testing.B) {
	dir := b.TempDir()
	src, tgt := synthetic.DefaultConfig(), synthetic.DefaultConfig()
	tgt.Domain = synthetic.Target
	src.Height, src.Width, tgt.Height, tgt.Width = 1052, 1914, 16, 16
	if err := synthetic.WriteLayout(dir, src, tgt, 1, 1); err != nil {
		b.Fatal(err)
	}
	for _, resize := range [][]int{{0, 0}, {1280, 720}} {
		d, err := Open(&Module{Root: filepath.Join(dir, "gta5"), Resize: resize})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(map[bool]string{true: "native", false: "1280x720"}[resize[0] == 0], func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Get(0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
