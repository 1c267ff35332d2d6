package figure

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// GridMap is a two-axis phase diagram: a heatmap of one metric over the
// cells of a grid of parameters, the mean-field boundary ρ = 1 of each
// machine as a contour, and labelled points (the paper's experiments).
//
// Each cell is a rectangle centred on its (X[i], Y[j]) whose edges lie
// half way between neighbouring centres (in log space on a log axis); the
// outer cells are as wide as their neighbour's half-spacing on their
// inner side makes them. Its colour is its value on the viridis colour
// map, from the smallest value of Z (dark purple) to the largest
// (yellow), shown by a colour bar labelled ZLabel; a cell without a value
// (NaN) is hatched grey, and the legend says so. The axes span the cells;
// points outside them are not drawn.
//
// The figure is GridWidth × GridHeight; PNG is rendered at FigureDPI
// dots per inch (1200 × 800 pixels). The same map always gives the same
// bytes.
type GridMap struct {
	Title, Subtitle string
	// XLabel and YLabel name the axes with their units, such as
	// "machines[2].rate (ticks/s)" and "die (faces)".
	XLabel, YLabel string
	// X and Y are the cells' centres along each axis, in the axes'
	// units, finite and strictly ascending.
	X, Y []float64
	// Z[j][i] is the metric at (X[i], Y[j]), in ZLabel's units; NaN when
	// the cell has no value. It has len(Y) rows of len(X) values.
	Z [][]float64
	// ZLabel labels the colour bar with the metric and its units, such
	// as "queue slope of machine 2 (messages/s)".
	ZLabel string
	// Boundaries are the contours ρ = 1, one per machine, drawn white
	// with a black outline, each with its own dash pattern.
	Boundaries []Boundary
	// Points are marked with a white dot and their label.
	Points []Point
	// PointsLabel is the legend's entry for the points, such as "paper's
	// experiments"; "" for none.
	PointsLabel string
	// LogX and LogY draw an axis on a log scale (for values generated
	// on one); all its values must then be positive.
	LogX, LogY bool
}

// Boundary is one machine's predicted load ρ sampled on a fine grid of
// its own, independent of the cells (say 200 × 200 over the map); the
// map draws its contour at ρ = 1, where the load crosses 1 by linear
// interpolation between samples.
type Boundary struct {
	// Label is the legend's entry, such as "ρ = 1, machine 2"; "" for
	// none.
	Label string
	// X and Y are the sample positions in the map's axes' units, finite
	// and strictly ascending, at least two of each.
	X, Y []float64
	// Load[j][i] is the load ρ (dimensionless) at (X[i], Y[j]); NaN
	// where unknown (no contour through those samples).
	Load [][]float64
}

// Point is a labelled point of a figure, such as a published
// experiment, in the figure's axes' units.
type Point struct {
	// X, Y locate the point. In a GridCurve, Y NaN marks X on the x axis
	// (a dotted vertical line) rather than a point.
	X, Y  float64
	Label string // such as "A3"
}

// GridCurve is a one-axis grid: a metric against the parameter, one line
// per machine with its 95 % confidence band, and the machine's
// predicted curve, dashed in the same colour. The legend has an entry
// "machine i" per line and "machine i predicted" per predicted curve.
//
// The figure is GridWidth × GridHeight; PNG is rendered at FigureDPI
// dots per inch (1200 × 800 pixels). The same curve always gives the
// same bytes.
type GridCurve struct {
	Title, Subtitle string
	// XLabel and YLabel name the axes with their units, such as
	// "machines[2].rate (ticks/s)" and "queue slope (messages/s)".
	XLabel, YLabel string
	// LogX draws x on a log scale; every x must then be positive.
	LogX  bool
	Lines []CurveLine
	// Points are optional marks: a point with a finite Y is drawn as a
	// dot at (X, Y), one with Y NaN as a dotted vertical line at X.
	Points []Point
	// PointsLabel is the legend's entry for the points, such as "paper's
	// experiments"; "" for none.
	PointsLabel string
}

// CurveLine is one machine's line in a GridCurve, in the curve's axes'
// units.
type CurveLine struct {
	Label string    // legend entry, such as "machine 2"
	X     []float64 // finite, strictly ascending
	// Mean is the metric at each X (NaN: none, a gap in the line); CI95
	// is the half-width of its 95 % confidence interval, the band being
	// Mean ± CI95 (NaN: no band there). CI95 may be empty (no band).
	Mean, CI95 []float64
	// PredX and Pred are the predicted curve on a fine grid of x (PredX
	// finite and strictly ascending, Pred NaN: a gap); both may be
	// empty.
	PredX, Pred []float64
}

// Size of a grid figure (GridMap, GridCurve); PNG is rendered at
// FigureDPI.
const (
	GridWidth  = 12 * vg.Inch
	GridHeight = 8 * vg.Inch
)

// WriteGridMap renders g in the format ("png", "svg" or "pdf") to w. A
// map whose slices do not fit together (see GridMap) is an error, and
// nothing is written.
func WriteGridMap(w io.Writer, g *GridMap, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	return writeCanvas(w, format, GridWidth, GridHeight, func(c draw.Canvas, ts titleStyle, _ bool) error { g.draw(c, ts); return nil })
}

// WriteGridCurve renders g in the format ("png", "svg" or "pdf") to w. A
// curve whose slices do not fit together (see CurveLine) is an error, and
// nothing is written.
func WriteGridCurve(w io.Writer, g *GridCurve, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	if err := g.check(); err != nil {
		return err
	}
	return writeCanvas(w, format, GridWidth, GridHeight, func(c draw.Canvas, ts titleStyle, _ bool) error { g.draw(c, ts); return nil })
}

func checkFormat(format string) error {
	if !slices.Contains(FigureFormats, format) {
		return fmt.Errorf("unsupported figure format %q; use png, svg or pdf", format)
	}
	return nil
}

