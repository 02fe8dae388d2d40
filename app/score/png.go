package score

import (
	"fmt"
	"image/color"
	"image/png"
	"os"

	"github.com/dast-uda/dast/datasets"
)

// readClassMap reads a class-id PNG (a prediction or a ground truth, named by what in errors):
// 8- or 16-bit gray or paletted, values in one channel. A colour PNG is accepted only when its
// three channels agree everywhere (a gray image saved as RGB); otherwise it is a colour
// visualisation, whose red channel (what datasets.ReadLabel would read) is no class id.
func readClassMap(path, what string) (ids []uint8, w, h int, err error) {
	model, err := colorModel(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !isColor(model) {
		ids, w, h, err = datasets.ReadLabel(path)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%s %s: %w", what, path, err)
		}
		return ids, w, h, nil
	}
	rgb, w, h, err := datasets.ReadRGB(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s %s: %w", what, path, err)
	}
	ids = make([]uint8, w*h)
	for i := range ids {
		r, g, b := rgb[3*i], rgb[3*i+1], rgb[3*i+2]
		if r != g || g != b {
			return nil, 0, 0, fmt.Errorf("%s %s is a colour PNG (pixel (%d,%d) is RGB %d,%d,%d): class ids must be one channel, 8-bit gray or paletted; a colour visualisation cannot be scored",
				what, path, i%w, i/w, r, g, b)
		}
		ids[i] = r
	}
	return ids, w, h, nil
}

// colorModel reads the colour model from the PNG header.
func colorModel(path string) (color.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("decode png header: %w", err)
	}
	return cfg.ColorModel, nil
}

// isColor reports whether a PNG colour model has several colour channels.
func isColor(m color.Model) bool {
	switch m.(type) {
	case color.Palette:
		return false
	}
	return m != color.GrayModel && m != color.Gray16Model
}
