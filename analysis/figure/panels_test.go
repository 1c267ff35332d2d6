package figure

import (
	"image"
	"image/color"
	imagedraw "image/draw"
	"testing"
	"time"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"desim/sim"
)

// renderPanels draws f as PNG does and returns the image and the pixel
// rectangles of its panels' data areas.
func renderPanels(t *testing.T, f *Figure) (*image.RGBA, []image.Rectangle) {
	t.Helper()
	c := vgimg.NewWith(vgimg.UseWH(FigureWidth, FigureHeight), vgimg.UseDPI(FigureDPI))
	areas, err := f.draw(draw.New(c), 1, boldTitle)
	if err != nil {
		t.Fatal(err)
	}
	img := c.Image()
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		imagedraw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, imagedraw.Src)
	}
	h := FigureHeight.Dots(FigureDPI)
	var rects []image.Rectangle
	for _, a := range areas {
		rects = append(rects, image.Rect(
			int(a.Min.X.Dots(FigureDPI)+0.5), int(h-a.Max.Y.Dots(FigureDPI)+0.5),
			int(a.Max.X.Dots(FigureDPI)+0.5), int(h-a.Min.Y.Dots(FigureDPI)+0.5)))
	}
	return rgba, rects
}

// coloured reports whether a pixel is drawn in a colour (not white, grey
// or black: grid, axes and text are grey).
func coloured(c color.RGBA) bool {
	return max(c.R, c.G, c.B)-min(c.R, c.G, c.B) > 40
}

// rowsOf returns, for each colour, the set of rows of r holding a pixel
// nearer that colour than any other of cs, white and light grey, and
// within a distance of it (antialiasing blends a line's narrow rims).
func rowsOf(img *image.RGBA, r image.Rectangle, cs []color.RGBA) []map[int]bool {
	out := make([]map[int]bool, len(cs))
	for i := range out {
		out[i] = map[int]bool{}
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if i := nearest(img.RGBAAt(x, y), cs); i >= 0 {
				out[i][y] = true
			}
		}
	}
	return out
}

func colours(n int) []color.RGBA {
	var cs []color.RGBA
	for i := range n {
		cs = append(cs, SeriesColor(i))
	}
	return cs
}

// TestA1LagPanel: A1's three machines share every line (their clocks are
// equal tick for tick), and each stays visible in each of the three
// panels; in the lag panel each colour has pixel rows of its own.
func TestA1LagPanel(t *testing.T) {
	f := plotScenarioRun(t, "A1", 60*time.Second)
	f.Panels, f.Fastest = []string{PanelClock, PanelQueue, PanelLag}, 6
	img, rects := renderPanels(t, f)
	if len(rects) != 3 {
		t.Fatalf("%d panels, want 3", len(rects))
	}
	cs := colours(3)
	for k, r := range rects {
		for i, rows := range rowsOf(img, r, cs) {
			if len(rows) < 2 {
				t.Errorf("panel %d: machine %d's colour is on %d pixel rows, want it visible", k, i, len(rows))
			}
		}
	}
	rows := rowsOf(img, rects[2], cs)
	for i := range cs {
		own := 0
		for y := range rows[i] {
			alone := true
			for j := range cs {
				if j != i && rows[j][y] {
					alone = false
				}
			}
			if alone {
				own++
			}
		}
		if own == 0 {
			t.Errorf("lag panel: machine %d's colour has no pixel row without another machine's (rows %v)", i, rows)
		}
	}
}

// TestHeadroom: no series pixel lies in the top 4 % of any panel, with
// and without predicted lines.
func TestHeadroom(t *testing.T) {
	a3 := plotScenarioRun(t, "A3", 120*time.Second)
	a3.Panels = PanelNames
	theory := separatedFigure()
	theory.Panels = PanelNames
	theory.Series[0].Theory = &Theory{ClockSlope: 3, QueueSlope: 0.5}
	for name, f := range map[string]*Figure{"separated": separatedFigure(), "A3": a3, "theory": theory} {
		img, rects := renderPanels(t, f)
		for k, r := range rects {
			top := r
			top.Max.Y = r.Min.Y + r.Dy()*4/100
			for y := top.Min.Y; y < top.Max.Y; y++ {
				for x := top.Min.X; x < top.Max.X; x++ {
					if coloured(img.RGBAAt(x, y)) {
						t.Errorf("%s, panel %d: a series pixel at (%d, %d), in the top 4%% (rows %d to %d)", name, k, x, y, top.Min.Y, top.Max.Y-1)
						y, x = top.Max.Y, top.Max.X
					}
				}
			}
		}
	}
}

// TestQueueSteps: a queue that jumps between 0 and 4 every 10 s, sampled
// every second, is drawn with vertical runs as tall as the jump (a slope
// would spread each jump over a second's worth of columns).
func TestQueueSteps(t *testing.T) {
	var recs []sim.Record
	for k := range int64(101) {
		recs = append(recs, sim.Record{At: k * 1e9, Clock: k, Queue: 4 * (k / 10 % 2)})
	}
	f := &Figure{Panels: []string{PanelQueue}, Series: []Series{{ID: 0, Records: recs}}}
	img, rects := renderPanels(t, f)
	r := rects[0]
	// The jump's height in pixels: 4 of the axis' 4 × 1.05.
	want := int(float64(r.Dy()) * 4 / 4.2 * 0.9)
	tall := 0
	for x := r.Min.X; x < r.Max.X; x++ {
		run, best := 0, 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			if img.RGBAAt(x, y) == SeriesColor(0) {
				run++
				best = max(best, run)
			} else {
				run = 0
			}
		}
		if best >= want {
			tall++
		}
	}
	// Ten jumps, each a line 1.5 points (2 pixels) wide.
	if tall < 10 {
		t.Errorf("%d columns with a vertical run of at least %d pixels, want at least 10 (one per jump)", tall, want)
	}
}