// Encode draws a width × height picture with drawFn and writes it to w in
// format: PNG at FigureDPI, SVG with the fonts' family names given
// fallbacks, or PDF without a time stamp and with its catalogs in order.
// drawFn is handed the canvas and the format. The same picture always
// gives the same bytes. The run figures, the grid figures and the
// space-time diagrams are all written through it.
func Encode(w io.Writer, format string, width, height vg.Length, drawFn func(c draw.Canvas, format string) error) error {
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(FigureDPI))
		if err := drawFn(draw.New(c), format); err != nil {
			return err
		}
		bw := bufio.NewWriter(w)
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(bw, c.Image()); err != nil {
			return err
		}
		return bw.Flush()
	case "svg":
		c := vgsvg.New(width, height)
		if err := drawFn(draw.New(c), format); err != nil {
			return err
		}
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return err
		}
		_, err := w.Write(bytes.ReplaceAll(buf.Bytes(), svgFontFamily[0], svgFontFamily[1]))
		return err
	case "pdf":
		pdfDeterministic.Do(func() {
			// fpdf stamps documents with the current time and writes
			// some catalogs in map order unless told otherwise.
			epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			fpdf.SetDefaultCreationDate(epoch)
			fpdf.SetDefaultModificationDate(epoch)
			fpdf.SetDefaultCatalogSort(true)
		})
		c := vgpdf.New(width, height)
		if err := drawFn(draw.New(c), format); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	}
	return checkFormat(format)
}

// writeCanvas is Encode for this package's figures, which also need the
// title style of the format (PDF's is plain) and whether the canvas is a
// vector one (SVG, PDF).
func writeCanvas(w io.Writer, format string, width, height vg.Length, drawFn func(c draw.Canvas, ts titleStyle, vector bool) error) error {
	return Encode(w, format, width, height, func(c draw.Canvas, format string) error {
		ts := boldTitle
		if format == "pdf" {
			ts = plainTitle
		}
		return drawFn(c, ts, format != "png")
	})
}

// checkAxis checks that vals, the values of what along an axis, are
// finite, strictly ascending, and positive on a log axis.
func checkAxis(what string, vals []float64, log bool) error {
	for i, v := range vals {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return fmt.Errorf("%s[%d] is %v, not a number", what, i, v)
		case log && v <= 0:
			return fmt.Errorf("%s[%d] is %v, but the axis is logarithmic: values must be positive", what, i, v)
		case i > 0 && v <= vals[i-1]:
			return fmt.Errorf("%s is not strictly ascending: %s[%d] = %v after %v", what, what, i, v, vals[i-1])
		}
	}
	return nil
}

// checkTable checks that t has ny rows of nx values, none infinite.
func checkTable(what string, t [][]float64, nx, ny int) error {
	if len(t) != ny {
		return fmt.Errorf("%s has %d rows, want one per y value (%d)", what, len(t), ny)
	}
	for j, row := range t {
		if len(row) != nx {
			return fmt.Errorf("%s[%d] has %d values, want one per x value (%d)", what, j, len(row), nx)
		}
		for i, v := range row {
			if math.IsInf(v, 0) {
				return fmt.Errorf("%s[%d][%d] is %v; use NaN for no value", what, j, i, v)
			}
		}
	}
	return nil
}

// checkPoint checks that a point can be drawn on axes with the given
// scales; yMayBeNaN allows Y NaN (a mark on the x axis).
func checkPoint(k int, p Point, logX, logY, yMayBeNaN bool) error {
	bad := func(v float64, log bool) bool { return math.IsNaN(v) || math.IsInf(v, 0) || log && v <= 0 }
	if bad(p.X, logX) || bad(p.Y, logY) && !(yMayBeNaN && math.IsNaN(p.Y)) {
		return fmt.Errorf("point %d (%q) at (%v, %v) cannot be drawn on the axes", k, p.Label, p.X, p.Y)
	}
	return nil
}

func (g *GridMap) check() error {
	if g == nil {
		return errors.New("grid map: nil")
	}
	if len(g.X) == 0 || len(g.Y) == 0 {
		return fmt.Errorf("grid map: no cells (%d x values, %d y values)", len(g.X), len(g.Y))
	}
	if err := checkAxis("X", g.X, g.LogX); err != nil {
		return fmt.Errorf("grid map: %w", err)
	}
	if err := checkAxis("Y", g.Y, g.LogY); err != nil {
		return fmt.Errorf("grid map: %w", err)
	}
	if err := checkTable("Z", g.Z, len(g.X), len(g.Y)); err != nil {
		return fmt.Errorf("grid map: %w", err)
	}
	for k, b := range g.Boundaries {
		if len(b.X) < 2 || len(b.Y) < 2 {
			return fmt.Errorf("grid map: boundary %d (%q) has %d × %d samples, want at least 2 × 2", k, b.Label, len(b.X), len(b.Y))
		}
		err := checkAxis("X", b.X, g.LogX)
		if err == nil {
			err = checkAxis("Y", b.Y, g.LogY)
		}
		if err == nil {
			err = checkTable("Load", b.Load, len(b.X), len(b.Y))
		}
		if err != nil {
			return fmt.Errorf("grid map: boundary %d (%q): %w", k, b.Label, err)
		}
	}
	for k, p := range g.Points {
		if err := checkPoint(k, p, g.LogX, g.LogY, false); err != nil {
			return fmt.Errorf("grid map: %w", err)
		}
	}
	return nil
}

func (g *GridCurve) check() error {
	if g == nil {
		return errors.New("grid curve: nil")
	}
	if len(g.Lines) == 0 {
		return errors.New("grid curve: no lines")
	}
	for k, l := range g.Lines {
		var err error
		switch {
		case len(l.X) == 0:
			err = errors.New("no x values")
		case len(l.Mean) != len(l.X):
			err = fmt.Errorf("%d means for %d x values", len(l.Mean), len(l.X))
		case len(l.CI95) != 0 && len(l.CI95) != len(l.X):
			err = fmt.Errorf("%d confidence intervals for %d x values", len(l.CI95), len(l.X))
		case len(l.Pred) != len(l.PredX):
			err = fmt.Errorf("%d predictions for %d predicted x values", len(l.Pred), len(l.PredX))
		default:
			err = checkAxis("X", l.X, g.LogX)
			if err == nil {
				err = checkAxis("PredX", l.PredX, g.LogX)
			}
			for _, vs := range [][]float64{l.Mean, l.CI95, l.Pred} {
				for _, v := range vs {
					if err == nil && math.IsInf(v, 0) {
						err = fmt.Errorf("a value is %v; use NaN for no value", v)
					}
				}
			}
		}
		if err != nil {
			return fmt.Errorf("grid curve: line %d (%q): %w", k, l.Label, err)
		}
	}
	for k, p := range g.Points {
		if err := checkPoint(k, p, g.LogX, false, true); err != nil {
			return fmt.Errorf("grid curve: %w", err)
		}
	}
	return nil
}

