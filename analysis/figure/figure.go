package figure

import (
	"bufio"
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"desim/sim"
)

// Figure is the paper's two-panel figure of one run: on the left the
// logical clock of every machine against time, on the right the length of
// its message queue against time, one line per machine in the same colour
// in both panels, under a title (the scenario's name), a subtitle (its
// description, wrapped to the figure's width) and a legend
// "machine i (r c/s)".
//
// The figure is FigureWidth × FigureHeight; PNG is rendered at FigureDPI
// dots per inch (1200 × 450 pixels). Lines are decimated for drawing only
// (see Decimate): a long run draws as fast, and its vector file is as
// small, as one of a few thousand ticks, and looks the same.
type Figure struct {
	Title    string   // scenario name; "" for none
	Subtitle string   // scenario description, wrapped; "" for none
	Series   []Series // one per machine, in machine order
	// Duration is the length of the run in ns, the end of the time axis;
	// 0 when unknown, and then the time axis ends at the last record.
	Duration int64
	// Source, when not nil, supplies the series' records, and their
	// Records are not used: a run too long to hold is drawn by streaming
	// its logs (see Source).
	Source Source
}

// Series is one machine's line in a Figure.
type Series struct {
	ID int // machine id, shown in the legend
	// Rate is the machine's rate in ticks per second as text ("6", "1/3"),
	// shown in the legend; "" when unknown.
	Rate string
	// Records are the machine's ticks in time order; At is in ns since the
	// start of the run, and is drawn in seconds. A Figure with a Source
	// does not use them.
	Records []sim.Record
}

// Size and resolution of a figure.
const (
	FigureWidth  = 12 * vg.Inch
	FigureHeight = 4.5 * vg.Inch
	FigureDPI    = 100 // dots per inch of PNG output
	// vectorColumnsPerDot is how many decimation columns a vector figure
	// (SVG, PDF) keeps per dot at FigureDPI, so that it still looks like
	// the full data zoomed in twice.
	vectorColumnsPerDot = 2
)

// FigureFormats are the output formats of a figure, by file extension.
var FigureFormats = []string{"png", "svg", "pdf"}

// FigureFormat returns the format of a figure written to path, from its
// extension (case-insensitive): "png", "svg" or "pdf". Any other extension
// is an error.
func FigureFormat(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, f := range FigureFormats {
		if ext == f {
			return f, nil
		}
	}
	if ext == "" {
		return "", fmt.Errorf("%s: no file extension; a figure is written as .png, .svg or .pdf", path)
	}
	return "", fmt.Errorf("%s: unsupported figure format %q; use .png, .svg or .pdf", path, "."+ext)
}

// WriteFigure renders f in the format ("png", "svg" or "pdf") to w. The
// same figure always gives the same bytes.
func WriteFigure(w io.Writer, f *Figure, format string) error {
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(FigureWidth, FigureHeight), vgimg.UseDPI(FigureDPI))
		if err := f.draw(draw.New(c), 1, boldTitle); err != nil {
			return err
		}
		bw := bufio.NewWriter(w)
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(bw, c.Image()); err != nil {
			return err
		}
		return bw.Flush()
	case "svg":
		c := vgsvg.New(FigureWidth, FigureHeight)
		if err := f.draw(draw.New(c), vectorColumnsPerDot, boldTitle); err != nil {
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
		c := vgpdf.New(FigureWidth, FigureHeight)
		if err := f.draw(draw.New(c), vectorColumnsPerDot, plainTitle); err != nil {
			return err
		}
		_, err := c.WriteTo(w)
		return err
	}
	return fmt.Errorf("unsupported figure format %q; use png, svg or pdf", format)
}

var pdfDeterministic sync.Once

// titleStyle is the font of the title and the text handler that knows it.
type titleStyle struct {
	font    font.Font
	handler text.Handler
}

var (
	// boldTitle is the title's font in PNG and SVG.
	boldTitle = titleStyle{sans(0, true), plot.DefaultTextHandler}
	// plainTitle is the title's font in PDF. gonum/plot's PDF canvas
	// (v0.17.0) cannot use a second font: it registers a bold font under a
	// style that it then does not ask for ("undefined font"), and it
	// names every embedded font file alike, so that all the fonts of a
	// document share the glyphs of one. PDF figures use one font.
	plainTitle = titleStyle{sans(0, false), plot.DefaultTextHandler}
)

