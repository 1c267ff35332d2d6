package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

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
	// Panels are the panels drawn, left to right, by name (see
	// PanelNames); nil for DefaultPanels, the paper's two.
	Panels []string
	// From and To are the time axis' window in ns, for zooming: From 0
	// is the start of the run, To 0 the end of the time axis. Window
	// checks them.
	From, To int64
	// Fastest is the largest rate in ticks per second, the slope of the
	// lag panel's reference line; 0 when unknown, and then the lag panel
	// uses the largest clock over the end of the time axis.
	Fastest float64
}

// Panel names: the logical clock, the queue length, and the lag, the
// fastest rate × t − clock, which separates machines that share a clock
// line.
const (
	PanelClock = "clock"
	PanelQueue = "queue"
	PanelLag   = "lag"
)

// PanelNames are the panels a figure can draw; DefaultPanels are the
// paper's.
var (
	PanelNames    = []string{PanelClock, PanelQueue, PanelLag}
	DefaultPanels = []string{PanelClock, PanelQueue}
)

// ParsePanels parses a comma-separated list of panel names such as
// "clock,queue,lag": each at most once, at least one.
func ParsePanels(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(PanelNames, name) {
			return nil, fmt.Errorf("panels %q: %q is not a panel (want a list of clock, queue and lag, such as clock,queue,lag)", list, name)
		}
		if slices.Contains(out, name) {
			return nil, fmt.Errorf("panels %q: %s is listed twice", list, name)
		}
		out = append(out, name)
	}
	return out, nil
}

func (f *Figure) panelNames() []string {
	if len(f.Panels) == 0 {
		return DefaultPanels
	}
	return f.Panels
}

// Window returns the time axis' span in seconds: From to To, To by
// default the end of the run (Duration, or the last record if later). An
// empty window, or one that starts after the run ends, is an error.
func (f *Figure) Window() (lo, hi float64, err error) {
	ext := f.extent()
	end := float64(ext.End) / 1e9
	if f.Duration > 0 {
		end = max(end, float64(f.Duration)/1e9)
	}
	if end <= 0 {
		end = 1
	}
	lo, hi = float64(f.From)/1e9, end
	if f.To > 0 {
		hi = float64(f.To) / 1e9
	}
	switch {
	case f.From < 0 || f.To < 0:
		return 0, 0, fmt.Errorf("the window starts or ends before 0 s")
	case lo >= end:
		return 0, 0, fmt.Errorf("the window starts at %g s, at or after the run's end at %g s", lo, end)
	case hi <= lo:
		return 0, 0, fmt.Errorf("the window ends at %g s, not after its start at %g s", hi, lo)
	}
	return lo, hi, nil
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
	// Theory, when not nil, is the machine's predicted line, drawn dashed
	// over its data in every panel.
	Theory *Theory
}