// Colours and styles of grid figures.
var (
	// noValueColor fills a cell without a value; noValueHatch hatches
	// it. Viridis has no grey.
	noValueColor = color.RGBA{0xC8, 0xC8, 0xC8, 0xFF}
	noValueHatch = color.RGBA{0x8C, 0x8C, 0x8C, 0xFF}
	// contourColor is the colour of a boundary, drawn over
	// contourOutline: white on black stands out on every viridis colour.
	contourColor   = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	contourOutline = color.RGBA{0x00, 0x00, 0x00, 0xFF}
	// axisMarkStyle is the line of a point marked on the x axis.
	axisMarkStyle = draw.LineStyle{Color: subColor, Width: 1, Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
	// labelBox is the background of a point's label.
	labelBox = color.NRGBA{0xFF, 0xFF, 0xFF, 0xE0}
)

// boundaryDashes are the dash patterns of the boundaries, by position.
var boundaryDashes = [][]vg.Length{
	nil,
	{vg.Points(9), vg.Points(4)},
	{vg.Points(2.5), vg.Points(3)},
	{vg.Points(9), vg.Points(3), vg.Points(2.5), vg.Points(3)},
}

// boundaryStyle returns the outline and the line of the k-th boundary.
func boundaryStyle(k int) (outline, line draw.LineStyle) {
	d := boundaryDashes[k%len(boundaryDashes)]
	return draw.LineStyle{Color: contourOutline, Width: vg.Points(3.6), Dashes: d},
		draw.LineStyle{Color: contourColor, Width: vg.Points(2), Dashes: d}
}

// Sizes of grid figures' marks, in points.
const (
	pointRadius  = 4.5 * vg.Length(1)        // a Point's dot
	cellOverlap  = 0.5 * vg.Length(1)        // cells overlap their next, so no seam shows between them
	hatchSpacing = 6 * vg.Length(1)          // between the lines hatching a cell without a value
	barWidth     = 16 * vg.Length(1)         // the colour bar
	barGap       = 16 * vg.Length(1)         // between the map and its colour bar
	meanRadius   = 2.6 * vg.Length(1)        // a mean's dot on a curve
	bandAlpha    = uint8(0x40)               // opacity of a confidence band
	dotStroke    = 1.2 * vg.Length(1)        // the ring around a Point's dot
	labelPad     = 2 * vg.Length(1)          // around a Point's label, inside its box
	noValueText  = "no value (hatched grey)" // legend entry of cells without a value
)

// Viridis returns the colour of t ∈ [0, 1] on the viridis colour map:
// the entry of its 256 that holds t (t < 0 gives the first, t > 1 the
// last), as matplotlib looks it up.
func Viridis(t float64) color.RGBA {
	k := 0
	if t > 0 {
		k = min(int(t*float64(len(viridis))), len(viridis)-1)
	}
	v := viridis[k]
	return color.RGBA{v[0], v[1], v[2], 0xFF}
}

// cellEdges returns the n+1 edges of the n cells centred on vals (at
// least one, ascending): half way between neighbours (geometrically on a
// log axis), the outer edges as far out as the inner ones; a single cell
// spans ±0.5 (×/÷ √2 on a log axis).
func cellEdges(vals []float64, log bool) []float64 {
	f, inv := func(v float64) float64 { return v }, func(v float64) float64 { return v }
	if log {
		f, inv = math.Log, math.Exp
	}
	n := len(vals)
	e := make([]float64, n+1)
	if n == 1 {
		half := 0.5
		if log {
			half = math.Log(2) / 2
		}
		e[0], e[1] = inv(f(vals[0])-half), inv(f(vals[0])+half)
		return e
	}
	for i := 1; i < n; i++ {
		e[i] = inv((f(vals[i-1]) + f(vals[i])) / 2)
	}
	e[0] = inv(f(vals[0]) - (f(vals[1])-f(vals[0]))/2)
	e[n] = inv(f(vals[n-1]) + (f(vals[n-1])-f(vals[n-2]))/2)
	return e
}

// zRange returns the span of the finite values of z, widened to a unit
// span around a single value, [0, 1] when there is none.
func zRange(z [][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	switch {
	case lo > hi:
		return 0, 1
	case lo == hi:
		return lo - 0.5, hi + 0.5
	}
	return lo, hi
}

// Extent returns the span of the map's axes, from the outer edge of the
// first cell to that of the last, in the axes' units: the region over
// which to sample a Boundary, so that its contour runs from edge to edge.
// It is all zero when X or Y is empty.
func (g *GridMap) Extent() (xmin, xmax, ymin, ymax float64) {
	if len(g.X) == 0 || len(g.Y) == 0 {
		return 0, 0, 0, 0
	}
	xe, ye := cellEdges(g.X, g.LogX), cellEdges(g.Y, g.LogY)
	return xe[0], xe[len(xe)-1], ye[0], ye[len(ye)-1]
}

// mapLayout is where a map was drawn: its data area and the transforms
// from data to canvas coordinates, for tests.
type mapLayout struct {
	data, bar vg.Rectangle
	x, y      func(float64) vg.Length
}

// draw draws g on c and returns its layout.
func (g *GridMap) draw(c draw.Canvas, ts titleStyle) mapLayout {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	width := c.Max.X - c.Min.X
	y := drawHeader(c, g.Title, g.Subtitle, ts)

	var entries []legendEntry
	for k, b := range g.Boundaries {
		if b.Label == "" {
			continue
		}
		outline, line := boundaryStyle(k)
		entries = append(entries, legendEntry{b.Label, func(c *draw.Canvas, x, y vg.Length) {
			c.StrokeLine2(outline, x, y, x+sampleLen, y)
			c.StrokeLine2(line, x, y, x+sampleLen, y)
		}})
	}
	if len(g.Points) > 0 && g.PointsLabel != "" {
		entries = append(entries, legendEntry{g.PointsLabel, func(c *draw.Canvas, x, y vg.Length) {
			drawDot(c, vg.Point{X: x + sampleLen/2, Y: y})
		}})
	}
	if slices.ContainsFunc(g.Z, func(row []float64) bool { return slices.ContainsFunc(row, math.IsNaN) }) {
		entries = append(entries, legendEntry{noValueText, func(c *draw.Canvas, x, y vg.Length) {
			r := vg.Rectangle{Min: vg.Point{X: x + 3, Y: y - 6}, Max: vg.Point{X: x + sampleLen - 3, Y: y + 6}}
			drawNoValue(c, r)
			c.StrokeLines(draw.LineStyle{Color: subColor, Width: 0.5}, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min})
		}})
	}
	y = drawEntries(c, entries, y-lineGap, width)

	zlo, zhi := zRange(g.Z)
	bar := colorBar{lo: zlo, hi: zhi, label: g.ZLabel}
	area := c
	area.Min.X += margin
	area.Max.X -= barGap + bar.width()
	area.Min.Y += margin / 2
	area.Max.Y = y - lineGap

	p := plot.New()
	setupAxes(p, g.XLabel, g.YLabel)
	p.X.Padding, p.Y.Padding = 0, 0
	xe, ye := cellEdges(g.X, g.LogX), cellEdges(g.Y, g.LogY)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.Extent()
	p.X.Scale, p.X.Tick.Marker = axisScale(g.LogX, g.X)
	p.Y.Scale, p.Y.Tick.Marker = axisScale(g.LogY, g.Y)

	var lay mapLayout
	p.Add(&cellsPlotter{g: g, xe: xe, ye: ye, zlo: zlo, zhi: zhi, layout: &lay})
	p.Add(&boundaryPlotter{g.Boundaries})
	p.Add(&pointsPlotter{pts: g.Points})
	p.Draw(area)

	// The bar is as tall as the data area, beside it.
	lay.bar = vg.Rectangle{
		Min: vg.Point{X: lay.data.Max.X + barGap, Y: lay.data.Min.Y},
		Max: vg.Point{X: lay.data.Max.X + barGap + barWidth, Y: lay.data.Max.Y},
	}
	bar.draw(c, lay.bar)
	return lay
}

// setupAxes styles p's axes as a run figure's panels are, and names
// them.
func setupAxes(p *plot.Plot, xlabel, ylabel string) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(12, false)
		a.Tick.Label.Font = sans(10, false)
		a.Padding = 4
	}
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
}

