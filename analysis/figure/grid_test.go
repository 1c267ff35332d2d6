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

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// testMap is a 4 × 4 map over [0, 4]²: cell (i, j) centred on
// (i + 0.5, j + 0.5) has the value i + 4j, but the top-left cell has
// none; its one boundary has the load x/2, so that ρ = 1 is the vertical
// line x = 2. Its two points are in the top-right cell, at the same
// place.
func testMap() *GridMap {
	g := &GridMap{
		Title: "test map", Subtitle: "sixteen cells, one without a value",
		XLabel: "x (units)", YLabel: "y (units)", ZLabel: "z (units)",
		X: []float64{0.5, 1.5, 2.5, 3.5}, Y: []float64{0.5, 1.5, 2.5, 3.5},
		PointsLabel: "points",
		Points:      []Point{{X: 3.5, Y: 3.5, Label: "P1"}, {X: 3.5, Y: 3.5, Label: "P2"}},
	}
	for j := range 4 {
		row := make([]float64, 4)
		for i := range row {
			row[i] = float64(i + 4*j)
		}
		g.Z = append(g.Z, row)
	}
	g.Z[3][0] = math.NaN()
	b := Boundary{Label: "ρ = 1", Y: []float64{0, 1, 2, 3, 4}}
	for k := range 41 {
		b.X = append(b.X, float64(k)/10)
	}
	for range b.Y {
		row := make([]float64, len(b.X))
		for i, x := range b.X {
			row[i] = x / 2
		}
		b.Load = append(b.Load, row)
	}
	g.Boundaries = []Boundary{b}
	return g
}

// testCurve has one line over x ∈ [0, 10] with mean 5 and a band of ±3,
// predicted at 2 (dashed).
func testCurve() *GridCurve {
	l := CurveLine{Label: "machine 0"}
	for x := range 11 {
		l.X = append(l.X, float64(x))
		l.Mean = append(l.Mean, 5)
		l.CI95 = append(l.CI95, 3)
	}
	l.PredX, l.Pred = []float64{0, 10}, []float64{2, 2}
	return &GridCurve{
		Title: "test curve", XLabel: "x (units)", YLabel: "y (units)",
		Lines:  []CurveLine{l},
		Points: []Point{{X: 4, Y: math.NaN(), Label: "on the axis"}, {X: 7, Y: 8, Label: "at y"}},
	}
}

// toRGBA returns img as an *image.RGBA.
func toRGBA(img image.Image) *image.RGBA {
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba
	}
	rgba := image.NewRGBA(img.Bounds())
	imagedraw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, imagedraw.Src)
	return rgba
}

// pixelRect returns the pixels of img inside the canvas rectangle r (vg
// has y up, the image y down), shrunk by inset pixels on every side.
func pixelRect(img image.Image, r vg.Rectangle, inset int) image.Rectangle {
	h := img.Bounds().Dy()
	return image.Rect(
		int(math.Ceil(r.Min.X.Dots(FigureDPI)))+inset, h-int(r.Max.Y.Dots(FigureDPI))+inset,
		int(r.Max.X.Dots(FigureDPI))-inset, h-int(math.Ceil(r.Min.Y.Dots(FigureDPI)))-inset,
	)
}

// pixelX returns the pixel column of canvas x.
func pixelX(x vg.Length) int { return int(x.Dots(FigureDPI)) }

// count returns how many pixels of img in r satisfy ok.
func count(img *image.RGBA, r image.Rectangle, ok func(color.RGBA) bool) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ok(img.RGBAAt(x, y)) {
				n++
			}
		}
	}
	return n
}

// viridisSet holds the viridis colours.
func viridisSet() map[color.RGBA]bool {
	m := map[color.RGBA]bool{}
	for k := range viridis {
		m[Viridis((float64(k)+0.5)/float64(len(viridis)))] = true
	}
	return m
}

// renderMap draws g on a raster canvas as WriteGridMap does for PNG.
func renderMap(g *GridMap) (*image.RGBA, mapLayout) {
	c := vgimg.NewWith(vgimg.UseWH(GridWidth, GridHeight), vgimg.UseDPI(FigureDPI))
	lay := g.draw(draw.New(c), boldTitle)
	return toRGBA(c.Image()), lay
}

