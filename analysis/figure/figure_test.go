package figure

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	imagedraw "image/draw"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	// Imported for its side effect: it registers the -update flag, so that
	// "go test ./... -update" is accepted by this test binary too.
	_ "desim/internal/golden"
	"desim/scenarios"
	"desim/sim"
)

// plotRecorder is a sim.Sink that keeps every record, per machine.
type plotRecorder [][]sim.Record

func (r plotRecorder) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// plotScenarioRun runs a built-in scenario with seed 1 for d of virtual
// time and returns its figure.
func plotScenarioRun(tb testing.TB, name string, d time.Duration) *Figure {
	tb.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		tb.Fatal(err)
	}
	s.Duration = d
	eng, err := sim.New(s.Config(1))
	if err != nil {
		tb.Fatal(err)
	}
	rec := make(plotRecorder, len(s.Machines))
	if err := eng.Run(rec); err != nil {
		tb.Fatal(err)
	}
	f := &Figure{Title: s.Name, Subtitle: s.Description, Duration: int64(d)}
	for i, m := range s.Machines {
		f.Series = append(f.Series, Series{ID: i, Rate: m.Rate.String(), Records: rec[i]})
	}
	return f
}

// separatedFigure has three machines whose lines never cross or overlap
// in either panel: machine i's clock rises at (i+1)·2 per second, its
// queue at (3−i) per 10 s, over 100 s at 5 ticks per second.
func separatedFigure() *Figure {
	f := &Figure{Title: "T", Subtitle: "three machines on separate lines in both panels"}
	for i := range 3 {
		var recs []sim.Record
		for k := range int64(500) {
			at := k * 2e8
			recs = append(recs, sim.Record{At: at, Clock: k * 2 * int64(i+1) / 5, Queue: k * int64(3-i) / 50})
		}
		f.Series = append(f.Series, Series{ID: i, Rate: "5", Records: recs})
	}
	return f
}

func render(tb testing.TB, f *Figure, format string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := WriteFigure(&buf, f, format); err != nil {
		tb.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}

// colorCounts counts, for each colour of cs, the pixels of img in r that
// have exactly that colour.
func colorCounts(img image.Image, r image.Rectangle, cs []color.RGBA) []int {
	n := make([]int, len(cs))
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		imagedraw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, imagedraw.Src)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := rgba.Pix[rgba.PixOffset(r.Min.X, y):rgba.PixOffset(r.Max.X, y)]
		for x := 0; x+3 < len(row); x += 4 {
			px := color.RGBA{row[x], row[x+1], row[x+2], row[x+3]}
			for i, c := range cs {
				if px == c {
					n[i]++
				}
			}
		}
	}
	return n
}

func TestFigurePNGPanels(t *testing.T) {
	f := separatedFigure()
	img, err := png.Decode(bytes.NewReader(render(t, f, "png")))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	wantW := int(FigureWidth.Dots(FigureDPI) + 0.5)
	wantH := int(FigureHeight.Dots(FigureDPI) + 0.5)
	if b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	// Below the header (title, subtitle, legend: the top quarter), the
	// left half is the clock panel and the right half the queue panel.
	top := b.Min.Y + b.Dy()*3/10
	panels := map[string]image.Rectangle{
		"left (clock)":  image.Rect(b.Min.X, top, b.Min.X+b.Dx()/2, b.Max.Y),
		"right (queue)": image.Rect(b.Min.X+b.Dx()/2, top, b.Max.X, b.Max.Y),
	}
	var colors []color.RGBA
	for i := range f.Series {
		colors = append(colors, SeriesColor(i))
	}
	for _, name := range []string{"left (clock)", "right (queue)"} {
		for i, n := range colorCounts(img, panels[name], colors) {
			if n < 100 {
				t.Errorf("%s panel: %d pixels of machine %d's colour %v, want at least 100", name, n, i, colors[i])
			}
		}
	}
	// Header: a legend entry per machine, in its colour.
	header := image.Rect(b.Min.X, b.Min.Y, b.Max.X, b.Min.Y+b.Dy()/5)
	for i, n := range colorCounts(img, header, colors) {
		if n < 10 {
			t.Errorf("legend: %d pixels of machine %d's colour, want a line sample", n, i)
		}
	}
}

