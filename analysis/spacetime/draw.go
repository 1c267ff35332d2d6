package spacetime

import (
	"desim/analysis/figure"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"desim/sim"
)

// Size of a diagram: Width wide; RowHeight per machine (less when there
// are many) plus the header and the time axis. PNG is rendered at DPI.
const (
	Width     = 12 * vg.Inch
	RowHeight = 1.1 * vg.Inch
	DPI       = figure.FigureDPI
	header    = 0.85 * vg.Inch
	axis      = 0.55 * vg.Inch
)

// Height returns the height of a diagram of rows machines.
func Height(rows int) vg.Length {
	rh := RowHeight
	if rows > 6 {
		rh = max(0.4*vg.Inch, 6.6*vg.Inch/vg.Length(rows))
	}
	return header + axis + rh*vg.Length(max(rows, 1))
}

// Kind is how a tick is drawn: its dot's colour and legend entry.
type Kind int

// The kinds of ticks.
const (
	Internal Kind = iota
	Send
	Broadcast
	Receive
)

// KindOf returns the kind of a tick of event ev.
func KindOf(ev sim.Event) Kind {
	switch {
	case ev == sim.Receive:
		return Receive
	case ev == sim.Broadcast:
		return Broadcast
	case ev.IsSend():
		return Send
	}
	return Internal
}

// KindColors are the dots' colours by Kind, from the Okabe–Ito palette
// (distinct under colour blindness), internal events in grey.
var KindColors = [4]color.RGBA{
	{0x99, 0x99, 0x99, 0xFF}, // internal: grey
	{0x00, 0x72, 0xB2, 0xFF}, // send: blue
	{0xD5, 0x5E, 0x00, 0xFF}, // broadcast: vermillion
	{0x00, 0x9E, 0x73, 0xFF}, // receive: bluish green
}

var kindNames = [4]string{"internal", "send", "broadcast", "receive"}

var (
	textColor    = color.Gray{0x00}
	rowColor     = color.Gray{0xC8}
	messageColor = color.RGBA{0x40, 0x40, 0x40, 0xFF}
	messageLine  = draw.LineStyle{Color: messageColor, Width: vg.Points(0.8)}
	waitLine     = draw.LineStyle{Color: messageColor, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
)

func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

func textStyle(size vg.Length, xa draw.XAlignment, ya draw.YAlignment) text.Style {
	return text.Style{Color: textColor, Font: sans(size), XAlign: xa, YAlign: ya, Handler: plot.DefaultTextHandler}
}

// Formats are the output formats, by file extension (figure.FigureFormats).
var Formats = figure.FigureFormats

// Format returns the format of a diagram written to path, from its
// extension (case-insensitive): "png", "svg" or "pdf".
func Format(path string) (string, error) { return figure.FormatOf(path, "diagram") }

// Write renders d in format ("png", "svg" or "pdf") to w, through
// figure.Encode. The same diagram always gives the same bytes.
func Write(w io.Writer, d *Diagram, format string) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("unsupported diagram format %q; use png, svg or pdf", format)
	}
	return figure.Encode(w, format, Width, Height(len(d.Rows)), func(c draw.Canvas, _ string) error {
		d.draw(c)
		return nil
	})
}

const margin = 10 * vg.Length(1)

// draw draws the diagram on c: title, legend, then the rows under a time
// axis.
func (d *Diagram) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	width := c.Max.X - c.Min.X
	y := c.Max.Y - margin
	title := d.Title
	span := fmt.Sprintf("%s s to %s s", secs(d.From), secs(d.To))
	if title != "" {
		title += ": " + span
	} else {
		title = span
	}
	st := textStyle(14, draw.XCenter, draw.YTop)
	c.FillText(st, vg.Point{X: c.Min.X + width/2, Y: y}, title)
	y -= st.Height(title) + 8
	y = drawLegend(c, y, width)

	p := plot.New()
	p.BackgroundColor = nil
	p.X.Min, p.X.Max = float64(d.From)/1e9, float64(d.To)/1e9
	p.Y.Min, p.Y.Max = -0.5, float64(len(d.Rows))-0.5
	p.X.Label.Text = "time (s)"
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(12)
		a.Tick.Label.Font = sans(10)
		a.Padding = 4
	}
	labels := make([]string, len(d.Rows))
	for r, row := range d.Rows {
		labels[r] = row.Label
	}
	p.Y.Tick.Marker = rowTicks(labels)
	p.Y.LineStyle.Width, p.Y.Tick.LineStyle.Width = 0, 0
	p.X.Tick.Marker = timeTicks{}
	p.Add(diagramPlotter{d})
	area := c
	area.Max.Y = y - 4
	area.Min.X += margin
	area.Max.X -= margin + 6
	area.Min.Y += margin / 2
	p.Draw(area)
}

