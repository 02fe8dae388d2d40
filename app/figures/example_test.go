package figures_test

import (
	"fmt"
	"image"
	"image/color"
	"log"
	"os"
	"path/filepath"

	"github.com/dast-uda/dast/app/figures"
)

// A Figure 3 style panel: one row per target image, the attention map as a heat map.
func ExamplePanel() {
	const w, h = 128, 64
	attention := make([]float32, w*h)
	for i := range attention {
		attention[i] = float32(i%w) / (w - 1)
	}
	heat, err := figures.HeatMap(attention, w, h)
	if err != nil {
		log.Fatal(err)
	}
	input := image.NewRGBA(image.Rect(0, 0, w, h))
	p := figures.Panel{
		Columns: []string{"input", "attention", "source-only", "AdaptSegNet", "DA", "DAST", "ground truth"},
		Rows:    []string{"image 0"},
		Cells:   [][]image.Image{{input, heat, nil, nil, nil, nil, nil}},
		Scale:   2,
		Legend:  []figures.LegendEntry{{Name: "road", Color: color.RGBA{128, 64, 128, 255}}},
	}
	dir, err := os.MkdirTemp("", "figures")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := p.WritePNG(filepath.Join(dir, "figure3.png")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.CellRect(0, 1).Size())
	// Output: (256,128)
}

// Mean mIoU over seeds with the min..max band.
func ExampleLinePlot() {
	p := figures.LinePlot{
		Title: "target mIoU", XLabel: "iteration", YLabel: "mIoU (%)",
		Series: []figures.Series{{
			Label: "DAST",
			X:     []float64{0, 500, 1000},
			Y:     []float64{20, 28, 31},
			Lo:    []float64{19, 27, 30},
			Hi:    []float64{21, 29, 32},
		}},
		Width: 640, Height: 400,
	}
	img, err := p.Image()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size())
	// Output: (640,400)
}