// svgFontFamily is the font family gonum/plot writes in SVG, which does
// not embed fonts, and the one desim writes instead: Arial has the same
// metrics as Liberation Sans, so that the layout holds where Liberation
// Sans is not installed.
var svgFontFamily = [2][]byte{
	[]byte("font-family:Liberation Sans;"),
	[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"),
}

// Decimate thins a line for drawing at a given width. The points must be
// in order of x. [xmin, xmax] is cut into columns slices of equal width
// (points outside go to the first or the last); of the points of each
// slice Decimate keeps the first, the last, one with the smallest y and
// one with the largest y (the earliest of ties), in their original order.
// Drawn with one slice per pixel column, the line through the kept points
// covers the same pixels as the line through all of them: within a column
// it spans the same vertical extent, and it joins adjacent columns by the
// same segment. It returns at most 4·columns points (all of them when
// there are no more than that); columns < 1 counts as 1.
func Decimate(pts plotter.XYs, xmin, xmax float64, columns int) plotter.XYs {
	if len(pts) <= 4*max(columns, 1) {
		return append(plotter.XYs(nil), pts...)
	}
	columns = max(columns, 1)
	scale := 0.0
	if xmax > xmin {
		scale = float64(columns) / (xmax - xmin)
	}
	column := func(x float64) int {
		c := int(math.Floor((x - xmin) * scale))
		return min(max(c, 0), columns-1)
	}
	out := make(plotter.XYs, 0, 4*columns)
	// keep emits the points first, lo, hi and last of a column, by index.
	keep := func(first, lo, hi, last int) {
		idx := [4]int{first, lo, hi, last}
		for i := 1; i < 4; i++ { // insertion sort of four
			for j := i; j > 0 && idx[j] < idx[j-1]; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
		for i, k := range idx {
			if i == 0 || k != idx[i-1] {
				out = append(out, pts[k])
			}
		}
	}
	cur, first, lo, hi := column(pts[0].X), 0, 0, 0
	for i := 1; i < len(pts); i++ {
		c := column(pts[i].X)
		if c != cur {
			keep(first, lo, hi, i-1)
			cur, first, lo, hi = c, i, i, i
			continue
		}
		if pts[i].Y < pts[lo].Y {
			lo = i
		}
		if pts[i].Y > pts[hi].Y {
			hi = i
		}
	}
	keep(first, lo, hi, len(pts)-1)
	return out
}

// palette holds the Okabe–Ito colours, which stay distinct under the
// common forms of colour blindness, in the order blue, orange, green like
// the paper's figures; its yellow is left out (too pale on white).
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xFF}, // blue
	{0xE6, 0x9F, 0x00, 0xFF}, // orange
	{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	{0x00, 0x00, 0x00, 0xFF}, // black
}

// dashes are the line patterns of machines beyond the palette's length:
// machine i has colour i mod 7 and pattern i / 7 mod 4.
var dashes = [][]vg.Length{
	nil,
	{vg.Points(6), vg.Points(3)},
	{vg.Points(1.5), vg.Points(2)},
	{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)},
}

// SeriesColor returns the colour of the i-th series of a figure (by
// position, not by machine id).
func SeriesColor(i int) color.RGBA { return palette[i%len(palette)] }

func seriesStyle(i int) draw.LineStyle {
	return draw.LineStyle{
		Color:  SeriesColor(i),
		Width:  vg.Points(1.5),
		Dashes: dashes[i/len(palette)%len(dashes)],
	}
}

// maxLegend is the most legend entries shown; a larger run's legend ends
// with "and K more".
const maxLegend = 21

// Label returns the legend text of a series: "machine 2 (6 c/s)", or
// "machine 2" when the rate is unknown.
func (s *Series) Label() string {
	if s.Rate == "" {
		return fmt.Sprintf("machine %d", s.ID)
	}
	return fmt.Sprintf("machine %d (%s c/s)", s.ID, s.Rate)
}

var (
	textColor = color.Gray{0x00}
	subColor  = color.Gray{0x40}
	gridColor = color.Gray{0xE0}
)

func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

func textStyle(size vg.Length, bold bool, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    sans(size, bold),
		XAlign:  draw.XLeft,
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
}

// Margins and gaps of the layout, in points.
const (
	margin    = 10 * vg.Length(1)
	lineGap   = 3 * vg.Length(1)
	sampleLen = 22 * vg.Length(1) // legend line sample
	entryGap  = 16 * vg.Length(1) // between legend entries
)

