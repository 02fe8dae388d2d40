package figures

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Gap is the blank space in pixels around the panel and between its cells, titles and
// legend entries.
const Gap = 4

// swatch is the side in pixels of a legend entry's colour square.
const swatch = LineHeight

// Panel is a grid of images with column titles above and row titles left of it, in the
// layout of the paper's Figure 3 (columns input, attention, source-only, AdaptSegNet,
// DA, DAST, ground truth; one row per image).
//
// Every non-nil cell is scaled (nearest neighbour) to CellW x CellH and then enlarged
// Scale times; a nil cell is left blank (white). Columns wider than the cells, because of
// a long title, centre their cells.
type Panel struct {
	Columns []string        // column titles drawn above the grid; empty: no title row
	Rows    []string        // row titles drawn left of each row (may be empty strings); empty: none
	Cells   [][]image.Image // Cells[r][c]; nil cell = left blank (white)
	CellW   int             // cell width before Scale; 0: the first non-nil cell's width
	CellH   int             // cell height before Scale; 0: the first non-nil cell's height
	Scale   int             // integer upscaling of cells (nearest), 0 = 1
	Legend  []LegendEntry   // optional colour legend drawn under the grid (e.g. the classes)
}

// LegendEntry is one colour square and its name in a Panel's legend.
type LegendEntry struct {
	Name  string
	Color color.RGBA
}

// layout holds the pixel geometry of a valid panel.
type layout struct {
	rows, cols   int
	cellW, cellH int // scaled cell size
	slotW        int // column pitch without the gap: max(cellW, widest column title)
	x0, y0       int // top-left of the first column slot / first row
	width        int
	height       int
	legendY      int     // top of the first legend line
	legendLines  [][]int // indices into Panel.Legend, one slice per line
	entryW       []int   // width of each legend entry
}

// layout validates the panel and computes its geometry.
func (p Panel) layout() (layout, error) {
	var l layout
	l.rows = len(p.Cells)
	if l.rows == 0 {
		return l, fmt.Errorf("panel has no rows of cells")
	}
	if len(p.Rows) != 0 && len(p.Rows) != l.rows {
		return l, fmt.Errorf("panel has %d row titles for %d rows of cells", len(p.Rows), l.rows)
	}
	l.cols = len(p.Cells[0])
	if len(p.Columns) != 0 {
		l.cols = len(p.Columns)
	}
	if l.cols == 0 {
		return l, fmt.Errorf("panel has no columns")
	}
	for r, row := range p.Cells {
		if len(row) != l.cols {
			return l, fmt.Errorf("panel row %d has %d cells, want %d", r, len(row), l.cols)
		}
	}
	if p.CellW < 0 || p.CellH < 0 {
		return l, fmt.Errorf("panel cell size %dx%d is negative", p.CellW, p.CellH)
	}
	if p.Scale < 0 {
		return l, fmt.Errorf("panel scale %d is negative", p.Scale)
	}
	w, h := p.CellW, p.CellH
	first := image.Rectangle{}
	for r, row := range p.Cells {
		for c, cell := range row {
			if cell == nil {
				continue
			}
			if cell.Bounds().Empty() {
				return l, fmt.Errorf("panel cell (%d,%d) is an empty image", r, c)
			}
			if first.Empty() {
				first = cell.Bounds()
			}
		}
	}
	if w == 0 || h == 0 {
		if first.Empty() {
			return l, fmt.Errorf("panel cell size unset and every cell is nil")
		}
		if w == 0 {
			w = first.Dx()
		}
		if h == 0 {
			h = first.Dy()
		}
	}
	scale := max(p.Scale, 1)
	l.cellW, l.cellH = w*scale, h*scale

	l.slotW = l.cellW
	for _, t := range p.Columns {
		l.slotW = max(l.slotW, textWidth(t))
	}
	rowTitleW := 0
	for _, t := range p.Rows {
		rowTitleW = max(rowTitleW, textWidth(t))
	}
	l.x0 = Gap
	if rowTitleW > 0 {
		l.x0 += rowTitleW + Gap
	}
	l.y0 = Gap
	if hasText(p.Columns) {
		l.y0 += LineHeight + Gap
	}
	l.width = l.x0 + l.cols*l.slotW + (l.cols-1)*Gap + Gap
	gridBottom := l.y0 + l.rows*l.cellH + (l.rows-1)*Gap
	l.height = gridBottom + Gap

	if len(p.Legend) > 0 {
		l.entryW = make([]int, len(p.Legend))
		widest := 0
		for i, e := range p.Legend {
			l.entryW[i] = swatch + Gap + textWidth(e.Name)
			widest = max(widest, l.entryW[i])
		}
		l.width = max(l.width, widest+2*Gap)
		avail := l.width - 2*Gap
		var line []int
		lineW := 0
		for i := range p.Legend {
			need := l.entryW[i]
			if len(line) > 0 {
				need += 3 * Gap
			}
			if len(line) > 0 && lineW+need > avail {
				l.legendLines = append(l.legendLines, line)
				line, lineW, need = nil, 0, l.entryW[i]
			}
			line = append(line, i)
			lineW += need
		}
		l.legendLines = append(l.legendLines, line)
		l.legendY = gridBottom + 2*Gap
		l.height = l.legendY + len(l.legendLines)*(LineHeight+Gap)
	}
	return l, nil
}

