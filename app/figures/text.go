package figures

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// face is the bitmap font of every panel text: 7 px advance, 13 px line.
var face = basicfont.Face7x13

// Metrics of face in pixels.
const (
	// LineHeight is the height of one line of panel text.
	LineHeight = 13
	fontAscent = 11
)

// textWidth returns the width of s in pixels when drawn in face.
func textWidth(s string) int {
	return font.MeasureString(face, s).Ceil()
}

// drawText draws s in black with the top-left corner of its line box at (x, y).
func drawText(dst draw.Image, x, y int, s string) {
	d := font.Drawer{
		Dst:  dst,
		Src:  image.NewUniform(color.Black),
		Face: face,
		Dot:  fixed.P(x, y+fontAscent),
	}
	d.DrawString(s)
}