func TestSeriesColorsDistinct(t *testing.T) {
	seen := map[color.RGBA]int{}
	for i := range len(palette) {
		c := SeriesColor(i)
		if j, ok := seen[c]; ok {
			t.Errorf("series %d and %d have the same colour %v", j, i, c)
		}
		seen[c] = i
		if c == (color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}) || c.A != 0xFF {
			t.Errorf("series %d: colour %v is white or not opaque", i, c)
		}
	}
	// Beyond the palette colours repeat, with another line pattern.
	n := len(palette) + 1
	if seriesStyle(0, n).Color != seriesStyle(len(palette), n).Color {
		t.Errorf("series %d does not reuse the first colour", len(palette))
	}
	if len(seriesStyle(len(palette), n).Dashes) == 0 {
		t.Errorf("series %d is not dashed", len(palette))
	}
}

// TestFigureFormats renders each format twice: the output starts with the
// format's magic, and the same figure gives the same bytes.
func TestFigureFormats(t *testing.T) {
	for _, tc := range []struct{ format, magic string }{
		{"png", "\x89PNG\r\n\x1a\n"},
		{"svg", "<?xml"},
		{"pdf", "%PDF-"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out := render(t, separatedFigure(), tc.format)
			if !bytes.HasPrefix(out, []byte(tc.magic)) {
				t.Errorf("output starts with %q, want %q", out[:min(len(out), 16)], tc.magic)
			}
			if tc.format == "svg" && !bytes.Contains(out, []byte("<svg")) {
				t.Errorf("SVG output has no <svg element")
			}
			if tc.format == "svg" && (!bytes.Contains(out, svgFontFamily[1]) || bytes.Contains(out, svgFontFamily[0])) {
				t.Errorf("SVG output does not name Arial as the fallback of Liberation Sans")
			}
			if again := render(t, separatedFigure(), tc.format); !bytes.Equal(out, again) {
				t.Errorf("two renderings of the same figure differ")
			}
		})
	}
}

func TestFigureFormat(t *testing.T) {
	for _, tc := range []struct{ path, want, err string }{
		{"figure.png", "png", ""},
		{"out/A2/figure.PNG", "png", ""},
		{"a.svg", "svg", ""},
		{"dir.v1/a.pdf", "pdf", ""},
		{"a.jpg", "", `a.jpg: unsupported figure format ".jpg"; use .png, .svg or .pdf`},
		{"figure", "", "figure: no file extension; a figure is written as .png, .svg or .pdf"},
		{"a.png.gz", "", `unsupported figure format ".gz"`},
	} {
		got, err := FigureFormat(tc.path)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("FigureFormat(%q) = %q, %v; want %q", tc.path, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("FigureFormat(%q) = %q, %v; want an error containing %q", tc.path, got, err, tc.err)
		}
	}
	if err := WriteFigure(&bytes.Buffer{}, separatedFigure(), "gif"); err == nil {
		t.Errorf("WriteFigure accepted the format gif")
	}
}