// TestGridFormats writes each figure in each format twice: the output
// is well-formed, a PNG decodes to 1200 × 800 pixels, and the same figure
// gives the same bytes.
func TestGridFormats(t *testing.T) {
	write := map[string]func(*bytes.Buffer, string) error{
		"map":   func(b *bytes.Buffer, f string) error { return WriteGridMap(b, testMap(), f) },
		"curve": func(b *bytes.Buffer, f string) error { return WriteGridCurve(b, testCurve(), f) },
	}
	for _, kind := range []string{"map", "curve"} {
		for _, tc := range []struct{ format, magic string }{
			{"png", "\x89PNG\r\n\x1a\n"},
			{"svg", "<?xml"},
			{"pdf", "%PDF-"},
		} {
			t.Run(kind+"/"+tc.format, func(t *testing.T) {
				var out, again bytes.Buffer
				if err := write[kind](&out, tc.format); err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(out.Bytes(), []byte(tc.magic)) {
					t.Errorf("output starts with %q, want %q", out.Bytes()[:min(out.Len(), 16)], tc.magic)
				}
				switch tc.format {
				case "png":
					img, err := png.Decode(bytes.NewReader(out.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 800 {
						t.Errorf("size %dx%d, want 1200x800", b.Dx(), b.Dy())
					}
				case "svg":
					if !bytes.Contains(out.Bytes(), []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(out.Bytes()), []byte("</svg>")) {
						t.Errorf("SVG output is not an <svg> element")
					}
					if !bytes.Contains(out.Bytes(), svgFontFamily[1]) {
						t.Errorf("SVG output does not name Arial as the fallback of Liberation Sans")
					}
				case "pdf":
					if !bytes.Contains(out.Bytes()[max(0, out.Len()-64):], []byte("%%EOF")) {
						t.Errorf("PDF output does not end with %%%%EOF")
					}
				}
				if err := write[kind](&again, tc.format); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out.Bytes(), again.Bytes()) {
					t.Errorf("two renderings of the same figure differ")
				}
			})
		}
	}
	if err := WriteGridMap(&bytes.Buffer{}, testMap(), "gif"); err == nil {
		t.Errorf("WriteGridMap accepted the format gif")
	}
	if err := WriteGridCurve(&bytes.Buffer{}, testCurve(), "jpg"); err == nil {
		t.Errorf("WriteGridCurve accepted the format jpg")
	}
}

// TestGridMapPixels: the cells are drawn in viridis colours, the cell
// without a value in the neutral grey and nowhere else, the colour bar
// shows the whole ramp, and the contour ρ = 1 is white where load x/2
// crosses 1, at x = 2, and nowhere near x = 1 or x = 3.
func TestGridMapPixels(t *testing.T) {
	g := testMap()
	img, lay := renderMap(g)
	vir := viridisSet()
	isViridis := func(c color.RGBA) bool { return vir[c] }
	isGrey := func(c color.RGBA) bool { return c == noValueColor }
	isWhite := func(c color.RGBA) bool { return c == contourColor }

	data := pixelRect(img, lay.data, 1)
	if data.Dx() < 600 || data.Dy() < 400 {
		t.Fatalf("data area %v is too small", data)
	}
	distinct := map[color.RGBA]bool{}
	for y := data.Min.Y; y < data.Max.Y; y++ {
		for x := data.Min.X; x < data.Max.X; x++ {
			if c := img.RGBAAt(x, y); vir[c] {
				distinct[c] = true
			}
		}
	}
	if len(distinct) < 15 {
		t.Errorf("the cells show %d distinct viridis colours, want one per cell with a value (15)", len(distinct))
	}
	if n, all := count(img, data, isViridis), data.Dx()*data.Dy(); n < all*3/4 {
		t.Errorf("%d of %d pixels of the data area are viridis colours, want most", n, all)
	}
	// The darkest and the lightest cell have the ends of the ramp.
	cell := func(i, j int, inset int) image.Rectangle {
		return pixelRect(img, vg.Rectangle{
			Min: vg.Point{X: lay.x(float64(i)), Y: lay.y(float64(j))},
			Max: vg.Point{X: lay.x(float64(i + 1)), Y: lay.y(float64(j + 1))},
		}, inset)
	}
	for _, tc := range []struct {
		i, j int
		want color.RGBA
	}{{0, 0, Viridis(0)}, {3, 3, Viridis(1)}, {1, 0, Viridis(1.0 / 15)}} {
		r := cell(tc.i, tc.j, 8)
		if n := count(img, r, func(c color.RGBA) bool { return c == tc.want }); n < r.Dx()*r.Dy()/2 {
			t.Errorf("cell (%d, %d): %d of %d pixels have %v", tc.i, tc.j, n, r.Dx()*r.Dy(), tc.want)
		}
	}
	// The top-left cell has no value.
	nan := cell(0, 3, 2)
	if n := count(img, nan, isGrey); n < nan.Dx()*nan.Dy()/2 {
		t.Errorf("the cell without a value has %d of %d pixels of the neutral grey %v", n, nan.Dx()*nan.Dy(), noValueColor)
	}
	if n := count(img, nan, isViridis); n > 0 {
		t.Errorf("the cell without a value has %d viridis pixels", n)
	}
	for _, c := range [][2]int{{1, 3}, {0, 2}, {2, 1}} {
		if n := count(img, cell(c[0], c[1], 0), isGrey); n > 0 {
			t.Errorf("cell %v has a value but %d pixels of the neutral grey", c, n)
		}
	}

	// The contour: white in the columns at x = 2 in most rows, and not
	// within 0.8 of x = 1 or x = 3 (the points are in the top-right
	// cell, above y = 3).
	rows := image.Rect(0, data.Min.Y, 0, data.Max.Y)
	col := func(x float64, halfWidth int) image.Rectangle {
		px := pixelX(lay.x(x))
		return image.Rect(px-halfWidth, rows.Min.Y, px+halfWidth+1, rows.Max.Y)
	}
	at2 := col(2, 1)
	rowsWithWhite := 0
	for y := at2.Min.Y; y < at2.Max.Y; y++ {
		if count(img, image.Rect(at2.Min.X, y, at2.Max.X, y+1), isWhite) > 0 {
			rowsWithWhite++
		}
	}
	if rowsWithWhite < rows.Dy()*9/10 {
		t.Errorf("the contour's white is in %d of %d rows at x = 2, want nearly all", rowsWithWhite, rows.Dy())
	}
	for _, x := range []float64{1, 3} {
		r := col(x, int(lay.x(1.8).Dots(FigureDPI)-lay.x(1).Dots(FigureDPI)))
		r.Min.Y = pixelRect(img, vg.Rectangle{Min: vg.Point{Y: lay.y(0)}, Max: vg.Point{Y: lay.y(3)}}, 0).Min.Y
		if n := count(img, r, isWhite); n > 0 {
			t.Errorf("%d white pixels within 0.8 of x = %g: the contour is not where load = 1", n, x)
		}
	}

	// The colour bar shows the whole ramp.
	bar := pixelRect(img, lay.bar, 1)
	seen := map[color.RGBA]bool{}
	for y := bar.Min.Y; y < bar.Max.Y; y++ {
		if c := img.RGBAAt((bar.Min.X+bar.Max.X)/2, y); vir[c] {
			seen[c] = true
		}
	}
	if len(seen) < 250 {
		t.Errorf("the colour bar shows %d viridis colours, want the ramp's 256", len(seen))
	}
	if c := img.RGBAAt((bar.Min.X+bar.Max.X)/2, bar.Max.Y-1); c != Viridis(0) {
		t.Errorf("the colour bar's bottom is %v, want the ramp's start %v", c, Viridis(0))
	}
	if c := img.RGBAAt((bar.Min.X+bar.Max.X)/2, bar.Min.Y); c != Viridis(1) {
		t.Errorf("the colour bar's top is %v, want the ramp's end %v", c, Viridis(1))
	}

	// The legend, above the data area, samples the contour and the
	// cell without a value.
	header := image.Rect(0, 0, img.Bounds().Dx(), data.Min.Y-2)
	if n := count(img, header, isWhite); n == 0 {
		t.Errorf("no legend sample of the contour")
	}
	if n := count(img, header, isGrey); n < 100 {
		t.Errorf("no legend sample of a cell without a value")
	}
}

// TestGridMapNoNaNNoLegend: a map whose cells all have a value has no
// grey anywhere (no legend entry for cells without one).
func TestGridMapNoNaNNoLegend(t *testing.T) {
	g := testMap()
	g.Z[3][0] = 12
	img, lay := renderMap(g)
	isGrey := func(c color.RGBA) bool { return c == noValueColor }
	if n := count(img, pixelRect(img, lay.data, 0), isGrey); n > 0 {
		t.Errorf("%d pixels of the neutral grey in the cells of a map without a cell lacking a value", n)
	}
	// Anti-aliased text has a few pixels of any grey; a legend sample
	// has hundreds.
	if n := count(img, img.Bounds(), isGrey); n > 50 {
		t.Errorf("%d pixels of the neutral grey: a legend entry for cells without a value?", n)
	}
}

// TestGridMapLogAxes draws a map on log axes with uneven cells.
func TestGridMapLogAxes(t *testing.T) {
	g := testMap()
	g.X = []float64{0.3, 1, 2, 6}
	g.Y = []float64{3, 4, 8, 20}
	g.LogX, g.LogY = true, true
	g.Points = []Point{{X: 1, Y: 6, Label: "A3"}}
	b := &g.Boundaries[0]
	for i := range b.X {
		b.X[i] += 0.1
	}
	b.Y[0] = 2
	img, lay := renderMap(g)
	// Cells centred on 1 and 2 meet at √2 on a log axis.
	edge := pixelX(lay.x(math.Sqrt2))
	if got, want := edge, pixelX(lay.x(1)+(lay.x(2)-lay.x(1))/2); got != want {
		t.Errorf("cells centred on 1 and 2 meet at pixel %d, want %d (half way on the log axis)", got, want)
	}
	data := pixelRect(img, lay.data, 1)
	if n := count(img, data, func(c color.RGBA) bool { return c == Viridis(0) }); n == 0 {
		t.Errorf("no cell of the smallest value drawn on log axes")
	}
}

// TestGridCurvePixels: the mean line and its dots in the line's colour,
// the band as a translucent tint of it between mean and band edge, the
// predicted line dashed (coloured and gap pixels on its row), and the
// legend.
func TestGridCurvePixels(t *testing.T) {
	g := testCurve()
	c := vgimg.NewWith(vgimg.UseWH(GridWidth, GridHeight), vgimg.UseDPI(FigureDPI))
	area := g.draw(draw.New(c), boldTitle)
	img := toRGBA(c.Image())
	col := SeriesColor(0)
	isLine := func(c color.RGBA) bool { return c == col }
	data := pixelRect(img, area, 1)

	// The data area spans the y axis' range (linear): the image row of
	// y, counted from the top, holds the canvas height y maps to.
	lo, hi := g.yRange()
	h := img.Bounds().Dy()
	rowOf := func(y float64) int {
		f := (y - lo) / (hi - lo)
		return h - int(math.Ceil(area.Min.Y.Dots(FigureDPI)+f*(area.Max.Y-area.Min.Y).Dots(FigureDPI)))
	}
	mean := image.Rect(data.Min.X, rowOf(5)-2, data.Max.X, rowOf(5)+3)
	if n := count(img, mean, isLine); n < data.Dx() {
		t.Errorf("%d pixels of the line's colour along the mean, want a line across", n)
	}
	// The band's tint: the line's colour at opacity bandAlpha over white.
	a := float64(bandAlpha) / 255
	tint := func(v uint8) float64 { return float64(v)*a + 255*(1-a) }
	// At x = 2.3, clear of the grid lines (every 1 in x, 1 in y).
	y := rowOf(6.5)
	x := pixelX(area.Min.X + (area.Max.X-area.Min.X)*0.23)
	got := img.RGBAAt(x, y)
	for k, pair := range [][2]float64{{float64(got.R), tint(col.R)}, {float64(got.G), tint(col.G)}, {float64(got.B), tint(col.B)}} {
		if math.Abs(pair[0]-pair[1]) > 4 {
			t.Errorf("band pixel %v, want the line's colour at opacity %d over white (channel %d %.0f)", got, bandAlpha, k, pair[1])
			break
		}
	}
	if got := img.RGBAAt(x, rowOf(8.2)); got != (color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}) && got != toRGBAColor(gridColor) {
		t.Errorf("pixel above the band is %v, want the white background", got)
	}
	// The predicted line at y = 2 is dashed: coloured and uncoloured
	// stretches along its row.
	row := image.Rect(data.Min.X+5, rowOf(2), data.Max.X-5, rowOf(2)+1)
	on := count(img, row, isLine)
	if on < row.Dx()/4 || on > row.Dx()*9/10 {
		t.Errorf("%d of %d pixels of the predicted line's row in its colour, want a dashed line", on, row.Dx())
	}
	header := image.Rect(0, 0, img.Bounds().Dx(), data.Min.Y-2)
	if n := count(img, header, isLine); n < 10 {
		t.Errorf("no legend sample of the line")
	}
}