// axisScale returns the scale and ticks of an axis of vals: logarithmic,
// or linear with integer ticks when every value is an integer (a die's
// faces).
func axisScale(log bool, vals []float64) (plot.Normalizer, plot.Ticker) {
	if log {
		return plot.LogScale{}, logTicks{}
	}
	integer := !slices.ContainsFunc(vals, func(v float64) bool { return v != math.Trunc(v) })
	return plot.LinearScale{}, niceTicks{integer: integer}
}

// cellsPlotter draws a map's cells and records the layout.
type cellsPlotter struct {
	g        *GridMap
	xe, ye   []float64
	zlo, zhi float64
	layout   *mapLayout
}

func (cp *cellsPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	*cp.layout = mapLayout{data: c.Rectangle, x: trX, y: trY}
	var empty []vg.Rectangle
	for j := range cp.g.Y {
		for i := range cp.g.X {
			r := vg.Rectangle{
				Min: vg.Point{X: trX(cp.xe[i]), Y: trY(cp.ye[j])},
				Max: vg.Point{X: trX(cp.xe[i+1]), Y: trY(cp.ye[j+1])},
			}
			// Drawn in order, each cell covers the overlap of the one
			// before it, so that no background shows through the
			// anti-aliased edge they share.
			if i+1 < len(cp.g.X) {
				r.Max.X += cellOverlap
			}
			if j+1 < len(cp.g.Y) {
				r.Max.Y += cellOverlap
			}
			z := cp.g.Z[j][i]
			if math.IsNaN(z) {
				empty = append(empty, r)
				continue
			}
			c.FillPolygon(Viridis((z-cp.zlo)/(cp.zhi-cp.zlo)), rectPoints(r))
		}
	}
	for _, r := range empty {
		drawNoValue(&c, r)
	}
}

// rectPoints returns the corners of r.
func rectPoints(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}

// drawNoValue fills r as a cell without a value: grey, hatched by lines
// rising at 45° every hatchSpacing, at the same places in every cell so
// that the hatching of neighbouring cells joins up.
func drawNoValue(c *draw.Canvas, r vg.Rectangle) {
	c.FillPolygon(noValueColor, rectPoints(r))
	st := draw.LineStyle{Color: noValueHatch, Width: 0.7}
	// The lines x − y = k·hatchSpacing.
	for k := math.Ceil(float64((r.Min.X - r.Max.Y) / hatchSpacing)); vg.Length(k)*hatchSpacing <= r.Max.X-r.Min.Y; k++ {
		d := vg.Length(k) * hatchSpacing
		lo, hi := max(r.Min.Y, r.Min.X-d), min(r.Max.Y, r.Max.X-d)
		if lo < hi {
			c.StrokeLine2(st, lo+d, lo, hi+d, hi)
		}
	}
}

// boundaryPlotter draws a map's boundaries.
type boundaryPlotter struct{ bs []Boundary }