// TestFigureEdgeCases draws figures with little or odd data, as SVG and
// on a raster canvas (PNG without the encoding): nothing may panic.
func TestFigureEdgeCases(t *testing.T) {
	many := &Figure{Title: "many"}
	for i := range 30 {
		many.Series = append(many.Series, Series{ID: i, Rate: "1/3", Records: []sim.Record{{At: 0}, {At: 3e9, Clock: int64(i), Queue: int64(i % 4)}}})
	}
	long := strings.Repeat("a long description that must wrap ", 12)
	for _, tc := range []struct {
		name string
		f    *Figure
	}{
		{"no series", &Figure{}},
		{"empty series", &Figure{Series: []Series{{ID: 0}, {ID: 1, Rate: "6"}}}},
		{"one record", &Figure{Series: []Series{{ID: 0, Records: []sim.Record{{At: 5e9, Clock: 1}}}}}},
		{"all at time 0", &Figure{Series: []Series{{ID: 0, Records: []sim.Record{{}, {Clock: 1}, {Clock: 2}}}}}},
		{"30 machines", many},
		{"long subtitle", &Figure{Title: "x", Subtitle: long, Series: separatedFigure().Series}},
		{"huge values", &Figure{Series: []Series{{ID: 7, Records: []sim.Record{{At: 0}, {At: 1e16, Clock: 1e12, Queue: 1e9}}}}}},
		{"duration past the data", &Figure{Duration: 600e9, Series: separatedFigure().Series}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out := render(t, tc.f, "svg"); len(out) < 100 {
				t.Errorf("SVG: only %d bytes", len(out))
			}
			c := vgimg.NewWith(vgimg.UseWH(FigureWidth, FigureHeight), vgimg.UseDPI(FigureDPI))
			tc.f.draw(draw.New(c), 1, boldTitle)
		})
	}
}

func TestSeriesLabel(t *testing.T) {
	for _, tc := range []struct {
		s    Series
		want string
	}{
		{Series{ID: 0, Rate: "6"}, "machine 0 (6 c/s)"},
		{Series{ID: 12, Rate: "1/3"}, "machine 12 (1/3 c/s)"},
		{Series{ID: 2}, "machine 2"},
	} {
		if got := tc.s.Label(); got != tc.want {
			t.Errorf("Label() = %q, want %q", got, tc.want)
		}
	}
}

// series returns n points at x = 0, 1, ..., n−1 with y = f(x).
func series(n int, f func(x int) float64) plotter.XYs {
	pts := make(plotter.XYs, n)
	for i := range pts {
		pts[i] = plotter.XY{X: float64(i), Y: f(i)}
	}
	return pts
}

var decimateCases = []struct {
	name    string
	pts     plotter.XYs
	columns int
}{
	{"line", series(10000, func(x int) float64 { return 3 * float64(x) }), 100},
	{"noise", series(10000, func(x int) float64 { return float64((x*7919)%101) - 50 }), 37},
	{"spike", series(5000, func(x int) float64 {
		if x == 2345 {
			return 1e6
		}
		return 0
	}), 50},
	{"dip", series(5000, func(x int) float64 {
		if x == 4999 {
			return -7
		}
		return 1
	}), 3},
	{"sine", series(20000, func(x int) float64 { return math.Sin(float64(x) / 30) }), 640},
	{"one column", series(1000, func(x int) float64 { return float64(x % 17) }), 1},
	{"zero columns", series(1000, func(x int) float64 { return float64(x % 17) }), 0},
	{"more columns than points", series(300, func(x int) float64 { return float64(x % 5) }), 1000},
	{"repeated x", func() plotter.XYs {
		p := series(4000, func(x int) float64 { return float64(x % 9) })
		for i := range p {
			p[i].X = float64(i / 100)
		}
		return p
	}(), 10},
}

// decimateColumn is the column of a point, as Decimate computes it
// over [0, last x].
func decimateColumn(pts plotter.XYs, columns int, x float64) int {
	columns = max(columns, 1)
	xmax := pts[len(pts)-1].X
	return min(max(int(math.Floor(x*float64(columns)/xmax)), 0), columns-1)
}

// indices maps the decimated points back to their indices in pts, or
// reports that one is not a point of pts in order.
func indices(t *testing.T, pts, out plotter.XYs) []int {
	t.Helper()
	var idx []int
	j := 0
	for _, p := range out {
		for j < len(pts) && pts[j] != p {
			j++
		}
		if j == len(pts) {
			t.Fatalf("decimated point %v is not a point of the series after index %d (order broken or point made up)", p, idx)
		}
		idx = append(idx, j)
		j++
	}
	return idx
}