func toRGBAColor(c color.Color) color.RGBA {
	r, g, b, a := c.RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// TestGridCurveGaps draws curves with gaps, no band, one point and a log
// axis: nothing may panic.
func TestGridCurveGaps(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		g    *GridCurve
	}{
		{"gaps", &GridCurve{Lines: []CurveLine{{X: []float64{1, 2, 3, 4}, Mean: []float64{1, nan, 3, 4}, CI95: []float64{nan, 1, 1, nan}}}}},
		{"no band", &GridCurve{Lines: []CurveLine{{X: []float64{1, 2}, Mean: []float64{1, 2}}}}},
		{"one x", &GridCurve{Lines: []CurveLine{{X: []float64{3}, Mean: []float64{1}, CI95: []float64{0.5}}}}},
		{"all NaN", &GridCurve{Lines: []CurveLine{{X: []float64{3, 4}, Mean: []float64{nan, nan}}}}},
		{"log", &GridCurve{LogX: true, Lines: []CurveLine{{X: []float64{0.3, 1, 6}, Mean: []float64{1, 2, 3}, PredX: []float64{0.3, 6}, Pred: []float64{1, 3}}}}},
		{"many lines", func() *GridCurve {
			g := &GridCurve{}
			for i := range 9 {
				g.Lines = append(g.Lines, CurveLine{Label: fmt.Sprintf("machine %d", i), X: []float64{0, 1}, Mean: []float64{0, float64(i)}})
			}
			return g
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteGridCurve(&b, tc.g, "svg"); err != nil {
				t.Fatal(err)
			}
			c := vgimg.NewWith(vgimg.UseWH(GridWidth, GridHeight), vgimg.UseDPI(FigureDPI))
			tc.g.draw(draw.New(c), boldTitle)
		})
	}
}

