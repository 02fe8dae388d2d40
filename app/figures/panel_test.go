package figures

import (
	"image"
	"image/color"
	"image/draw"
	"path/filepath"
	"strings"
	"testing"
)

var white = color.RGBA{255, 255, 255, 255}

// solid returns a w x h image filled with c.
func solid(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
	return img
}

// centre returns the centre pixel of r.
func centre(r image.Rectangle) image.Point {
	return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

// grid2x3 returns a 2x3 panel of distinct solid colours (cell (1,1) nil) and the colours.
func grid2x3(w, h int) (Panel, [2][3]color.RGBA) {
	colors := [2][3]color.RGBA{
		{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}},
		{{255, 255, 0, 255}, white, {0, 255, 255, 255}},
	}
	cells := make([][]image.Image, 2)
	for r := range 2 {
		cells[r] = make([]image.Image, 3)
		for c := range 3 {
			if r == 1 && c == 1 {
				continue // nil: must stay white
			}
			cells[r][c] = solid(w, h, colors[r][c])
		}
	}
	return Panel{
		Columns: []string{"input", "attention", "DAST"},
		Rows:    []string{"one", "two"},
		Cells:   cells,
	}, colors
}

func TestPanelGeometry(t *testing.T) {
	const w, h = 16, 8
	for _, tt := range []struct {
		name         string
		scale        int
		cellW, cellH int
		wantW, wantH int
	}{
		{"scale 0 is 1", 0, 0, 0, w, h},
		{"scale 1", 1, 0, 0, w, h},
		{"scale 2 doubles", 2, 0, 0, 2 * w, 2 * h},
		{"scale 3", 3, 0, 0, 3 * w, 3 * h},
		{"explicit cell size", 1, 10, 20, 10, 20},
		{"explicit cell size scaled", 2, 10, 20, 20, 40},
		{"cells wider than the titles", 5, 0, 0, 5 * w, 5 * h},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, colors := grid2x3(w, h)
			p.Scale, p.CellW, p.CellH = tt.scale, tt.cellW, tt.cellH
			img, err := p.Image()
			if err != nil {
				t.Fatal(err)
			}
			for r := range 2 {
				for c := range 3 {
					rect := p.CellRect(r, c)
					if rect.Dx() != tt.wantW || rect.Dy() != tt.wantH {
						t.Errorf("cell (%d,%d) is %dx%d, want %dx%d", r, c, rect.Dx(), rect.Dy(), tt.wantW, tt.wantH)
					}
					if !rect.In(img.Bounds()) {
						t.Fatalf("cell (%d,%d) %v outside the image %v", r, c, rect, img.Bounds())
					}
					// Every pixel of the cell (not just the centre) has the cell's colour.
					for _, pt := range []image.Point{centre(rect), rect.Min, rect.Max.Sub(image.Pt(1, 1))} {
						if got := img.RGBAAt(pt.X, pt.Y); got != colors[r][c] {
							t.Errorf("cell (%d,%d) pixel %v = %v, want %v", r, c, pt, got, colors[r][c])
						}
					}
					// The gap right of and below each cell is white.
					for _, pt := range []image.Point{{rect.Max.X, centre(rect).Y}, {centre(rect).X, rect.Max.Y}} {
						if got := img.RGBAAt(pt.X, pt.Y); got != white {
							t.Errorf("gap pixel %v after cell (%d,%d) = %v, want white", pt, r, c, got)
						}
					}
				}
			}
			// Cells are laid out left to right, top to bottom, Gap apart; a column
			// title wider than the cells widens every column by the difference.
			widest := 0
			for _, s := range p.Columns {
				widest = max(widest, textWidth(s))
			}
			wantX := Gap + max(0, widest-tt.wantW)
			a, b, d := p.CellRect(0, 0), p.CellRect(0, 1), p.CellRect(1, 0)
			if b.Min.X-a.Max.X != wantX || d.Min.Y-a.Max.Y != Gap {
				t.Errorf("gaps %d (x) and %d (y), want %d and %d", b.Min.X-a.Max.X, d.Min.Y-a.Max.Y, wantX, Gap)
			}
		})
	}
}