func TestDecimateKeepsOrder(t *testing.T) {
	for _, tc := range decimateCases {
		t.Run(tc.name, func(t *testing.T) {
			out := Decimate(tc.pts, 0, tc.pts[len(tc.pts)-1].X, tc.columns)
			idx := indices(t, tc.pts, out)
			for k := 1; k < len(idx); k++ {
				if idx[k] <= idx[k-1] {
					t.Fatalf("indices %d then %d: not in order", idx[k-1], idx[k])
				}
			}
		})
	}
}

func TestDecimateBounded(t *testing.T) {
	for _, tc := range decimateCases {
		t.Run(tc.name, func(t *testing.T) {
			out := Decimate(tc.pts, 0, tc.pts[len(tc.pts)-1].X, tc.columns)
			bound := 4 * max(tc.columns, 1)
			if len(out) > bound {
				t.Errorf("%d points out of %d, want at most 4·columns = %d", len(out), len(tc.pts), bound)
			}
			if len(tc.pts) <= bound && len(out) != len(tc.pts) {
				t.Errorf("%d points out of %d: a short series must be kept whole", len(out), len(tc.pts))
			}
		})
	}
}

// TestDecimateKeepsExtremes checks that every column keeps its first and
// last point and its smallest and largest y: the drawn line covers the same
// pixels.
func TestDecimateKeepsExtremes(t *testing.T) {
	for _, tc := range decimateCases {
		t.Run(tc.name, func(t *testing.T) {
			xmax := tc.pts[len(tc.pts)-1].X
			out := Decimate(tc.pts, 0, xmax, tc.columns)
			type ext struct {
				first, last, lo, hi plotter.XY
				n                   int
			}
			summarise := func(pts plotter.XYs) map[int]*ext {
				m := map[int]*ext{}
				for _, p := range pts {
					c := decimateColumn(tc.pts, tc.columns, p.X)
					e := m[c]
					if e == nil {
						e = &ext{first: p, lo: p, hi: p}
						m[c] = e
					}
					e.last = p
					e.n++
					if p.Y < e.lo.Y {
						e.lo = p
					}
					if p.Y > e.hi.Y {
						e.hi = p
					}
				}
				return m
			}
			want, got := summarise(tc.pts), summarise(out)
			if len(got) != len(want) {
				t.Fatalf("%d columns hold points, want %d", len(got), len(want))
			}
			for c, w := range want {
				g := got[c]
				if g == nil {
					t.Fatalf("column %d lost all its points", c)
				}
				if g.first != w.first || g.last != w.last {
					t.Errorf("column %d: first, last = %v, %v; want %v, %v", c, g.first, g.last, w.first, w.last)
				}
				if g.lo.Y != w.lo.Y || g.hi.Y != w.hi.Y {
					t.Errorf("column %d: y range [%g, %g], want [%g, %g]", c, g.lo.Y, g.hi.Y, w.lo.Y, w.hi.Y)
				}
				if g.n > 4 && len(tc.pts) > 4*max(tc.columns, 1) {
					t.Errorf("column %d keeps %d points, want at most 4", c, g.n)
				}
			}
		})
	}
}

