package figures

import (
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Default size of a LinePlot in pixels when Width and Height are zero.
const (
	DefaultPlotWidth  = 800
	DefaultPlotHeight = 500
)

// bandAlpha is the opacity of a series' shaded Lo..Hi band.
const bandAlpha = 0x40

// plotPadding is the blank margin around a chart and between its axes and legend.
const plotPadding = 8 * vg.Millimeter / 4

// Series is one curve: Y[i] at X[i]. Lo and Hi are optional; when given (both, with the
// same length as Y) they draw a shaded band from Lo[i] to Hi[i], e.g. min..max over seeds.
type Series struct {
	Label  string
	X, Y   []float64
	Lo, Hi []float64
}

// LinePlot describes a line chart: one line per series, in plotutil's default colours
// and dash patterns, with a legend, a grid and optional shaded bands.
type LinePlot struct {
	Title, XLabel, YLabel string
	Series                []Series
	Width, Height         int // pixels; 0 = DefaultPlotWidth x DefaultPlotHeight
}

// size returns the pixel size of the chart, filling zero dimensions with the defaults.
func (p LinePlot) size() (w, h int, err error) {
	w, h = p.Width, p.Height
	if w < 0 || h < 0 {
		return 0, 0, fmt.Errorf("size %dx%d is negative", w, h)
	}
	if w == 0 {
		w = DefaultPlotWidth
	}
	if h == 0 {
		h = DefaultPlotHeight
	}
	return w, h, nil
}

// validate checks that the plot has series and that every series is well formed.
func (p LinePlot) validate() error {
	if len(p.Series) == 0 {
		return fmt.Errorf("no series to plot")
	}
	for i, s := range p.Series {
		name := fmt.Sprintf("series %d (%q)", i, s.Label)
		if len(s.Y) == 0 {
			return fmt.Errorf("%s: no points", name)
		}
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("%s: %d X values but %d Y values", name, len(s.X), len(s.Y))
		}
		if (s.Lo == nil) != (s.Hi == nil) {
			return fmt.Errorf("%s: Lo and Hi must be given together", name)
		}
		if s.Lo != nil && (len(s.Lo) != len(s.Y) || len(s.Hi) != len(s.Y)) {
			return fmt.Errorf("%s: band has %d Lo and %d Hi values for %d points", name, len(s.Lo), len(s.Hi), len(s.Y))
		}
		for _, col := range []struct {
			name string
			v    []float64
		}{{"X", s.X}, {"Y", s.Y}, {"Lo", s.Lo}, {"Hi", s.Hi}} {
			for j, v := range col.v {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("%s: %s[%d] is %v", name, col.name, j, v)
				}
			}
		}
	}
	return nil
}

// Image renders the chart to an RGBA image of Width x Height pixels.
func (p LinePlot) Image() (*image.RGBA, error) {
	w, h, err := p.size()
	if err != nil {
		return nil, fmt.Errorf("line plot %q: %w", p.Title, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("line plot %q: %w", p.Title, err)
	}
	plt := plot.New()
	plt.Title.Text = p.Title
	plt.X.Label.Text = p.XLabel
	plt.Y.Label.Text = p.YLabel
	leg := plot.NewLegend()
	bands := make([]*plotter.Polygon, len(p.Series))
	plt.Add(plotter.NewGrid())
	// Bands first so that every line is drawn on top of every band.
	for i, s := range p.Series {
		if s.Lo == nil {
			continue
		}
		ring := make(plotter.XYs, 0, 2*len(s.X))
		for j := range s.X {
			ring = append(ring, plotter.XY{X: s.X[j], Y: s.Hi[j]})
		}
		for j := len(s.X) - 1; j >= 0; j-- {
			ring = append(ring, plotter.XY{X: s.X[j], Y: s.Lo[j]})
		}
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("line plot %q: band of series %q: %w", p.Title, s.Label, err)
		}
		c := color.RGBAModel.Convert(plotutil.Color(i)).(color.RGBA)
		band.Color = color.NRGBA{c.R, c.G, c.B, bandAlpha}
		band.LineStyle.Width = 0
		plt.Add(band)
		bands[i] = band
	}
	for i, s := range p.Series {
		xys := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("line plot %q: series %q: %w", p.Title, s.Label, err)
		}
		line.Color = plotutil.Color(i)
		line.Dashes = plotutil.Dashes(i)
		line.Width *= 1.5
		plt.Add(line)
		if s.Label != "" {
			if bands[i] != nil {
				leg.Add(s.Label, bands[i], line)
			} else {
				leg.Add(s.Label, line)
			}
		}
	}
	canvas := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, w, h))))
	// The legend sits under the axes, left-aligned, so that it never hides a curve and the
	// chart keeps the full width.
	area := draw.Crop(draw.New(canvas), plotPadding, -plotPadding, plotPadding, -plotPadding)
	leg.Top, leg.Left = false, true
	legendH := vg.Length(0)
	if r := leg.Rectangle(area); r.Max.Y > r.Min.Y {
		legendH = r.Max.Y - r.Min.Y + plotPadding
	}
	plt.Draw(draw.Crop(area, 0, 0, legendH, 0))
	leg.Draw(draw.Crop(area, 0, 0, 0, -(area.Max.Y - area.Min.Y - legendH)))
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	src := canvas.Image()
	imgdraw.Draw(out, out.Bounds(), src, src.Bounds().Min, imgdraw.Src)
	return out, nil
}

// WritePNG renders the plot to path as a PNG, creating parent directories; the file is
// written atomically (temporary file + rename). It is an error if there are no series,
// a series has no points or mismatched X/Y/Lo/Hi lengths, a value is NaN or infinite, or
// the size is negative; errors name the path.
func (p LinePlot) WritePNG(path string) error {
	img, err := p.Image()
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writePNGAtomic(path, img)
}