// TestGridMapEdgeCases draws maps with one cell, no value at all, equal
// values and a boundary that never reaches 1: nothing may panic.
func TestGridMapEdgeCases(t *testing.T) {
	nan := math.NaN()
	b := Boundary{X: []float64{0, 1}, Y: []float64{0, 1}, Load: [][]float64{{0.5, 0.5}, {0.5, 0.5}}}
	for _, tc := range []struct {
		name string
		g    *GridMap
	}{
		{"one cell", &GridMap{X: []float64{1}, Y: []float64{2}, Z: [][]float64{{3}}}},
		{"no values", &GridMap{X: []float64{1, 2}, Y: []float64{2}, Z: [][]float64{{nan, nan}}}},
		{"equal values", &GridMap{X: []float64{1, 2}, Y: []float64{2, 3}, Z: [][]float64{{7, 7}, {7, 7}}, Boundaries: []Boundary{b}}},
		{"points outside", &GridMap{X: []float64{1, 2}, Y: []float64{2}, Z: [][]float64{{1, 2}}, Points: []Point{{X: 50, Y: 2, Label: "far"}}}},
		{"one log cell", &GridMap{X: []float64{1}, Y: []float64{2}, Z: [][]float64{{3}}, LogX: true, LogY: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := WriteGridMap(&out, tc.g, "svg"); err != nil {
				t.Fatal(err)
			}
			renderMap(tc.g)
		})
	}
}