func (bp *boundaryPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for k, b := range bp.bs {
		var lines [][]vg.Point
		for _, l := range contourLines(b.X, b.Y, b.Load, 1) {
			ps := make([]vg.Point, len(l))
			for i, xy := range l {
				ps[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
			}
			lines = append(lines, c.ClipLinesXY(ps)...)
		}
		outline, line := boundaryStyle(k)
		for _, st := range []draw.LineStyle{outline, line} {
			for _, l := range lines {
				c.StrokeLines(st, l)
			}
		}
	}
}

// pointsPlotter draws labelled points: a dot at each point with finite
// coordinates inside the data area, and for a point with Y NaN (marks on
// the x axis) a dotted vertical line.
type pointsPlotter struct{ pts []Point }

func (pp *pointsPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	st := textStyle(10, false, textColor)
	st.YAlign = draw.YCenter
	placer := labelPlacer{st: st, area: c.Rectangle}
	type mark struct {
		at    vg.Point
		label string
		axis  bool // a mark on the x axis
	}
	var marks []mark
	inX := func(x float64) bool { return x >= min(p.X.Min, p.X.Max) && x <= max(p.X.Min, p.X.Max) }
	for _, pt := range pp.pts {
		if !inX(pt.X) {
			continue
		}
		if math.IsNaN(pt.Y) {
			marks = append(marks, mark{vg.Point{X: trX(pt.X), Y: c.Max.Y - placer.height(pt.Label)/2 - 4}, pt.Label, true})
			continue
		}
		if pt.Y < min(p.Y.Min, p.Y.Max) || pt.Y > max(p.Y.Min, p.Y.Max) {
			continue
		}
		at := vg.Point{X: trX(pt.X), Y: trY(pt.Y)}
		marks = append(marks, mark{at, pt.Label, false})
		placer.taken = append(placer.taken, vg.Rectangle{
			Min: vg.Point{X: at.X - pointRadius, Y: at.Y - pointRadius},
			Max: vg.Point{X: at.X + pointRadius, Y: at.Y + pointRadius},
		})
	}
	for _, m := range marks {
		if m.axis {
			c.StrokeLine2(axisMarkStyle, m.at.X, c.Min.Y, m.at.X, c.Max.Y)
		} else {
			drawDot(&c, m.at)
		}
	}
	for _, m := range marks {
		if m.label == "" {
			continue
		}
		r := pointRadius
		if m.axis {
			r = 0
		}
		placer.place(&c, m.at, r, m.label)
	}
}

// drawDot draws a Point's dot at pt: white with a black ring.
func drawDot(c *draw.Canvas, pt vg.Point) {
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: contourColor, Radius: pointRadius, Shape: draw.CircleGlyph{}}, pt)
	c.DrawGlyphNoClip(draw.GlyphStyle{Color: contourOutline, Radius: pointRadius, Shape: ringGlyph{dotStroke}}, pt)
}

// ringGlyph is a circle outline of a given stroke width (gonum's
// RingGlyph strokes 1/2 point).
type ringGlyph struct{ width vg.Length }

func (g ringGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.width})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}

// labelPlacer places labels in boxes beside their marks, each where it
// covers no mark and no label placed before it, inside the area if it
// can.
type labelPlacer struct {
	st    text.Style
	area  vg.Rectangle
	taken []vg.Rectangle
}

func (lp *labelPlacer) height(label string) vg.Length { return lp.st.Height(label) + 2*labelPad }

// place draws label beside a mark of radius r at at.
func (lp *labelPlacer) place(c *draw.Canvas, at vg.Point, r vg.Length, label string) {
	w, h := lp.st.Width(label)+2*labelPad, lp.height(label)
	g := r + 3
	d := g * 0.7
	// Candidate bottom-left corners: right, above right, below right,
	// left, above left, below left, above, below.
	cands := []vg.Point{
		{X: at.X + g, Y: at.Y - h/2},
		{X: at.X + d, Y: at.Y + d},
		{X: at.X + d, Y: at.Y - d - h},
		{X: at.X - g - w, Y: at.Y - h/2},
		{X: at.X - d - w, Y: at.Y + d},
		{X: at.X - d - w, Y: at.Y - d - h},
		{X: at.X - w/2, Y: at.Y + g},
		{X: at.X - w/2, Y: at.Y - g - h},
	}
	// Then stacked below the right one and above it, and the same on the
	// left (for a mark at the area's right edge).
	for k := 1; k <= 8; k++ {
		cands = append(cands, vg.Point{X: at.X + g, Y: at.Y - h/2 - vg.Length(k)*h}, vg.Point{X: at.X + g, Y: at.Y - h/2 + vg.Length(k)*h})
	}
	for k := 1; k <= 8; k++ {
		cands = append(cands, vg.Point{X: at.X - g - w, Y: at.Y - h/2 - vg.Length(k)*h}, vg.Point{X: at.X - g - w, Y: at.Y - h/2 + vg.Length(k)*h})
	}
	box := func(p vg.Point) vg.Rectangle { return vg.Rectangle{Min: p, Max: vg.Point{X: p.X + w, Y: p.Y + h}} }
	// The first candidate inside the area that covers nothing; failing
	// that, the first inside the area; failing that, the right one.
	chosen, inside := box(cands[0]), false
	for _, p := range cands {
		b := box(p)
		if b.Min.X < lp.area.Min.X || b.Max.X > lp.area.Max.X || b.Min.Y < lp.area.Min.Y || b.Max.Y > lp.area.Max.Y {
			continue
		}
		if !slices.ContainsFunc(lp.taken, func(t vg.Rectangle) bool { return overlaps(b, t) }) {
			chosen = b
			break
		}
		if !inside {
			chosen, inside = b, true
		}
	}
	lp.taken = append(lp.taken, chosen)
	c.FillPolygon(labelBox, rectPoints(chosen))
	c.FillText(lp.st, vg.Point{X: chosen.Min.X + labelPad, Y: (chosen.Min.Y + chosen.Max.Y) / 2}, label)
}