// hasText reports whether any of ss is non-empty.
func hasText(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return true
		}
	}
	return false
}

// slotX returns the left edge of column c's slot.
func (l layout) slotX(c int) int { return l.x0 + c*(l.slotW+Gap) }

// cellRect returns the pixel rectangle of cell (r, c).
func (l layout) cellRect(r, c int) image.Rectangle {
	x := l.slotX(c) + (l.slotW-l.cellW)/2
	y := l.y0 + r*(l.cellH+Gap)
	return image.Rect(x, y, x+l.cellW, y+l.cellH)
}

// CellRect returns where cell (r, c) lies in the composed Image, scaled size included.
// It returns the empty rectangle if the panel is invalid (Image reports why) or (r, c)
// is outside the grid.
func (p Panel) CellRect(r, c int) image.Rectangle {
	l, err := p.layout()
	if err != nil || r < 0 || r >= l.rows || c < 0 || c >= l.cols {
		return image.Rectangle{}
	}
	return l.cellRect(r, c)
}

// Image composes the panel: white background, Gap pixels between cells and around the
// grid, column titles centred above their column, row titles left of their row, and the
// legend (if any) under the grid, all text in a 7x13 bitmap font. It is an error if there
// are no cells, rows have different lengths, the number of row titles or column titles
// does not match the grid, a size or scale is negative, a cell is an empty image, or the
// cell size is unset while every cell is nil.
func (p Panel) Image() (*image.RGBA, error) {
	l, err := p.layout()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.width, l.height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for c, t := range p.Columns {
		drawText(img, l.slotX(c)+(l.slotW-textWidth(t))/2, Gap, t)
	}
	for r, t := range p.Rows {
		drawText(img, Gap, l.y0+r*(l.cellH+Gap)+(l.cellH-LineHeight)/2, t)
	}
	for r, row := range p.Cells {
		for c, cell := range row {
			if cell != nil {
				drawScaled(img, l.cellRect(r, c), cell)
			}
		}
	}
	for i, line := range l.legendLines {
		x, y := Gap, l.legendY+i*(LineHeight+Gap)
		for _, e := range line {
			entry := p.Legend[e]
			sq := image.Rect(x, y, x+swatch, y+swatch)
			draw.Draw(img, sq, image.Black, image.Point{}, draw.Src)
			draw.Draw(img, sq.Inset(1), image.NewUniform(entry.Color), image.Point{}, draw.Src)
			drawText(img, x+swatch+Gap, y, entry.Name)
			x += l.entryW[e] + 3*Gap
		}
	}
	return img, nil
}

// drawScaled draws src into dst's rectangle r with nearest-neighbour scaling.
func drawScaled(dst *image.RGBA, r image.Rectangle, src image.Image) {
	sb := src.Bounds()
	w, h := r.Dx(), r.Dy()
	for y := range h {
		sy := sb.Min.Y + y*sb.Dy()/h
		for x := range w {
			sx := sb.Min.X + x*sb.Dx()/w
			dst.Set(r.Min.X+x, r.Min.Y+y, src.At(sx, sy))
		}
	}
}

// WritePNG writes Image() to path as a PNG, creating parent directories; the file is
// written atomically (temporary file + rename). Errors name the path.
func (p Panel) WritePNG(path string) error {
	img, err := p.Image()
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writePNGAtomic(path, img)
}