func TestDecimateOutOfRange(t *testing.T) {
	// Points left of xmin go to the first column, right of xmax to the
	// last.
	pts := series(100, func(x int) float64 { return float64(x % 10) })
	out := Decimate(pts, 40, 60, 2)
	want := plotter.XYs{{X: 0, Y: 0}, {X: 9, Y: 9}, {X: 49, Y: 9}, {X: 50, Y: 0}, {X: 59, Y: 9}, {X: 99, Y: 9}}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("Decimate over [40, 60] with two columns = %v, want %v", out, want)
	}
	if out := Decimate(nil, 0, 1, 10); len(out) != 0 {
		t.Errorf("Decimate(nil) = %v", out)
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi  float64
		integer bool
		want    string // labelled ticks
	}{
		{0, 300, false, "0 50 100 150 200 250 300"},
		{0, 5670, false, "0 1000 2000 3000 4000 5000"},
		{0, 1, true, "0 1"},
		{0, 1, false, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{0, 12, true, "0 2 4 6 8 10 12"},
		{0, 34020, true, "0 5000 10000 15000 20000 25000 30000"},
		{0, 61, true, "0 10 20 30 40 50 60"},
		{0, 25, false, "0 5 10 15 20 25"},
		{0, 15, false, "0.0 2.5 5.0 7.5 10.0 12.5 15.0"},
		{3, 3, false, "3"},
	} {
		var got []string
		for _, tick := range (niceTicks{integer: tc.integer}).Ticks(tc.lo, tc.hi) {
			if tick.Label != "" {
				got = append(got, tick.Label)
			} else if tc.integer && tick.Value != math.Trunc(tick.Value) {
				t.Errorf("[%g, %g]: unlabelled tick at %g on an integer axis", tc.lo, tc.hi, tick.Value)
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("ticks of [%g, %g] (integer %v) = %q, want %q", tc.lo, tc.hi, tc.integer, g, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	st := textStyle(11, false, textColor)
	long := "One 6 c/s, one 2 c/s and one 1 c/s machine, p(internal) = 7/10. Paper caption: \"A4: One 6c/s; One 2c/s; One 1c/s; p=7/10\" (the run as made matches its caption)."
	for _, tc := range []struct {
		name     string
		txt      string
		width    vg.Length
		min, max int // number of lines
	}{
		{"empty", "", 100, 0, 0},
		{"spaces only", "   ", 100, 0, 0},
		{"fits", "machine 0", 500, 1, 1},
		{"long word", "supercalifragilistic", 10, 1, 1},
		{"two lines", long, 700, 2, 2},
		{"many lines", long, 200, 3, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := wrap(st, tc.txt, tc.width)
			if len(lines) < tc.min || len(lines) > tc.max {
				t.Fatalf("%d lines %q, want %d to %d", len(lines), lines, tc.min, tc.max)
			}
			if got, want := strings.Join(lines, " "), strings.Join(strings.Fields(tc.txt), " "); got != want {
				t.Errorf("words changed: %q, want %q", got, want)
			}
			var shortest, longest vg.Length = math.MaxFloat64, 0
			for _, l := range lines {
				w := st.Width(l)
				if w > tc.width && strings.Contains(l, " ") {
					t.Errorf("line %q is %v wide, more than %v", l, w, tc.width)
				}
				shortest, longest = min(shortest, w), max(longest, w)
			}
			// Balanced: greedy filling would leave "caption)." alone on the
			// last line at width 700.
			if len(lines) >= 2 && shortest < longest/2 {
				t.Errorf("unbalanced lines %q: %v to %v wide", lines, shortest, longest)
			}
		})
	}
}

// TestPlotA1SVGSmall: a 3600 s A1 run (64,800 ticks) makes an SVG well
// under a megabyte, thanks to decimation.
func TestPlotA1SVGSmall(t *testing.T) {
	f := plotScenarioRun(t, "A1", 3600*time.Second)
	n := 0
	for _, s := range f.Series {
		n += len(s.Records)
	}
	if n < 60000 {
		t.Fatalf("A1 for 3600 s has %d records, want about 64,800", n)
	}
	out := render(t, f, "svg")
	if len(out) >= 1<<20 {
		t.Errorf("SVG of a 3600 s A1 run is %d bytes, want < 1 MiB", len(out))
	}
	t.Logf("SVG of A1, 3600 s: %d bytes", len(out))
}

// BenchmarkPlotA1 draws the PNG of a 3600 s A1 run (64,800 ticks).
func BenchmarkPlotA1(b *testing.B) {
	f := plotScenarioRun(b, "A1", 3600*time.Second)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WriteFigure(&buf, f, "png"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/plot")
	b.ReportMetric(float64(buf.Len()), "png-bytes")
}