func TestPanelNilCellStaysWhite(t *testing.T) {
	p, _ := grid2x3(6, 4)
	p.Scale = 2
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	rect := p.CellRect(1, 1)
	if rect.Empty() {
		t.Fatal("nil cell has no rectangle")
	}
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			if got := img.RGBAAt(x, y); got != white {
				t.Fatalf("nil cell pixel (%d,%d) = %v, want white", x, y, got)
			}
		}
	}
}

func TestPanelNearestScaling(t *testing.T) {
	// A 2x1 image, red | blue, drawn into an 8x4 cell: left half red, right half blue.
	red, blue := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}
	src := image.NewRGBA(image.Rect(0, 0, 2, 1))
	src.SetRGBA(0, 0, red)
	src.SetRGBA(1, 0, blue)
	// A second cell of another size is scaled to the same cell size.
	p := Panel{Cells: [][]image.Image{{src, solid(3, 7, red)}}, CellW: 4, CellH: 2, Scale: 2}
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	rect := p.CellRect(0, 0)
	if rect.Dx() != 8 || rect.Dy() != 4 {
		t.Fatalf("cell is %dx%d, want 8x4", rect.Dx(), rect.Dy())
	}
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			want := red
			if x-rect.Min.X >= 4 {
				want = blue
			}
			if got := img.RGBAAt(x, y); got != want {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
	if r := p.CellRect(0, 1); r.Dx() != 8 || r.Dy() != 4 {
		t.Errorf("second cell is %dx%d, want 8x4", r.Dx(), r.Dy())
	}
}

// darkIn counts pixels darker than mid-grey inside r.
func darkIn(img *image.RGBA, r image.Rectangle) int {
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := img.RGBAAt(x, y); int(c.R)+int(c.G)+int(c.B) < 3*128 {
				n++
			}
		}
	}
	return n
}