// TestZoom: a window draws the records in it (and one on each side, so
// that the lines reach its edges), with the clock axis fitted to them.
func TestZoom(t *testing.T) {
	f := separatedFigure()
	f.From, f.To = 20e9, 30e9
	lo, hi, err := f.Window()
	if err != nil || lo != 20 || hi != 30 {
		t.Fatalf("Window() = %g, %g, %v; want 20, 30", lo, hi, err)
	}
	lines, _, err := f.lines(DefaultPanels, lo, hi, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		pts := lines[i][0]
		if len(pts) < 40 {
			t.Errorf("machine %d: %d points in the window, want the 51 records of [20 s, 30 s] and their neighbours", i, len(pts))
		}
		for j, p := range pts {
			if (p.X < 20 && j != 0) || (p.X > 30 && j != len(pts)-1) {
				t.Errorf("machine %d: point %d at %g s is outside the window", i, j, p.X)
			}
		}
	}
	img, rects := renderPanels(t, f)
	for k, r := range rects {
		for i, n := range colorCounts(img, r, colours(3)) {
			if n < 50 {
				t.Errorf("zoomed panel %d: %d pixels of machine %d's colour", k, n, i)
			}
		}
		// The clock axis spans the window's clocks: machine 0's line
		// (the lowest) reaches the bottom tenth of the panel and machine
		// 2's (the highest) its top tenth.
		if k == 0 {
			rows := rowsOf(img, r, colours(3))
			low, high := false, false
			for y := range rows[0] {
				low = low || y >= r.Max.Y-r.Dy()/10
			}
			for y := range rows[2] {
				high = high || y < r.Min.Y+r.Dy()/10
			}
			if !low || !high {
				t.Errorf("zoomed clock panel: the lines do not span the axis (machine 0 at the bottom: %v, machine 2 at the top: %v)", low, high)
			}
		}
	}
	for _, w := range [][2]int64{{200e9, 0}, {30e9, 20e9}, {100e9, 0}, {-1, 0}} {
		g := separatedFigure()
		g.From, g.To = w[0], w[1]
		if _, _, err := g.Window(); err == nil {
			t.Errorf("Window() of [%d, %d] ns: no error", w[0], w[1])
		}
	}
}

// TestTheoryDashed: a predicted line is drawn in the machine's colour,
// dashed: the columns where it changes the figure come in many runs.
func TestTheoryDashed(t *testing.T) {
	plain := separatedFigure()
	plain.Panels = PanelNames
	withTheory := separatedFigure()
	withTheory.Panels = PanelNames
	// Machine 0's clock rises at 2/s; its prediction at 1/s stays clear of
	// its data after the start.
	withTheory.Series[0].Theory = &Theory{ClockSlope: 1, QueueSlope: 0.1}
	a, ra := renderPanels(t, plain)
	b, rb := renderPanels(t, withTheory)
	if ra[0] != rb[0] {
		t.Fatalf("the clock panel moved: %v, %v", ra[0], rb[0])
	}
	r := ra[0]
	runs, in := 0, false
	for x := r.Min.X; x < r.Max.X; x++ {
		diff := false
		for y := r.Min.Y; y < r.Max.Y && !diff; y++ {
			diff = a.RGBAAt(x, y) != b.RGBAAt(x, y) && b.RGBAAt(x, y) == SeriesColor(0)
		}
		if diff && !in {
			runs++
		}
		in = diff
	}
	if runs < 10 {
		t.Errorf("the predicted line adds %d runs of columns in machine 0's colour, want at least 10 (a dashed line)", runs)
	}
}

func TestParsePanels(t *testing.T) {
	if ps, err := ParsePanels("clock, queue,lag"); err != nil || len(ps) != 3 || ps[2] != PanelLag {
		t.Errorf("ParsePanels = %v, %v", ps, err)
	}
	for _, bad := range []string{"", "clock,", "clocks", "lag,lag", "clock;queue"} {
		if ps, err := ParsePanels(bad); err == nil {
			t.Errorf("ParsePanels(%q) = %v, want an error", bad, ps)
		}
	}
}

// nearest returns the index of the colour of cs nearest px, or -1 when
// white, grey or another colour is nearer or none is near.
func nearest(px color.RGBA, cs []color.RGBA) int {
	d := func(a, b color.RGBA) int {
		dr, dg, db := int(a.R)-int(b.R), int(a.G)-int(b.G), int(a.B)-int(b.B)
		return dr*dr + dg*dg + db*db
	}
	best, bd := -1, 60*60
	for i, c := range cs {
		if v := d(px, c); v < bd {
			best, bd = i, v
		}
	}
	for _, o := range []color.RGBA{{0xFF, 0xFF, 0xFF, 0xFF}, {0xE0, 0xE0, 0xE0, 0xFF}} {
		if d(px, o) < bd {
			return -1
		}
	}
	return best
}