// overlaps tells whether two rectangles share an area.
func overlaps(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

// colorBar is a map's colour bar: the viridis ramp from lo (bottom) to
// hi (top), ticks and their values on its right, and its label beyond
// them, reading upwards.
type colorBar struct {
	lo, hi float64
	label  string
}

func (b colorBar) tickStyle() text.Style {
	st := textStyle(10, false, textColor)
	st.YAlign = draw.YCenter
	return st
}

func (b colorBar) labelStyle() text.Style {
	st := textStyle(12, false, textColor)
	st.XAlign, st.YAlign = draw.XCenter, draw.YCenter
	st.Rotation = math.Pi / 2
	return st
}

// width returns the width of the bar with its ticks, values and label.
func (b colorBar) width() vg.Length {
	st := b.tickStyle()
	w := vg.Length(0)
	for _, t := range (niceTicks{}).Ticks(b.lo, b.hi) {
		w = max(w, st.Width(t.Label))
	}
	return barWidth + 7 + w + 8 + b.labelStyle().Height(b.label) + margin
}

// draw draws the bar in r (its ramp; ticks, values and label to the
// right of r).
func (b colorBar) draw(c draw.Canvas, r vg.Rectangle) {
	n := len(viridis)
	h := (r.Max.Y - r.Min.Y) / vg.Length(n)
	for k := range n {
		cell := vg.Rectangle{
			Min: vg.Point{X: r.Min.X, Y: r.Min.Y + vg.Length(k)*h},
			Max: vg.Point{X: r.Max.X, Y: r.Min.Y + vg.Length(k+1)*h},
		}
		if k+1 < n {
			cell.Max.Y += cellOverlap
		}
		v := viridis[k]
		c.FillPolygon(color.RGBA{v[0], v[1], v[2], 0xFF}, rectPoints(cell))
	}
	frame := draw.LineStyle{Color: textColor, Width: 0.6}
	c.StrokeLines(frame, append(rectPoints(r), r.Min))
	st := b.tickStyle()
	w := vg.Length(0)
	for _, t := range (niceTicks{}).Ticks(b.lo, b.hi) {
		y := r.Min.Y + vg.Length((t.Value-b.lo)/(b.hi-b.lo))*(r.Max.Y-r.Min.Y)
		if y < r.Min.Y-0.01 || y > r.Max.Y+0.01 {
			continue
		}
		length := vg.Length(2)
		if t.Label != "" {
			length = 4
			c.FillText(st, vg.Point{X: r.Max.X + 7, Y: y}, t.Label)
			w = max(w, st.Width(t.Label))
		}
		c.StrokeLine2(frame, r.Max.X, y, r.Max.X+length, y)
	}
	if b.label != "" {
		ls := b.labelStyle()
		c.FillText(ls, vg.Point{X: r.Max.X + 7 + w + 8 + ls.Height(b.label)/2, Y: (r.Min.Y + r.Max.Y) / 2}, b.label)
	}
}

// draw draws g on c and returns its data area.
func (g *GridCurve) draw(c draw.Canvas, ts titleStyle) vg.Rectangle {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	width := c.Max.X - c.Min.X
	y := drawHeader(c, g.Title, g.Subtitle, ts)

	var entries []legendEntry
	for i, l := range g.Lines {
		label := l.Label
		if label == "" {
			label = fmt.Sprintf("line %d", i)
		}
		mean, band := curveStyle(i)
		entries = append(entries, legendEntry{label, func(c *draw.Canvas, x, y vg.Length) {
			c.FillPolygon(band, rectPoints(vg.Rectangle{Min: vg.Point{X: x, Y: y - 5}, Max: vg.Point{X: x + sampleLen, Y: y + 5}}))
			c.StrokeLine2(mean, x, y, x+sampleLen, y)
			c.DrawGlyphNoClip(draw.GlyphStyle{Color: mean.Color, Radius: meanRadius, Shape: draw.CircleGlyph{}}, vg.Point{X: x + sampleLen/2, Y: y})
		}})
		if len(l.PredX) > 0 {
			pred := predStyle(i)
			entries = append(entries, legendEntry{label + " predicted", func(c *draw.Canvas, x, y vg.Length) {
				c.StrokeLine2(pred, x, y, x+sampleLen, y)
			}})
		}
	}
	if len(g.Points) > 0 && g.PointsLabel != "" {
		// A dot if any point has a y, else an x-axis mark's line.
		dot := slices.ContainsFunc(g.Points, func(p Point) bool { return !math.IsNaN(p.Y) })
		entries = append(entries, legendEntry{g.PointsLabel, func(c *draw.Canvas, x, y vg.Length) {
			if dot {
				drawDot(c, vg.Point{X: x + sampleLen/2, Y: y})
			} else {
				c.StrokeLine2(axisMarkStyle, x+sampleLen/2, y-7, x+sampleLen/2, y+7)
			}
		}})
	}
	y = drawEntries(c, entries, y-lineGap, width)

	p := plot.New()
	setupAxes(p, g.XLabel, g.YLabel)
	var xs []float64
	for _, l := range g.Lines {
		xs = append(append(xs, l.X...), l.PredX...)
	}
	for _, pt := range g.Points {
		xs = append(xs, pt.X)
	}
	p.X.Min, p.X.Max = slices.Min(xs), slices.Max(xs)
	if p.X.Min == p.X.Max {
		e := cellEdges(xs[:1], g.LogX)
		p.X.Min, p.X.Max = e[0], e[1]
	}
	p.Y.Min, p.Y.Max = g.yRange()
	p.X.Scale, p.X.Tick.Marker = axisScale(g.LogX, xs)
	p.Y.Tick.Marker = niceTicks{}
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	grid.Vertical.Width, grid.Horizontal.Width = 0.6, 0.6
	p.Add(grid)
	var data vg.Rectangle
	p.Add(&curvePlotter{g: g, data: &data})
	p.Add(&pointsPlotter{pts: g.Points})

	area := c
	area.Min.X += margin
	area.Max.X -= margin + 6
	area.Min.Y += margin / 2
	area.Max.Y = y - lineGap
	p.Draw(area)
	return data
}

// curveStyle returns the mean line and the band colour of the i-th line.
func curveStyle(i int) (draw.LineStyle, color.NRGBA) {
	c := SeriesColor(i)
	return draw.LineStyle{Color: c, Width: vg.Points(2)}, color.NRGBA{c.R, c.G, c.B, bandAlpha}
}

// predStyle returns the predicted curve of the i-th line.
func predStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: SeriesColor(i), Width: vg.Points(1.6), Dashes: theoryDashes}
}