// TestGridBadInput: slices that do not fit together are an error, not a
// panic, and nothing is written.
func TestGridBadInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := func() *GridMap {
		return &GridMap{X: []float64{1, 2}, Y: []float64{1, 2, 3}, Z: [][]float64{{1, 2}, {3, 4}, {5, 6}}}
	}
	withMap := func(f func(*GridMap)) *GridMap { g := ok(); f(g); return g }
	boundary := Boundary{X: []float64{0, 1}, Y: []float64{0, 1}, Load: [][]float64{{0, 2}, {0, 2}}}
	for _, tc := range []struct {
		name, want string
		g          *GridMap
	}{
		{"nil", "nil", nil},
		{"no x", "no cells", withMap(func(g *GridMap) { g.X, g.Z = nil, [][]float64{{}, {}, {}} })},
		{"no y", "no cells", withMap(func(g *GridMap) { g.Y, g.Z = nil, nil })},
		{"x not ascending", "not strictly ascending", withMap(func(g *GridMap) { g.X = []float64{2, 1} })},
		{"x repeated", "not strictly ascending", withMap(func(g *GridMap) { g.X = []float64{1, 1} })},
		{"y NaN", "not a number", withMap(func(g *GridMap) { g.Y[1] = nan })},
		{"log x not positive", "logarithmic", withMap(func(g *GridMap) { g.X[0], g.LogX = 0, true })},
		{"rows", "Z has 2 rows", withMap(func(g *GridMap) { g.Z = g.Z[:2] })},
		{"columns", "Z[1] has 3 values", withMap(func(g *GridMap) { g.Z[1] = []float64{1, 2, 3} })},
		{"infinite z", "use NaN", withMap(func(g *GridMap) { g.Z[0][1] = inf })},
		{"boundary too small", "at least 2 × 2", withMap(func(g *GridMap) {
			g.Boundaries = []Boundary{{X: []float64{0}, Y: []float64{0, 1}, Load: [][]float64{{0}, {1}}}}
		})},
		{"boundary rows", "Load has 1 rows", withMap(func(g *GridMap) {
			b := boundary
			b.Load = b.Load[:1]
			g.Boundaries = []Boundary{b}
		})},
		{"boundary not ascending", "boundary 0", withMap(func(g *GridMap) {
			b := boundary
			b.Y = []float64{1, 0}
			g.Boundaries = []Boundary{b}
		})},
		{"boundary on log axis", "logarithmic", withMap(func(g *GridMap) {
			g.LogX = true
			g.Boundaries = []Boundary{boundary}
		})},
		{"point NaN", "point 0", withMap(func(g *GridMap) { g.Points = []Point{{X: nan, Y: 1, Label: "A1"}} })},
		{"point on log axis", "point 0", withMap(func(g *GridMap) { g.LogY, g.Points = true, []Point{{X: 1, Y: -1}} })},
	} {
		t.Run("map/"+tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := WriteGridMap(&out, tc.g, "png")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("%d bytes written", out.Len())
			}
		})
	}
	line := func() CurveLine {
		return CurveLine{X: []float64{1, 2}, Mean: []float64{1, 2}, CI95: []float64{0.1, 0.2}}
	}
	withLine := func(f func(*CurveLine)) *GridCurve { l := line(); f(&l); return &GridCurve{Lines: []CurveLine{l}} }
	for _, tc := range []struct {
		name, want string
		g          *GridCurve
	}{
		{"nil", "nil", nil},
		{"no lines", "no lines", &GridCurve{}},
		{"no x", "no x values", withLine(func(l *CurveLine) { l.X, l.Mean, l.CI95 = nil, nil, nil })},
		{"means", "1 means for 2", withLine(func(l *CurveLine) { l.Mean = l.Mean[:1] })},
		{"ci", "3 confidence intervals", withLine(func(l *CurveLine) { l.CI95 = []float64{1, 2, 3} })},
		{"pred", "1 predictions for 2", withLine(func(l *CurveLine) { l.PredX, l.Pred = []float64{1, 2}, []float64{1} })},
		{"x descending", "not strictly ascending", withLine(func(l *CurveLine) { l.X = []float64{2, 1} })},
		{"pred x descending", "PredX", withLine(func(l *CurveLine) { l.PredX, l.Pred = []float64{2, 1}, []float64{1, 1} })},
		{"infinite mean", "use NaN", withLine(func(l *CurveLine) { l.Mean[0] = inf })},
		{"log x", "logarithmic", func() *GridCurve { g := withLine(func(l *CurveLine) { l.X[0] = -1 }); g.LogX = true; return g }()},
		{"point", "point 0", func() *GridCurve { g := withLine(func(*CurveLine) {}); g.Points = []Point{{X: inf, Y: 1}}; return g }()},
	} {
		t.Run("curve/"+tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := WriteGridCurve(&out, tc.g, "pdf")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if out.Len() > 0 {
				t.Errorf("%d bytes written", out.Len())
			}
		})
	}
}