// Theory is a machine's predicted growth: its clock and queue rise at
// ClockSlope and QueueSlope per second from 0 at time 0 (as
// analysis.Predict gives them).
type Theory struct {
	ClockSlope, QueueSlope float64
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
func FigureFormat(path string) (string, error) { return FormatOf(path, "figure") }

// FormatOf is FigureFormat for any picture drawn with gonum/plot's canvas;
// what names it in errors ("figure", "diagram").
func FormatOf(path, what string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, f := range FigureFormats {
		if ext == f {
			return f, nil
		}
	}
	if ext == "" {
		return "", fmt.Errorf("%s: no file extension; a %s is written as .png, .svg or .pdf", path, what)
	}
	return "", fmt.Errorf("%s: unsupported %s format %q; use .png, .svg or .pdf", path, what, "."+ext)
}

// WriteFigure renders f in the format ("png", "svg" or "pdf") to w. The
// same figure always gives the same bytes.
func WriteFigure(w io.Writer, f *Figure, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	return writeCanvas(w, format, FigureWidth, FigureHeight, func(c draw.Canvas, ts titleStyle, vector bool) error {
		columns := 1
		if vector {
			columns = vectorColumnsPerDot
		}
		_, err := f.draw(c, columns, ts)
		return err
	})
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

// dashes are the line patterns of the machines after the third (see
// seriesStyle).
var dashes = [][]vg.Length{
	{vg.Points(6), vg.Points(3)},
	{vg.Points(1.5), vg.Points(2)},
	{vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)},
}

// lineWidths are the widths of the lines of a figure of 1, 2 and 3 or
// more machines, in drawing order (see seriesStyle).
var lineWidths = [][]vg.Length{
	{vg.Points(1.5)},
	{vg.Points(2.6), vg.Points(1.2)},
	{vg.Points(4.4), vg.Points(2.8), vg.Points(1.2)},
}

// theoryDashes is the pattern of the predicted lines.
var theoryDashes = []vg.Length{vg.Points(5), vg.Points(4)}

// SeriesColor returns the colour of the i-th series of a figure (by
// position, not by machine id).
func SeriesColor(i int) color.RGBA { return palette[i%len(palette)] }

// seriesStyle returns the line of the i-th of n series. Machines often
// share a line (A1's three clocks; A3's two fast ones), so the lines are
// nested rather than offset, which would move them off their values:
// they are drawn in machine order, each narrower than the one before, so
// that a line drawn over another leaves a rim of it visible on both
// sides (machine 0 widest, the third and later ones narrowest). From the
// fourth on, the narrowest lines are dashed, each pattern leaving gaps
// through which the line under it shows; beyond the palette's seven
// colours the pattern tells the machines of one colour apart.
func seriesStyle(i, n int) draw.LineStyle {
	ws := lineWidths[min(max(n, 1), len(lineWidths))-1]
	st := draw.LineStyle{Color: SeriesColor(i), Width: ws[min(i, len(ws)-1)]}
	if i >= len(lineWidths) {
		st.Dashes = dashes[(i-len(lineWidths))%len(dashes)]
	}
	return st
}

// theoryStyle returns the predicted line of the i-th series.
func theoryStyle(i int) draw.LineStyle {
	return draw.LineStyle{Color: SeriesColor(i), Width: vg.Points(1.2), Dashes: theoryDashes}
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
// FigureDPI) of the canvas' width, and returns the panels' data areas.
// Only a Source's error and a bad window are returned.
func (f *Figure) draw(c draw.Canvas, perDot int, title titleStyle) ([]vg.Rectangle, error) {
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
	names := f.panelNames()
	x0, x1, err := f.Window()
	if err != nil {
		return nil, err
	}
	// The lines are thinned to the canvas' width in columns, more than
	// any panel's: the panels' widths depend on their y axes, which
	// depend on the points in the window.
	cols := int(math.Ceil(width.Dots(FigureDPI))) * perDot
	lines, theory, err := f.lines(names, x0, x1, cols)
	if err != nil {
		return nil, err
	}
	plots := make([]*plot.Plot, len(names))
	for k, name := range names {
		p := f.panel(panelLabels[name])
		p.X.Min, p.X.Max = x0, x1
		p.Y.Min, p.Y.Max = yRange(name, lines, theory, k, f.From > 0 || f.To > 0)
		plots[k] = p
	}
	area := c
	area.Max.Y = y - lineGap
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: 28, PadLeft: margin, PadRight: margin + 6, PadBottom: margin / 2}
	panels := plot.Align([][]*plot.Plot{plots}, tiles, area)
	n := len(f.Series)
	areas := make([]vg.Rectangle, len(plots))
	for k, p := range plots {
		areas[k] = p.DataCanvas(panels[0][k]).Rectangle
		for i := range f.Series {
			p.Add(&figureLine{xys: lines[i][k], style: seriesStyle(i, n), raster: perDot == 1})
		}
		for i := range theory {
			if theory[i] != nil {
				p.Add(&figureLine{xys: theory[i][k], style: theoryStyle(i)})
			}
		}
		p.Draw(panels[0][k])
	}
	return areas, nil
}

// panelLabels are the y labels of the panels.
var panelLabels = map[string]string{
	PanelClock: "logical clock",
	PanelQueue: "queue length (messages)",
	PanelLag:   "lag (fastest rate × t − clock)",
}

// headroom is the fraction of a y axis left free above the data (and
// below it where the axis does not start at 0), so that no peak touches
// the frame: 5 %, and 1 % more for the widest line's half-width.
const headroom = 0.06

// yRange returns the y axis of panel k: the span of its lines (data and
// predicted) with headroom. The clock and queue axes start at 0 (clocks
// and queues are never negative) unless zoomed, when the clock axis
// starts at the lowest clock in the window.
func yRange(name string, lines [][]plotter.XYs, theory [][]plotter.XYs, k int, zoomed bool) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, ls := range [][][]plotter.XYs{lines, theory} {
		for _, l := range ls {
			if l == nil {
				continue
			}
			for _, p := range l[k] {
				lo, hi = min(lo, p.Y), max(hi, p.Y)
			}
		}
	}
	if lo > hi { // no points
		lo, hi = 0, 1
	}
	if name == PanelQueue || name == PanelClock && !zoomed {
		lo = min(lo, 0)
	}
	if hi-lo < 1 {
		hi = lo + 1
	}
	if lo != 0 {
		pad := (hi - lo) * headroom / (1 - 2*headroom)
		return lo - pad, hi + pad
	}
	return lo, hi + (hi-lo)*headroom/(1-headroom)
}

// extent returns the extent of the figure's records.
func (f *Figure) extent() Extent {
	if f.Source != nil {
		return f.Source.Extent()
	}
	return seriesSource(f.Series).Extent()
}