// yRange returns the y axis of a curve: the span of its bands, means,
// predictions and points, with headroom above and below.
func (g *GridCurve) yRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	add := func(v float64) {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	for _, l := range g.Lines {
		for k, m := range l.Mean {
			add(m)
			if len(l.CI95) > 0 && !math.IsNaN(l.CI95[k]) {
				add(m - l.CI95[k])
				add(m + l.CI95[k])
			}
		}
		for _, v := range l.Pred {
			add(v)
		}
	}
	for _, pt := range g.Points {
		add(pt.Y)
	}
	if lo > hi {
		return 0, 1
	}
	if hi-lo == 0 {
		d := max(math.Abs(lo)*0.1, 0.5)
		return lo - d, hi + d
	}
	pad := (hi - lo) * headroom / (1 - 2*headroom)
	return lo - pad, hi + pad
}

// curvePlotter draws a curve's bands, predictions and means, in that
// order, so that every line is drawn over every band.
type curvePlotter struct {
	g    *GridCurve
	data *vg.Rectangle
}

func (cp *curvePlotter) Plot(c draw.Canvas, p *plot.Plot) {
	*cp.data = c.Rectangle
	trX, trY := p.Transforms(&c)
	pt := func(x, y float64) vg.Point { return vg.Point{X: trX(x), Y: trY(y)} }
	for i, l := range cp.g.Lines {
		_, band := curveStyle(i)
		for _, run := range finiteRuns(len(l.X), func(k int) bool {
			return len(l.CI95) > 0 && !math.IsNaN(l.Mean[k]) && !math.IsNaN(l.CI95[k])
		}) {
			var poly []vg.Point
			for k := run[0]; k < run[1]; k++ {
				poly = append(poly, pt(l.X[k], l.Mean[k]+l.CI95[k]))
			}
			for k := run[1] - 1; k >= run[0]; k-- {
				poly = append(poly, pt(l.X[k], l.Mean[k]-l.CI95[k]))
			}
			if run[1]-run[0] == 1 { // a lone interval: a short bar
				x := poly[0].X
				poly = []vg.Point{{X: x - 1.5, Y: poly[0].Y}, {X: x + 1.5, Y: poly[0].Y}, {X: x + 1.5, Y: poly[1].Y}, {X: x - 1.5, Y: poly[1].Y}}
			}
			c.FillPolygon(band, c.ClipPolygonXY(poly))
		}
	}
	stroke := func(st draw.LineStyle, xs, ys []float64) {
		for _, run := range finiteRuns(len(xs), func(k int) bool { return !math.IsNaN(ys[k]) }) {
			var line []vg.Point
			for k := run[0]; k < run[1]; k++ {
				line = append(line, pt(xs[k], ys[k]))
			}
			if len(line) > 1 {
				c.StrokeLines(st, c.ClipLinesXY(line)...)
			}
		}
	}
	for i, l := range cp.g.Lines {
		stroke(predStyle(i), l.PredX, l.Pred)
	}
	for i, l := range cp.g.Lines {
		mean, _ := curveStyle(i)
		stroke(mean, l.X, l.Mean)
		for k, m := range l.Mean {
			if q := pt(l.X[k], m); !math.IsNaN(m) && c.Contains(q) {
				c.DrawGlyph(draw.GlyphStyle{Color: mean.Color, Radius: meanRadius, Shape: draw.CircleGlyph{}}, q)
			}
		}
	}
}

// finiteRuns returns the maximal runs [a, b) of 0..n−1 where ok holds.
func finiteRuns(n int, ok func(int) bool) [][2]int {
	var runs [][2]int
	for k := 0; k < n; {
		if !ok(k) {
			k++
			continue
		}
		a := k
		for k < n && ok(k) {
			k++
		}
		runs = append(runs, [2]int{a, k})
	}
	return runs
}

// drawHeader draws a title and a subtitle centred at the top of c, as a
// run figure's are, and returns the y below them.
func drawHeader(c draw.Canvas, title, subtitle string, ts titleStyle) vg.Length {
	width := c.Max.X - c.Min.X
	y := c.Max.Y - margin
	if title != "" {
		st := textStyle(15, false, textColor)
		st.Font, st.Handler = font.From(ts.font, 15), ts.handler
		st.XAlign = draw.XCenter
		c.FillText(st, vg.Point{X: c.Min.X + width/2, Y: y}, title)
		y -= st.Height(title) + lineGap
	}
	if subtitle != "" {
		st := textStyle(11, false, subColor)
		st.XAlign = draw.XCenter
		for _, line := range wrap(st, subtitle, (width-2*margin)*9/10) {
			c.FillText(st, vg.Point{X: c.Min.X + width/2, Y: y}, line)
			y -= st.Height(line) + lineGap
		}
	}
	return y
}

// legendEntry is an entry of a grid figure's legend: a sample drawn by
// sample in [x, x+sampleLen] centred on y, and its label.
type legendEntry struct {
	label  string
	sample func(c *draw.Canvas, x, y vg.Length)
}

// drawEntries draws the entries as rows centred below top, as a run
// figure's legend is, and returns the y below them.
func drawEntries(c draw.Canvas, entries []legendEntry, top, width vg.Length) vg.Length {
	st := textStyle(11, false, textColor)
	st.YAlign = draw.YCenter
	w := func(e legendEntry) vg.Length { return sampleLen + 5 + st.Width(e.label) }
	h := st.Height("machine 0")
	y := top - h/2
	for len(entries) > 0 {
		n, rw := 0, vg.Length(0)
		for n < len(entries) {
			add := w(entries[n])
			if n > 0 {
				add += entryGap
			}
			if n > 0 && rw+add > width-2*margin {
				break
			}
			rw += add
			n++
		}
		x := c.Min.X + (width-rw)/2
		for _, e := range entries[:n] {
			e.sample(&c, x, y)
			c.FillText(st, vg.Point{X: x + sampleLen + 5, Y: y}, e.label)
			x += w(e) + entryGap
		}
		entries = entries[n:]
		y -= h + lineGap
	}
	return y + h/2
}