// near tells whether two points are within 1e-12.
func near(a, b plotter.XY) bool { return math.Abs(a.X-b.X) < 1e-12 && math.Abs(a.Y-b.Y) < 1e-12 }

// onLine tells whether p is a point of one of the lines.
func onLine(lines []plotter.XYs, p plotter.XY) bool {
	for _, l := range lines {
		for _, q := range l {
			if near(p, q) {
				return true
			}
		}
	}
	return false
}

// sampleGrid returns the samples of f at xs × ys, as Load[j][i].
func sampleGrid(xs, ys []float64, f func(x, y float64) float64) [][]float64 {
	v := make([][]float64, len(ys))
	for j, y := range ys {
		v[j] = make([]float64, len(xs))
		for i, x := range xs {
			v[j][i] = f(x, y)
		}
	}
	return v
}

func span(from, to, step float64) []float64 {
	var vs []float64
	for k := 0; from+float64(k)*step <= to+1e-9; k++ {
		vs = append(vs, from+float64(k)*step)
	}
	return vs
}

// TestContourLines checks the contour at level 1 against crossings
// derived by hand.
func TestContourLines(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		v      [][]float64
		lines  int                     // polylines
		closed bool                    // each closed
		want   []plotter.XY            // points that must be on a line
		on     func(x, y float64) bool // every point must satisfy it
	}{
		{
			// Load x/2 on x = 0..4: 1 at x = 2, a sample; the crossing
			// of the edges from x = 1.5 to 2 is at t = 1, x = 2.
			name: "vertical through samples", xs: span(0, 4, 0.5), ys: []float64{0, 1, 2},
			v:     sampleGrid(span(0, 4, 0.5), []float64{0, 1, 2}, func(x, _ float64) float64 { return x / 2 }),
			lines: 1, want: []plotter.XY{{X: 2, Y: 0}, {X: 2, Y: 1}, {X: 2, Y: 2}},
			on: func(x, _ float64) bool { return x == 2 },
		},
		{
			// 0 at x = 0, 2 at x = 1: 1 half way.
			name: "one cell", xs: []float64{0, 1}, ys: []float64{0, 1}, v: [][]float64{{0, 2}, {0, 2}},
			lines: 1, want: []plotter.XY{{X: 0.5, Y: 0}, {X: 0.5, Y: 1}},
		},
		{
			// Load x/2 between samples 1.5 and 2.5 (0.75, 1.25): at 2.
			name: "vertical between samples", xs: []float64{0.5, 1.5, 2.5, 3.5}, ys: []float64{0, 4},
			v:     sampleGrid([]float64{0.5, 1.5, 2.5, 3.5}, []float64{0, 4}, func(x, _ float64) float64 { return x / 2 }),
			lines: 1, want: []plotter.XY{{X: 2, Y: 0}, {X: 2, Y: 4}},
			on: func(x, _ float64) bool { return math.Abs(x-2) < 1e-12 },
		},
		{
			// A linear load is interpolated exactly: every point is on
			// x + y = 1, from (1, 0) to (0, 1).
			name: "diagonal", xs: span(0, 1, 0.25), ys: span(0, 1, 0.25),
			v:     sampleGrid(span(0, 1, 0.25), span(0, 1, 0.25), func(x, y float64) float64 { return x + y }),
			lines: 1, want: []plotter.XY{{X: 1, Y: 0}, {X: 0, Y: 1}, {X: 0.5, Y: 0.5}},
			on: func(x, y float64) bool { return math.Abs(x+y-1) < 1e-12 },
		},
		{
			// x² + y² on a 0.5 grid over [−2, 2]²: a closed loop. On the
			// row y = 0.5 the samples x = 0.5 and 1 hold 0.5 and 1.25, so
			// the crossing is at t = 2/3, x = 5/6; on the axes the
			// crossings are the samples (±1, 0) and (0, ±1).
			name: "circle", xs: span(-2, 2, 0.5), ys: span(-2, 2, 0.5),
			v:     sampleGrid(span(-2, 2, 0.5), span(-2, 2, 0.5), func(x, y float64) float64 { return x*x + y*y }),
			lines: 1, closed: true,
			want: []plotter.XY{{X: 1, Y: 0}, {X: -1, Y: 0}, {X: 0, Y: 1}, {X: 0, Y: -1}, {X: 5.0 / 6, Y: 0.5}, {X: -5.0 / 6, Y: -0.5}},
		},
		{
			// A saddle: 1.5 at (0, 0) and (1, 1), 0.5 at the other
			// corners; the centre, 1, is above, so the two low corners
			// are cut off.
			name: "saddle", xs: []float64{0, 1}, ys: []float64{0, 1}, v: [][]float64{{1.5, 0.5}, {0.5, 1.5}},
			lines: 2, want: []plotter.XY{{X: 0.5, Y: 0}, {X: 1, Y: 0.5}, {X: 0, Y: 0.5}, {X: 0.5, Y: 1}},
			on: func(x, y float64) bool { return math.Abs(x-y) == 0.5 },
		},
		{
			// The same saddle with a centre below 1: the high corners
			// are cut off.
			name: "saddle, centre below", xs: []float64{0, 1}, ys: []float64{0, 1}, v: [][]float64{{1.2, 0.5}, {0.5, 1.2}},
			lines: 2, on: func(x, y float64) bool { return math.Abs(x-y) < 1 && (x+y < 0.6 || x+y > 1.4) },
		},
		{
			name: "below everywhere", xs: []float64{0, 1, 2}, ys: []float64{0, 1}, v: [][]float64{{0, 0.5, 0.9}, {0.1, 0.2, 0.3}},
		},
		{
			name: "above everywhere", xs: []float64{0, 1}, ys: []float64{0, 1}, v: [][]float64{{1, 2}, {3, 1}},
		},
		{
			// The two cells with the NaN corner at y = 2 have no
			// contour: the line x = 0.5 stops at y = 1 and starts again
			// at y = 3.
			name: "NaN", xs: []float64{0, 1}, ys: []float64{0, 1, 2, 3, 4}, v: [][]float64{{0, 2}, {0, 2}, {nan, 2}, {0, 2}, {0, 2}},
			lines: 2, want: []plotter.XY{{X: 0.5, Y: 0}, {X: 0.5, Y: 1}, {X: 0.5, Y: 3}, {X: 0.5, Y: 4}},
			on: func(x, y float64) bool { return x == 0.5 && (y <= 1 || y >= 3) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := contourLines(tc.xs, tc.ys, tc.v, 1)
			if len(lines) != tc.lines {
				t.Fatalf("%d polylines %v, want %d", len(lines), lines, tc.lines)
			}
			for _, l := range lines {
				if len(l) < 2 {
					t.Errorf("polyline %v has fewer than 2 points", l)
				}
				if closed := near(l[0], l[len(l)-1]); closed != tc.closed {
					t.Errorf("polyline %v: closed %v, want %v", l, closed, tc.closed)
				}
				for _, p := range l {
					if tc.on != nil && !tc.on(p.X, p.Y) {
						t.Errorf("point %v is off the contour", p)
					}
				}
			}
			for _, p := range tc.want {
				if !onLine(lines, p) {
					t.Errorf("crossing %v missing from %v", p, lines)
				}
			}
		})
	}
}