// secs formats ns as seconds without trailing zeros: "10", "2.5".
func secs(ns int64) string {
	s := strings.TrimRight(string(sim.AppendSeconds(nil, ns)), "0")
	return strings.TrimSuffix(s, ".")
}

// drawLegend draws one centred row of legend entries below top and
// returns the y below it.
func drawLegend(c draw.Canvas, top, width vg.Length) vg.Length {
	st := textStyle(11, draw.XLeft, draw.YCenter)
	h := st.Height("M")
	y := top - h/2
	type entry struct {
		label string
		draw  func(x vg.Length) vg.Length // draws the sample, returns its width
	}
	var entries []entry
	for k := range KindColors {
		k := k
		entries = append(entries, entry{kindNames[k], func(x vg.Length) vg.Length {
			dot(c, vg.Point{X: x + 4, Y: y}, 4, KindColors[k])
			return 8
		}})
	}
	entries = append(entries,
		entry{"message", func(x vg.Length) vg.Length {
			c.StrokeLine2(messageLine, x, y, x+22, y)
			arrowHead(c, vg.Point{X: x, Y: y}, vg.Point{X: x + 22, Y: y})
			return 22
		}},
		entry{"waiting in the queue", func(x vg.Length) vg.Length {
			c.StrokeLine2(waitLine, x, y, x+22, y)
			return 22
		}},
		entry{"Lamport clock", func(x vg.Length) vg.Length {
			lt := textStyle(8, draw.XLeft, draw.YCenter)
			c.FillText(lt, vg.Point{X: x, Y: y}, "17")
			return lt.Width("17")
		}},
	)
	const sampleGap, entryGap = 5, 16
	var total vg.Length
	for k, e := range entries {
		w := sampleWidth(e.label, st) + sampleGap + st.Width(e.label)
		if k > 0 {
			total += entryGap
		}
		total += w
	}
	x := c.Min.X + (width-total)/2
	for _, e := range entries {
		w := e.draw(x)
		c.FillText(st, vg.Point{X: x + w + sampleGap, Y: y}, e.label)
		x += w + sampleGap + st.Width(e.label) + entryGap
	}
	return y - h/2 - 6
}

// sampleWidth is the width of a legend entry's sample (see drawLegend).
func sampleWidth(label string, st text.Style) vg.Length {
	switch label {
	case "message", "waiting in the queue":
		return 22
	case "Lamport clock":
		return textStyle(8, draw.XLeft, draw.YCenter).Width("17")
	}
	return 8
}

// dot draws a filled circle.
func dot(c draw.Canvas, p vg.Point, r vg.Length, col color.Color) {
	var path vg.Path
	path.Move(vg.Point{X: p.X + r, Y: p.Y})
	path.Arc(p, r, 0, 2*math.Pi)
	path.Close()
	c.SetColor(col)
	c.Fill(path)
}

// arrowHead draws a filled arrowhead at to, pointing from from.
func arrowHead(c draw.Canvas, from, to vg.Point) {
	dx, dy := float64(to.X-from.X), float64(to.Y-from.Y)
	l := math.Hypot(dx, dy)
	if l == 0 {
		return
	}
	ux, uy := dx/l, dy/l
	const length, half = 5.5, 2.4
	bx, by := float64(to.X)-ux*length, float64(to.Y)-uy*length
	c.FillPolygon(messageColor, []vg.Point{
		to,
		{X: vg.Length(bx - uy*half), Y: vg.Length(by + ux*half)},
		{X: vg.Length(bx + uy*half), Y: vg.Length(by - ux*half)},
	})
}