// draw draws f on c, decimating each line to perDot columns per dot (at
// FigureDPI) of its panel's width. Only a Source's error is returned.
func (f *Figure) draw(c draw.Canvas, perDot int, title titleStyle) error {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	width := c.Max.X - c.Min.X
	y := c.Max.Y - margin

	// Header: title, subtitle, legend.
	if f.Title != "" {
		st := textStyle(15, false, textColor)
		st.Font, st.Handler = font.From(title.font, 15), title.handler
		st.XAlign = draw.XCenter
		c.FillText(st, vg.Point{X: c.Min.X + width/2, Y: y}, f.Title)
		y -= st.Height(f.Title) + lineGap
	}
	if f.Subtitle != "" {
		st := textStyle(11, false, subColor)
		st.XAlign = draw.XCenter
		// Wrapped at 90% of the width, so that a wider font substituted
		// by an SVG viewer still fits.
		for _, line := range wrap(st, f.Subtitle, (width-2*margin)*9/10) {
			c.FillText(st, vg.Point{X: c.Min.X + width/2, Y: y}, line)
			y -= st.Height(line) + lineGap
		}
	}
	y = f.drawLegend(c, y-lineGap, width)

	// Panels.
	lp, rp := f.panel("logical clock"), f.panel("queue length (messages)")
	ext := f.extent()
	tmax := float64(ext.End) / 1e9 // both axes start at 0: clocks and queues are never negative
	if f.Duration > 0 {
		tmax = max(tmax, float64(f.Duration)/1e9)
	}
	if tmax <= 0 {
		tmax = 1
	}
	lp.X.Min, lp.X.Max, rp.X.Min, rp.X.Max = 0, tmax, 0, tmax
	lp.Y.Min, lp.Y.Max = 0, float64(max(ext.Clock, 1))
	rp.Y.Min, rp.Y.Max = 0, float64(max(ext.Queue, 1))

	area := c
	area.Max.Y = y - lineGap
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: 28, PadLeft: margin, PadRight: margin + 6, PadBottom: margin / 2}
	panels := plot.Align([][]*plot.Plot{{lp, rp}}, tiles, area)
	var cols [2]int
	for k, p := range []*plot.Plot{lp, rp} {
		dc := p.DataCanvas(panels[0][k])
		cols[k] = int(math.Ceil((dc.Max.X - dc.Min.X).Dots(FigureDPI))) * perDot
	}
	lines, err := f.lines(tmax, cols)
	if err != nil {
		return err
	}
	for k, p := range []*plot.Plot{lp, rp} {
		for i := range f.Series {
			p.Add(&figureLine{xys: lines[i][k], style: seriesStyle(i), raster: perDot == 1})
		}
		p.Draw(panels[0][k])
	}
	return nil
}

// extent returns the extent of the figure's records.
func (f *Figure) extent() Extent {
	if f.Source != nil {
		return f.Source.Extent()
	}
	var e Extent
	for _, s := range f.Series {
		for _, r := range s.Records {
			e.End, e.Clock, e.Queue = max(e.End, r.At), max(e.Clock, r.Clock), max(e.Queue, r.Queue)
		}
	}
	return e
}

// lines returns the points drawn of each series in each panel (clock,
// queue): its records, in seconds, decimated to the panel's columns over
// [0, tmax].
func (f *Figure) lines(tmax float64, cols [2]int) ([][2]plotter.XYs, error) {
	lines := make([][2]plotter.XYs, len(f.Series))
	if f.Source == nil {
		for i, s := range f.Series {
			for k := range lines[i] {
				pts := make(plotter.XYs, len(s.Records))
				for j, r := range s.Records {
					v := r.Clock
					if k == 1 {
						v = r.Queue
					}
					pts[j] = plotter.XY{X: float64(r.At) / 1e9, Y: float64(v)}
				}
				lines[i][k] = Decimate(pts, 0, tmax, cols[k])
			}
		}
		return lines, nil
	}
	th := make([][2]*Thinner, len(f.Series))
	for i := range th {
		th[i] = [2]*Thinner{NewThinner(0, tmax, cols[0]), NewThinner(0, tmax, cols[1])}
	}
	err := f.Source.Replay(func(i int, batch []sim.Record) {
		clock, queue := th[i][0], th[i][1]
		for _, r := range batch {
			x := float64(r.At) / 1e9
			clock.Add(plotter.XY{X: x, Y: float64(r.Clock)})
			queue.Add(plotter.XY{X: x, Y: float64(r.Queue)})
		}
	})
	if err != nil {
		return nil, err
	}
	for i := range th {
		lines[i] = [2]plotter.XYs{th[i][0].Points(), th[i][1].Points()}
	}
	return lines, nil
}

// figureLine is a plotter that draws a polyline. On a raster canvas it
// strokes the line in pieces of rasterPiece points, consecutive pieces
// sharing a segment so that every join is drawn: the rasteriser's cost
// grows with the square of the number of crossings of a pixel row by one
// path, so that a jagged line of a few thousand points stroked whole takes
// seconds, and in pieces milliseconds.
type figureLine struct {
	xys    plotter.XYs
	style  draw.LineStyle
	raster bool
}

const rasterPiece = 32