// TestContourLinesJoined: a long contour through many cells is one
// polyline, in order along it, so that its dash pattern runs on.
func TestContourLinesJoined(t *testing.T) {
	xs, ys := span(0, 4, 0.02), span(0, 4, 0.02)
	lines := contourLines(xs, ys, sampleGrid(xs, ys, func(x, y float64) float64 { return x * y / 4 }), 1)
	if len(lines) != 1 {
		t.Fatalf("%d polylines, want 1", len(lines))
	}
	l := lines[0]
	if len(l) < 200 {
		t.Fatalf("%d points, want one per crossed edge", len(l))
	}
	for k := 1; k < len(l); k++ {
		if d := math.Hypot(l[k].X-l[k-1].X, l[k].Y-l[k-1].Y); d > 0.03 {
			t.Fatalf("points %v and %v are %g apart: not joined in order", l[k-1], l[k], d)
		}
		if math.Abs(l[k].X*l[k].Y-4) > 0.01 {
			t.Fatalf("point %v is off xy = 4", l[k])
		}
	}
}

func TestCellEdges(t *testing.T) {
	r10 := math.Sqrt(10)
	for _, tc := range []struct {
		vals []float64
		log  bool
		want []float64
	}{
		{[]float64{1, 2, 4}, false, []float64{0.5, 1.5, 3, 5}},
		{[]float64{3}, false, []float64{2.5, 3.5}},
		{[]float64{1, 10, 100}, true, []float64{1 / r10, r10, 10 * r10, 100 * r10}},
		{[]float64{2}, true, []float64{2 / math.Sqrt2, 2 * math.Sqrt2}},
	} {
		got := cellEdges(tc.vals, tc.log)
		for k := range tc.want {
			if len(got) != len(tc.want) || math.Abs(got[k]-tc.want[k]) > 1e-12*tc.want[k] {
				t.Errorf("cellEdges(%v, log %v) = %v, want %v", tc.vals, tc.log, got, tc.want)
				break
			}
		}
	}
	g := &GridMap{X: []float64{1, 2, 4}, Y: []float64{1, 10, 100}, LogY: true}
	if x0, x1, y0, y1 := g.Extent(); x0 != 0.5 || x1 != 5 || math.Abs(y0-1/r10) > 1e-12 || math.Abs(y1-100*r10) > 1e-9 {
		t.Errorf("Extent() = %v, %v, %v, %v", x0, x1, y0, y1)
	}
}