// logTicks labels a log axis at m × 10^k for the sparsest set of
// mantissas m (1; 1, 2, 5; 1, 2, 3, 5; 1 to 9) that gives at least five
// labels (four for powers of ten alone), with unlabelled ticks at the other integers × 10^k when the
// axis spans few decades.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0 && hi > lo) {
		return []plot.Tick{{Value: lo, Label: formatLog(lo)}}
	}
	k0, k1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	at := func(m float64, k int) float64 {
		if k < 0 {
			return m / math.Pow10(-k) // 3/10 is 0.3; 3·0.1 is not
		}
		return m * math.Pow10(k)
	}
	in := func(v float64) bool { return v >= lo*(1-1e-12) && v <= hi*(1+1e-12) }
	sets := [][]float64{{1}, {1, 2, 5}, {1, 2, 3, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}
	labelled := sets[len(sets)-1]
	for _, set := range sets {
		n := 0
		for k := k0; k <= k1; k++ {
			for _, m := range set {
				if in(at(m, k)) {
					n++
				}
			}
		}
		if n >= 5 || n >= 4 && len(set) == 1 {
			labelled = set
			break
		}
	}
	var ts []plot.Tick
	for k := k0; k <= k1; k++ {
		for m := 1.0; m <= 9; m++ {
			v := at(m, k)
			if !in(v) {
				continue
			}
			switch {
			case slices.Contains(labelled, m):
				ts = append(ts, plot.Tick{Value: v, Label: formatLog(v)})
			case k1-k0 <= 6:
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	return ts
}

// formatLog formats a log axis' label in plain decimal notation where
// it is short.
func formatLog(v float64) string {
	if v >= 1e-4 && v < 1e7 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// contourLines returns the contour of v at level: the polylines, in data
// coordinates, through the points where v crosses level, found by
// marching squares over the cells of the grid of samples v[j][i] at
// (xs[i], ys[j]). A sample at or above level counts as above. Where the
// contour crosses the edge between two samples, its point lies on that
// edge by linear interpolation: at t = (level − a)/(b − a) of the way
// from the sample a to the sample b. A cell with two opposite corners
// above and two below (a saddle) is resolved by the mean of its corners.
// A cell with a NaN corner has no contour. Polylines are joined across
// cells: an open line ends at the grid's border or at a NaN cell, a
// closed one ends where it starts.
func contourLines(xs, ys []float64, v [][]float64, level float64) []plotter.XYs {
	// An edge between two neighbouring samples: from (i, j) to (i+1, j)
	// when horizontal, to (i, j+1) when not.
	type edge struct {
		i, j  int
		horiz bool
	}
	above := func(i, j int) bool { return v[j][i] >= level }
	point := func(e edge) plotter.XY {
		i1, j1 := e.i, e.j+1
		if e.horiz {
			i1, j1 = e.i+1, e.j
		}
		a, b := v[e.j][e.i], v[j1][i1]
		t := (level - a) / (b - a)
		return plotter.XY{X: xs[e.i] + t*(xs[i1]-xs[e.i]), Y: ys[e.j] + t*(ys[j1]-ys[e.j])}
	}
	var segs [][2]edge
	for j := 0; j+1 < len(ys); j++ {
		for i := 0; i+1 < len(xs); i++ {
			c := [4]float64{v[j][i], v[j][i+1], v[j+1][i+1], v[j+1][i]}
			if slices.ContainsFunc(c[:], math.IsNaN) {
				continue
			}
			// Corners a (i, j), b (i+1, j), c (i+1, j+1), d (i, j+1) and
			// the edges between them.
			a, b, cc, d := above(i, j), above(i+1, j), above(i+1, j+1), above(i, j+1)
			bottom, right := edge{i, j, true}, edge{i + 1, j, false}
			top, left := edge{i, j + 1, true}, edge{i, j, false}
			var crossed []edge
			for _, e := range []struct {
				e    edge
				p, q bool
			}{{bottom, a, b}, {right, b, cc}, {top, d, cc}, {left, a, d}} {
				if e.p != e.q {
					crossed = append(crossed, e.e)
				}
			}
			switch len(crossed) {
			case 2:
				segs = append(segs, [2]edge{crossed[0], crossed[1]})
			case 4:
				// a and c on one side, b and d on the other. If the
				// centre is on a's side, a and c are joined through it
				// and b and d cut off; otherwise the reverse.
				if ((c[0]+c[1]+c[2]+c[3])/4 >= level) == a {
					segs = append(segs, [2]edge{bottom, right}, [2]edge{left, top})
				} else {
					segs = append(segs, [2]edge{bottom, left}, [2]edge{right, top})
				}
			}
		}
	}
	// Each edge is shared by at most two cells, so at most two segments
	// meet at a point: the segments form disjoint chains and loops.
	at := make(map[edge][]int, 2*len(segs))
	for k, s := range segs {
		at[s[0]] = append(at[s[0]], k)
		at[s[1]] = append(at[s[1]], k)
	}
	used := make([]bool, len(segs))
	walk := func(k int, from edge) plotter.XYs {
		line := plotter.XYs{point(from)}
		for {
			used[k] = true
			to := segs[k][0]
			if to == from {
				to = segs[k][1]
			}
			line = append(line, point(to))
			next := -1
			for _, n := range at[to] {
				if !used[n] {
					next = n
				}
			}
			if next < 0 {
				return line
			}
			k, from = next, to
		}
	}
	var lines []plotter.XYs
	// Open chains first, from an end; then the loops left.
	for k, s := range segs {
		for _, e := range s {
			if !used[k] && len(at[e]) == 1 {
				lines = append(lines, walk(k, e))
			}
		}
	}
	for k, s := range segs {
		if !used[k] {
			lines = append(lines, walk(k, s[0]))
		}
	}
	return lines
}