func TestPanelTitlesAndLegend(t *testing.T) {
	p, _ := grid2x3(8, 8)
	p.Columns[2] = "a column title much wider than its cell"
	p.Legend = []LegendEntry{{"road", color.RGBA{128, 64, 128, 255}}, {"car", color.RGBA{0, 0, 142, 255}}}
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	top := p.CellRect(0, 0).Min.Y
	for c := range 3 {
		rect := p.CellRect(0, c)
		above := image.Rect(rect.Min.X-textWidth(p.Columns[c]), 0, rect.Max.X+textWidth(p.Columns[c]), top)
		if darkIn(img, above) == 0 {
			t.Errorf("no title text above column %d", c)
		}
	}
	// The wide title widens its column's slot, so the grid is wider than three cells.
	if w := img.Bounds().Dx(); w < textWidth(p.Columns[2]) {
		t.Errorf("image width %d narrower than the title (%d px)", w, textWidth(p.Columns[2]))
	}
	for r := range 2 {
		rect := p.CellRect(r, 0)
		left := image.Rect(0, rect.Min.Y, rect.Min.X, rect.Max.Y)
		if darkIn(img, left) == 0 {
			t.Errorf("no row title left of row %d", r)
		}
	}
	gridBottom := p.CellRect(1, 0).Max.Y
	below := image.Rect(0, gridBottom, img.Bounds().Dx(), img.Bounds().Dy())
	for _, e := range p.Legend {
		found := false
		for y := below.Min.Y; y < below.Max.Y && !found; y++ {
			for x := below.Min.X; x < below.Max.X; x++ {
				if img.RGBAAt(x, y) == e.Color {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("legend colour of %q not drawn under the grid", e.Name)
		}
	}
}

func TestPanelLegendWraps(t *testing.T) {
	// Thirty entries cannot share one line with a 2-cell-wide grid.
	p := Panel{Cells: [][]image.Image{{solid(20, 10, white), solid(20, 10, white)}}}
	for i := range 30 {
		p.Legend = append(p.Legend, LegendEntry{Name: "class", Color: color.RGBA{uint8(i), 0, 0, 255}})
	}
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	gridBottom := p.CellRect(0, 0).Max.Y
	if lines := (img.Bounds().Dy() - gridBottom) / (LineHeight + Gap); lines < 10 {
		t.Errorf("legend spans %d lines below the grid, want at least 10 for 30 entries", lines)
	}
	if w := img.Bounds().Dx(); w > 2*Gap+swatch+Gap+textWidth("class")+2*20+3*Gap {
		t.Errorf("legend widened the image to %d px instead of wrapping", w)
	}
}

func TestPanelErrors(t *testing.T) {
	cell := solid(4, 4, white)
	tests := []struct {
		name  string
		panel Panel
		want  string
	}{
		{"no rows", Panel{}, "no rows"},
		{"no columns", Panel{Cells: [][]image.Image{{}}}, "no columns"},
		{"row titles mismatch", Panel{Rows: []string{"a", "b", "c"}, Cells: [][]image.Image{{cell}, {cell}}}, "3 row titles for 2 rows"},
		{"ragged rows", Panel{Cells: [][]image.Image{{cell, cell}, {cell}}}, "row 1 has 1 cells, want 2"},
		{"column titles mismatch", Panel{Columns: []string{"a", "b"}, Cells: [][]image.Image{{cell}}}, "row 0 has 1 cells, want 2"},
		{"negative scale", Panel{Cells: [][]image.Image{{cell}}, Scale: -1}, "scale -1"},
		{"negative cell size", Panel{Cells: [][]image.Image{{cell}}, CellW: -2}, "negative"},
		{"all nil, no size", Panel{Cells: [][]image.Image{{nil, nil}}}, "every cell is nil"},
		{"empty image", Panel{Cells: [][]image.Image{{cell, image.NewRGBA(image.Rectangle{})}}}, "cell (0,1) is an empty image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.panel.Image(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Image error %v, want one mentioning %q", err, tt.want)
			}
			path := filepath.Join(t.TempDir(), "p.png")
			if err := tt.panel.WritePNG(path); err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("WritePNG error %v, want one naming %s", err, path)
			}
			if r := tt.panel.CellRect(0, 0); !r.Empty() {
				t.Errorf("CellRect of an invalid panel = %v, want empty", r)
			}
		})
	}
}

func TestPanelAllNilWithExplicitSize(t *testing.T) {
	p := Panel{Cells: [][]image.Image{{nil, nil}}, CellW: 5, CellH: 3}
	img, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	if r := p.CellRect(0, 1); r.Dx() != 5 || r.Dy() != 3 || !r.In(img.Bounds()) {
		t.Errorf("cell (0,1) = %v in %v, want 5x3 inside", r, img.Bounds())
	}
}

func TestPanelCellRectOutOfRange(t *testing.T) {
	p, _ := grid2x3(4, 4)
	for _, rc := range [][2]int{{-1, 0}, {0, -1}, {2, 0}, {0, 3}} {
		if r := p.CellRect(rc[0], rc[1]); !r.Empty() {
			t.Errorf("CellRect(%d,%d) = %v, want empty", rc[0], rc[1], r)
		}
	}
}

func TestPanelWritePNGMatchesImage(t *testing.T) {
	p, _ := grid2x3(5, 3)
	p.Scale = 2
	want, err := p.Image()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "figs", "panel.png")
	if err := p.WritePNG(path); err != nil {
		t.Fatal(err)
	}
	got := decodePNG(t, path)
	if got.Bounds() != want.Bounds() {
		t.Fatalf("decoded bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if g := color.RGBAModel.Convert(got.At(x, y)); g != want.RGBAAt(x, y) {
				t.Fatalf("pixel (%d,%d) = %v in the file, %v in Image()", x, y, g, want.RGBAAt(x, y))
			}
		}
	}
}