// rowTicks labels the y axis with the rows' labels, row 0 at the top.
type rowTicks []string

func (t rowTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := make([]plot.Tick, len(t))
	for r, l := range t {
		ts[r] = plot.Tick{Value: float64(len(t) - 1 - r), Label: l}
	}
	return ts
}

// timeTicks labels the time axis every 1, 2 or 5 × 10^k seconds, 4 to 10
// labels, in plain decimals.
type timeTicks struct{}

func (timeTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) {
		return nil
	}
	p := math.Pow10(int(math.Floor(math.Log10(span / 8))))
	step := 10 * p
	for _, m := range []float64{1, 2, 5} {
		if span/(m*p) <= 10 {
			step = m * p
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ts []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi*(1+1e-12); k++ {
		v := k * step
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
	}
	return ts
}

// diagramPlotter draws the rows, the messages, the dots and the clock
// values on the plot's data area.
type diagramPlotter struct{ d *Diagram }

// Plot implements plot.Plotter.
func (dp diagramPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	d := dp.d
	trX, trY := p.Transforms(&c)
	rows := len(d.Rows)
	yOf := func(r int) vg.Length { return trY(float64(rows - 1 - r)) }
	xOf := func(ns int64) vg.Length { return trX(float64(ns) / 1e9) }
	rowGap := c.Max.Y - c.Min.Y
	if rows > 1 {
		rowGap = yOf(0) - yOf(1)
	}
	// Dots shrink when ticks crowd a row.
	most := 1
	for _, r := range d.Rows {
		most = max(most, len(r.Ticks))
	}
	radius := min(vg.Points(3.5), max(vg.Points(1.5), (c.Max.X-c.Min.X)/vg.Length(most)/3))

	for r := range d.Rows {
		c.StrokeLine2(draw.LineStyle{Color: rowColor, Width: vg.Points(1)}, c.Min.X, yOf(r), c.Max.X, yOf(r))
	}
	for _, m := range d.Messages {
		ya, yb := yOf(m.From), yOf(m.To)
		off := rowGap * 0.25
		if ya < yb {
			off = -off
		}
		p0 := vg.Point{X: xOf(m.Sent), Y: ya}
		p1 := vg.Point{X: xOf(m.Queued), Y: yb + off}
		for _, l := range c.ClipLinesXY([]vg.Point{p0, p1}) {
			c.StrokeLines(messageLine, l)
		}
		p2 := vg.Point{X: c.Max.X + 1, Y: yb + off} // still waiting at the end
		if m.State == sim.MessageReceived {
			p2 = vg.Point{X: xOf(m.Received), Y: yb}
		}
		if m.State == sim.MessageInFlight {
			continue
		}
		for _, l := range c.ClipLinesXY([]vg.Point{p1, p2}) {
			c.StrokeLines(waitLine, l)
		}
		if m.State == sim.MessageReceived && m.Received >= d.From && m.Received < d.To {
			// The head touches the dot's edge.
			dx, dy := float64(p2.X-p1.X), float64(p2.Y-p1.Y)
			if l := math.Hypot(dx, dy); l > float64(radius) {
				tip := vg.Point{X: p2.X - vg.Length(dx/l)*radius, Y: p2.Y - vg.Length(dy/l)*radius}
				arrowHead(c, p1, tip)
			}
		}
	}
	lt := textStyle(8, draw.XCenter, draw.YBottom)
	for r, row := range d.Rows {
		y := yOf(r)
		for _, t := range row.Ticks {
			dot(c, vg.Point{X: xOf(t.At), Y: y}, radius, KindColors[KindOf(t.Event)])
		}
		right := c.Min.X - 1000
		for _, t := range row.Ticks {
			x := xOf(t.At)
			s := strconv.FormatInt(t.Clock, 10)
			w := lt.Width(s)
			if x-w/2 < right+2 || x+w/2 > c.Max.X+2 {
				continue
			}
			c.FillText(lt, vg.Point{X: x, Y: y + radius + 1}, s)
			right = x + w/2
		}
	}
}