// seriesSource is the series' Records as a Source.
type seriesSource []Series

func (s seriesSource) Extent() Extent {
	var e Extent
	for _, s := range s {
		for _, r := range s.Records {
			e.End, e.Clock, e.Queue = max(e.End, r.At), max(e.Clock, r.Clock), max(e.Queue, r.Queue)
		}
	}
	return e
}

func (s seriesSource) Replay(add func(int, []sim.Record)) error {
	for i := range s {
		add(i, s[i].Records)
	}
	return nil
}

// fastest returns the slope of the lag panel's reference line, in clock
// units per second.
func (f *Figure) fastest() float64 {
	if f.Fastest > 0 {
		return f.Fastest
	}
	if e := f.extent(); e.End > 0 {
		return float64(e.Clock) / (float64(e.End) / 1e9)
	}
	return 0
}

// windowed feeds the points of one line in the window [x0, x1] to a
// Thinner, with the last point before the window and the first after it,
// so that the line runs to the window's edges.
type windowed struct {
	th       *Thinner
	x0, x1   float64
	prev     plotter.XY
	has, end bool
}

func (w *windowed) add(p plotter.XY) {
	switch {
	case w.end:
	case p.X < w.x0:
		w.prev, w.has = p, true
	default:
		if w.has {
			w.th.Add(w.prev)
			w.has = false
		}
		w.th.Add(p)
		w.end = p.X > w.x1
	}
}

// lines returns the points drawn of each series in each panel (by name):
// its records in the window [x0, x1], in seconds, decimated to columns
// over the window, the queue's as steps (a length holds until the next
// tick); and the predicted lines of the series that have one (nil for the
// others).
func (f *Figure) lines(names []string, x0, x1 float64, columns int) (lines, theory [][]plotter.XYs, err error) {
	src := f.Source
	if src == nil {
		src = seriesSource(f.Series)
	}
	fastest := f.fastest()
	ws := make([][]*windowed, len(f.Series))
	for i := range ws {
		ws[i] = make([]*windowed, len(names))
		for k := range names {
			ws[i][k] = &windowed{th: NewThinner(x0, x1, columns), x0: x0, x1: x1}
		}
	}
	err = src.Replay(func(i int, batch []sim.Record) {
		for k, name := range names {
			w := ws[i][k]
			for _, r := range batch {
				x := float64(r.At) / 1e9
				var y float64
				switch name {
				case PanelClock:
					y = float64(r.Clock)
				case PanelQueue:
					y = float64(r.Queue)
				default:
					y = fastest*x - float64(r.Clock)
				}
				w.add(plotter.XY{X: x, Y: y})
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	lines = make([][]plotter.XYs, len(f.Series))
	theory = make([][]plotter.XYs, len(f.Series))
	for i, s := range f.Series {
		lines[i] = make([]plotter.XYs, len(names))
		for k, name := range names {
			pts := ws[i][k].th.Points()
			if name == PanelQueue {
				pts = steps(pts)
			}
			lines[i][k] = pts
		}
		if s.Theory == nil {
			continue
		}
		theory[i] = make([]plotter.XYs, len(names))
		for k, name := range names {
			slope := s.Theory.ClockSlope
			switch name {
			case PanelQueue:
				slope = s.Theory.QueueSlope
			case PanelLag:
				slope = fastest - s.Theory.ClockSlope
			}
			theory[i][k] = plotter.XYs{{X: x0, Y: slope * x0}, {X: x1, Y: slope * x1}}
		}
	}
	return lines, theory, nil
}

// steps returns the line of a quantity that holds its value until the
// next point: a horizontal then a vertical segment between points.
// Stepping decimated points draws what stepping all of them would: a
// column's last point and the next one's first are kept.
func steps(pts plotter.XYs) plotter.XYs {
	if len(pts) < 2 {
		return pts
	}
	out := make(plotter.XYs, 0, 2*len(pts)-1)
	out = append(out, pts[0])
	for _, p := range pts[1:] {
		if prev := out[len(out)-1]; p.Y != prev.Y && p.X != prev.X {
			out = append(out, plotter.XY{X: p.X, Y: prev.Y})
		}
		out = append(out, p)
	}
	return out
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
		if v == 0 {
			v = 0 // not -0, which would be labelled "-0"
		}
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
		entries = append(entries, entry{l, seriesStyle(i, len(f.Series)), sampleLen + 5 + st.Width(l)})
	}
	if slices.ContainsFunc(f.Series, func(s Series) bool { return s.Theory != nil }) {
		l := "predicted (dashed)"
		sample := theoryStyle(0)
		sample.Color = subColor
		entries = append(entries, entry{l, sample, sampleLen + 5 + st.Width(l)})
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