func TestViridis(t *testing.T) {
	for _, tc := range []struct {
		t    float64
		want color.RGBA
	}{
		{0, color.RGBA{0x44, 0x01, 0x54, 0xFF}},
		{-3, color.RGBA{0x44, 0x01, 0x54, 0xFF}},
		{1, color.RGBA{0xFD, 0xE7, 0x25, 0xFF}},
		{7, color.RGBA{0xFD, 0xE7, 0x25, 0xFF}},
		{0.5, color.RGBA{0x21, 0x91, 0x8C, 0xFF}},
	} {
		if got := Viridis(tc.t); got != tc.want {
			t.Errorf("Viridis(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
	// Its lightness rises throughout: luma, by Rec. 709 weights, never
	// falls by more than rounding.
	prev := -1.0
	for k, c := range viridis {
		l := 0.2126*float64(c[0]) + 0.7152*float64(c[1]) + 0.0722*float64(c[2])
		if l < prev-0.5 {
			t.Errorf("entry %d %v is darker than the one before", k, c)
		}
		prev = l
	}
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0.3, 6, "0.3 0.5 1 2 3 5"},
		{1, 1000, "1 10 100 1000"},
		{0.25, 20, "0.5 1 2 5 10 20"},
		{2, 3, "2 3"},
	} {
		var got []string
		for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("log ticks of [%g, %g] = %q, want %q", tc.lo, tc.hi, g, tc.want)
		}
	}
}

// TestLabelPlacer: labels of points at the same place cover neither
// the point's dot nor one another.
func TestLabelPlacer(t *testing.T) {
	c := vgimg.NewWith(vgimg.UseWH(GridWidth, GridHeight), vgimg.UseDPI(FigureDPI))
	dc := draw.New(c)
	st := textStyle(10, false, textColor)
	st.YAlign = draw.YCenter
	at := vg.Point{X: 300, Y: 300}
	dot := vg.Rectangle{Min: vg.Point{X: at.X - pointRadius, Y: at.Y - pointRadius}, Max: vg.Point{X: at.X + pointRadius, Y: at.Y + pointRadius}}
	lp := labelPlacer{st: st, area: dc.Rectangle, taken: []vg.Rectangle{dot}}
	for k := range 6 {
		lp.place(&dc, at, pointRadius, fmt.Sprintf("B%d-captioned", k))
	}
	boxes := lp.taken[1:]
	for a := range boxes {
		if overlaps(boxes[a], dot) {
			t.Errorf("label %d covers the dot", a)
		}
		for b := range a {
			if overlaps(boxes[a], boxes[b]) {
				t.Errorf("labels %d and %d overlap", b, a)
			}
		}
	}
	// Near the right edge a label goes left of its point.
	edge := vg.Point{X: dc.Max.X - 5, Y: 200}
	lp.place(&dc, edge, pointRadius, "A3")
	if b := lp.taken[len(lp.taken)-1]; b.Max.X > dc.Max.X || b.Min.X > edge.X {
		t.Errorf("label at the right edge placed at %v, want left of the point", b)
	}
}