// Plot implements plot.Plotter.
func (l *figureLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ps := make([]vg.Point, len(l.xys))
	for i, xy := range l.xys {
		ps[i] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
	}
	for _, line := range c.ClipLinesXY(ps) {
		if !l.raster {
			c.StrokeLines(l.style, line)
			continue
		}
		for a := 0; ; a += rasterPiece - 2 {
			b := min(a+rasterPiece, len(line))
			c.StrokeLines(l.style, line[a:b])
			if b == len(line) {
				break
			}
		}
	}
}

// panel returns an empty panel with the y label given and time on x.
func (f *Figure) panel(ylabel string) *plot.Plot {
	p := plot.New()
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(12, false)
		a.Tick.Label.Font = sans(10, false)
		a.Tick.Marker = niceTicks{integer: a == &p.Y}
		a.Padding = 4
	}
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = ylabel
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	grid.Vertical.Width, grid.Horizontal.Width = 0.6, 0.6
	p.Add(grid)
	return p
}

// niceTicks labels an axis every 1, 2, 2.5 or 5 × 10^k units, choosing
// the step that gives 4 to 8 labels, in plain decimal notation (40000, not
// 4e+04), with an unlabelled tick half way between labels. An integer
// axis (clock values, queue lengths) has ticks on integers only.
type niceTicks struct{ integer bool }

func (t niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'f', -1, 64)}}
	}
	step := niceStep(hi - lo)
	if t.integer && step < 1 {
		step = 1
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if m := step * math.Pow10(decimals); math.Abs(m-math.Round(m)) > 1e-9 {
		decimals++ // 2.5 × 10^k
	}
	var ts []plot.Tick
	for k := math.Ceil(lo / step * 2); k/2*step <= hi*(1+1e-12); k++ {
		v := k / 2 * step
		tick := plot.Tick{Value: v}
		if math.Mod(k, 2) == 0 {
			tick.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		} else if t.integer && v != math.Trunc(v) {
			continue
		}
		ts = append(ts, tick)
	}
	return ts
}

// niceStep returns the smallest of 1, 2, 2.5, 5 × 10^k that divides span
// into at most 7 steps.
func niceStep(span float64) float64 {
	p := math.Pow10(int(math.Floor(math.Log10(span / 7))))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if span/(m*p) <= 7 {
			return m * p
		}
	}
	return 10 * p
}

// drawLegend draws the legend as rows of centred entries below top and
// returns the y below it.
func (f *Figure) drawLegend(c draw.Canvas, top, width vg.Length) vg.Length {
	st := textStyle(11, false, textColor)
	st.YAlign = draw.YCenter
	type entry struct {
		label string
		style draw.LineStyle
		w     vg.Length
	}
	var entries []entry
	for i := range f.Series {
		if i == maxLegend && len(f.Series) > maxLegend+1 {
			l := fmt.Sprintf("and %d more", len(f.Series)-maxLegend)
			entries = append(entries, entry{label: l, w: st.Width(l)})
			break
		}
		l := f.Series[i].Label()
		entries = append(entries, entry{l, seriesStyle(i), sampleLen + 5 + st.Width(l)})
	}
	h := st.Height("machine 0")
	y := top - h/2
	for len(entries) > 0 {
		// Fill a row.
		n, w := 0, vg.Length(0)
		for n < len(entries) {
			add := entries[n].w
			if n > 0 {
				add += entryGap
			}
			if n > 0 && w+add > width-2*margin {
				break
			}
			w += add
			n++
		}
		x := c.Min.X + (width-w)/2
		for _, e := range entries[:n] {
			if e.style.Color != nil {
				c.StrokeLine2(e.style, x, y, x+sampleLen, y)
				c.FillText(st, vg.Point{X: x + sampleLen + 5, Y: y}, e.label)
			} else {
				c.FillText(st, vg.Point{X: x, Y: y}, e.label)
			}
			x += e.w + entryGap
		}
		entries = entries[n:]
		y -= h + lineGap
	}
	return y + h/2
}

// wrap breaks txt into as few lines no wider than width in style st as
// greedy filling needs, at spaces, and balances their lengths: it uses the
// narrowest width (to 1/64 of width) that gives no more lines.
func wrap(st text.Style, txt string, width vg.Length) []string {
	lines := wrapGreedy(st, txt, width)
	if len(lines) < 2 {
		return lines
	}
	lo, hi := vg.Length(0), width // hi always gives len(lines) lines
	for hi-lo > width/64 {
		mid := (lo + hi) / 2
		if len(wrapGreedy(st, txt, mid)) <= len(lines) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return wrapGreedy(st, txt, hi)
}

// wrapGreedy fills each line with as many words as fit in width (a word
// wider than width has a line of its own).
func wrapGreedy(st text.Style, txt string, width vg.Length) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(txt) {
		if line == "" {
			line = w
			continue
		}
		if st.Width(line+" "+w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line += " " + w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
