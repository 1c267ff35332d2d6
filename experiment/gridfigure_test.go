package experiment

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"desim/analysis"
	"desim/analysis/figure"
)

// mapOf is the figure.GridMap a two-axis grid's map is drawn on, without
// cells: boundaries only needs its axes.
func mapOf(g *Grid) *figure.GridMap {
	return &figure.GridMap{X: axisFloats(g.Axes[0]), Y: axisFloats(g.Axes[1]), LogX: g.Axes[0].Log, LogY: g.Axes[1].Log}
}

// crossing returns the x where row of loads crosses 1 going from ≥ 1 to
// < 1, by linear interpolation between samples, and how many times the
// row crosses 1.
func crossing(xs, row []float64) (x float64, crossings int) {
	x = math.NaN()
	for k := 1; k < len(xs); k++ {
		a, b := row[k-1], row[k]
		if (a >= 1) == (b >= 1) {
			continue
		}
		crossings++
		x = xs[k-1] + (a-1)/(a-b)*(xs[k]-xs[k-1])
	}
	return x, crossings
}

// TestGridBoundaryByHand checks the ρ = 1 contours of the built-in maps
// against points derived by hand.
//
// slow-machine, rates 6, 6, x with R faces (q = 2/R): where machine 2 is
// at load 1 it sends nothing (s₂ = 0), so the fast machines form the free
// set alone: S = 12R/(R+2), each free at s = 6R/(R+2). Machine 2 receives
// λ₂ = q·2s = 24/(R+2), so its load λ₂/x is 1 at x = 24/(R+2): 4 at R = 4,
// 2 at R = 10, 24/22 at R = 20. The fast machines' load stays below
// 4/(R+4) < 1: machine 2 alone has a boundary.
//
// two-slow, rates 6, x, x: at load 1 both slow machines send nothing, so
// machine 0 alone is free, s₀ = 6, and each slow machine receives
// λ = q·6 = 12/R; load 1 is at x = 12/R: 3 at R = 4, 1.2 at R = 10, 0.6
// at R = 20. (Above it all three are free with S = R(6+2x)/(R+4) and
// s_x = (Rx − 2S)/(R − 2), which is 0 at x = 12/R: the two agree.) The slow
// machines have the same loads everywhere and share one boundary.
func TestGridBoundaryByHand(t *testing.T) {
	for _, c := range []struct {
		grid   string
		label  string
		rates  func(x float64) []float64
		slow   []int
		cross  func(R float64) float64
		points [][2]float64 // (R, x) at load 1, by hand
	}{
		{"slow-machine", "ρ = 1, machine 2", func(x float64) []float64 { return []float64{6, 6, x} }, []int{2},
			func(R float64) float64 { return 24 / (R + 2) }, [][2]float64{{4, 4}, {10, 2}, {20, 24.0 / 22}}},
		{"two-slow", "ρ = 1, machines 1, 2", func(x float64) []float64 { return []float64{6, x, x} }, []int{1, 2},
			func(R float64) float64 { return 12 / R }, [][2]float64{{4, 3}, {10, 1.2}, {20, 0.6}}},
	} {
		t.Run(c.grid, func(t *testing.T) {
			g, err := LoadGrid(c.grid, GridOverrides{})
			if err != nil {
				t.Fatal(err)
			}
			// The derivation agrees with the predictor.
			for _, p := range c.points {
				if x := c.cross(p[0]); math.Abs(x-p[1]) > 1e-12 {
					t.Fatalf("the formula gives %v at R = %v, want %v", x, p[0], p[1])
				}
				loads := analysis.Loads(c.rates(p[1]), p[0])
				for _, i := range c.slow {
					if math.Abs(loads[i]-1) > 1e-9 {
						t.Errorf("R = %v, x = %v: machine %d's load is %v, want 1", p[0], p[1], i, loads[i])
					}
				}
			}
			bs := boundaries(g, mapOf(g))
			if len(bs) != 1 {
				var labels []string
				for _, b := range bs {
					labels = append(labels, b.Label)
				}
				t.Fatalf("%d boundaries %q, want one", len(bs), labels)
			}
			b := bs[0]
			if b.Label != c.label {
				t.Errorf("label %q, want %q", b.Label, c.label)
			}
			if len(b.X) != BoundarySamples || len(b.Y) != BoundarySamples || len(b.Load) != len(b.Y) {
				t.Fatalf("%d × %d samples, %d rows of loads", len(b.X), len(b.Y), len(b.Load))
			}
			xmin, xmax, ymin, ymax := mapOf(g).Extent()
			if b.X[0] != xmin || b.X[len(b.X)-1] != xmax || b.Y[0] != max(ymin, 2) || b.Y[len(b.Y)-1] != ymax {
				t.Errorf("samples over [%v, %v] × [%v, %v], want the map's [%v, %v] × [%v, %v]",
					b.X[0], b.X[len(b.X)-1], b.Y[0], b.Y[len(b.Y)-1], xmin, xmax, max(ymin, 2), ymax)
			}
			dx, dy := b.X[1]-b.X[0], b.Y[1]-b.Y[0]
			for _, p := range c.points {
				R := p[0]
				j := -1
				for k, y := range b.Y {
					if math.Abs(y-R) <= dy && (j < 0 || math.Abs(y-R) < math.Abs(b.Y[j]-R)) {
						j = k
					}
				}
				if j < 0 {
					t.Errorf("no sampled row within %v of R = %v", dy, R)
					continue
				}
				y := b.Y[j]
				x, n := crossing(b.X, b.Load[j])
				if n != 1 {
					t.Errorf("row y = %v: the load crosses 1 %d times, want once", y, n)
					continue
				}
				if want := c.cross(y); math.Abs(x-want) > dx {
					t.Errorf("row y = %v: the load crosses 1 at x = %v, by hand %v (sample spacing %v)", y, x, want, dx)
				}
				// And near the point of the nominal R.
				if d := math.Abs(x - p[1]); d > dx+math.Abs(c.cross(y)-p[1]) {
					t.Errorf("row y = %v (near R = %v): the load crosses 1 at x = %v, %v from %v", y, R, x, d, p[1])
				}
			}
		})
	}
}

// TestGridPaperPoints: the built-in scenarios that lie in a grid's plane,
// where they lie, and no others.
func TestGridPaperPoints(t *testing.T) {
	type point struct {
		name string
		at   []float64
	}
	for _, c := range []struct {
		name, grid string // a built-in name or a grid file
		want       []point
	}{
		{"slow-machine", "slow-machine", []point{{"A1", []float64{6, 10}}, {"A3", []float64{1, 10}}, {"B1", []float64{6, 4}},
			{"B3", []float64{5, 4}}, {"B3-captioned", []float64{1, 4}}}},
		{"two-slow", "two-slow", []point{{"A1", []float64{6, 10}}, {"A2", []float64{1, 10}}, {"B1", []float64{6, 4}},
			{"B2", []float64{5, 4}}, {"B2-captioned", []float64{1, 4}}}},
		{"ratio", "ratio", []point{{"A1", []float64{6, 10}}, {"A3", []float64{1, 10}}, {"B1", []float64{6, 4}},
			{"B3", []float64{5, 4}}, {"B3-captioned", []float64{1, 4}}}},
		{"latency of A3", "base: A3\nvary: [{field: latency, values: [0, 50us, 1ms]}]\n", []point{{"A3", []float64{1e-4}}}},
		{"latency and jitter of B1", "base: B1\nvary: [{field: latency, values: [0, 1ms]}, {field: jitter, values: [0, 1ms]}]\n",
			[]point{{"B1", []float64{1e-4, 0}}}},
		{"latency range without the paper's", "base: A3\nvary: [{field: latency, values: [1ms, 2ms]}]\n", nil},
		{"die of A2", "base: A2\nvary: [{field: die, values: [3, 4, 10]}]\n", []point{{"A2", []float64{10}}, {"B2-captioned", []float64{4}}}},
		{"die range without 10", "base: A2\nvary: [{field: die, values: [3, 4, 5]}]\n", []point{{"B2-captioned", []float64{4}}}},
		// Varying the start of two machines of different rates keeps their
		// rates: A4 itself (every start 0) is in the plane.
		{"start of two machines of A4", "base: A4\nvary: [{field: \"machines[1,2].start\", values: [0, 1s]}]\n", []point{{"A4", []float64{0}}}},
		{"rates of A4's machines 1 and 2", "base: A4\nvary: [{field: \"machines[1,2].rate\", values: [1, 6]}]\n", []point{{"A1", []float64{6}}, {"A2", []float64{1}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var g *Grid
			if _, ok := BuiltinGridName(c.grid); ok {
				var err error
				if g, err = LoadGrid(c.grid, GridOverrides{}); err != nil {
					t.Fatal(err)
				}
			} else {
				g = mustGrid(t, c.grid)
			}
			var got []point
			for _, p := range paperPoints(g) {
				got = append(got, point{p.name, p.at})
			}
			if !slices.EqualFunc(got, c.want, func(a, b point) bool { return a.name == b.name && slices.Equal(a.at, b.at) }) {
				t.Errorf("paper points %v, want %v", got, c.want)
			}
		})
	}
}

// figureGrid is a grid of A3 over machine 2's rate (6 values) and the die
// (dieValues), a few short runs per cell.
func figureGrid(t *testing.T, dieValues string) *GridResult {
	t.Helper()
	g := mustGrid(t, `name: fig
base: A3
duration: 10s
seeds: 4
vary:
  - field: machines[2].rate
    values: [0.5, 1, 2, 3, 4, 6]
  - field: die
    values: [`+dieValues+`]
show: {metric: queue_slope, machine: 2}
`)
	res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// decodePNG decodes a figure of the grid size, 1200 × 800 pixels.
func decodePNG(t *testing.T, data []byte) *image.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 800 {
		t.Errorf("size %dx%d, want 1200x800", b.Dx(), b.Dy())
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, img.Bounds().Min, draw.Src)
	return rgba
}

// viridisColours counts the distinct viridis colours of img.
func viridisColours(img *image.RGBA) int {
	vir := map[color.RGBA]bool{}
	for k := range 256 {
		vir[figure.Viridis((float64(k)+0.5)/256)] = true
	}
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := img.RGBAAt(x, y); vir[c] {
				seen[c] = true
			}
		}
	}
	return len(seen)
}

// TestRenderGridFigureMap: a grid of two axes of at least 5 values is a
// map, 1200 × 800 pixels, of many viridis colours, with the ρ = 1
// boundary drawn in white over the cells.
func TestRenderGridFigureMap(t *testing.T) {
	res := figureGrid(t, "3, 4, 6, 10, 20")
	data, err := RenderGridFigure(res, "png")
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, data)
	if n := viridisColours(img); n < 200 {
		t.Errorf("the map shows %d viridis colours, want the colour bar's ramp and the cells' (over 200)", n)
	}
	// The map as drawn, and without its boundaries: the boundary turns
	// cell pixels white.
	m := gridMap(res, res.grid)
	if len(m.Boundaries) != 1 || m.Boundaries[0].Label != "ρ = 1, machine 2" {
		t.Fatalf("boundaries %+v, want machine 2's", m.Boundaries)
	}
	var again bytes.Buffer
	if err := figure.WriteGridMap(&again, m, "png"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Fatalf("RenderGridFigure did not draw gridMap's map")
	}
	m.Boundaries = nil
	var plain bytes.Buffer
	if err := figure.WriteGridMap(&plain, m, "png"); err != nil {
		t.Fatal(err)
	}
	without := decodePNG(t, plain.Bytes())
	vir := map[color.RGBA]bool{}
	for k := range 256 {
		vir[figure.Viridis((float64(k)+0.5)/256)] = true
	}
	white := color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	turned := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.RGBAAt(x, y) == white && vir[without.RGBAAt(x, y)] {
				turned++
			}
		}
	}
	if turned < 500 {
		t.Errorf("%d cell pixels turned white by the boundary, want a line across the map", turned)
	}
	if len(m.Points) != 5 {
		t.Errorf("%d paper points, want A1, A3, B1, B3 and B3-captioned", len(m.Points))
	}
}

// TestRenderGridFigureCurves: a second axis of 2 values is drawn as
// curves, one per die: no colour bar, few viridis colours.
func TestRenderGridFigureCurves(t *testing.T) {
	res := figureGrid(t, "4, 10")
	data, err := RenderGridFigure(res, "png")
	if err != nil {
		t.Fatal(err)
	}
	img := decodePNG(t, data)
	if n := viridisColours(img); n > 20 {
		t.Errorf("the curves show %d viridis colours, like a map's colour bar", n)
	}
	drawn := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if c := img.RGBAAt(x, y); c.R != c.G || c.G != c.B {
				drawn++
			}
		}
	}
	if drawn < 2000 {
		t.Errorf("%d coloured pixels: no curves drawn", drawn)
	}
	c := gridCurve(res, res.grid)
	if len(c.Lines) != 2 || !strings.Contains(c.Lines[0].Label, "die 4") || !strings.Contains(c.Lines[1].Label, "die 10") {
		t.Errorf("lines %+v, want one per die", c.Lines)
	}
}

// TestRenderGridFigureFormats: SVG, PDF and PNG of a map and of curves,
// and the formats refused.
func TestRenderGridFigureFormats(t *testing.T) {
	for _, c := range []struct {
		name string
		res  *GridResult
	}{{"map", figureGrid(t, "3, 4, 6, 10, 20")}, {"curves", figureGrid(t, "4, 10")}} {
		for _, f := range []struct {
			format string
			magic  []string
		}{{"png", []string{"\x89PNG"}}, {"svg", []string{"<?xml", "<svg"}}, {"pdf", []string{"%PDF"}}} {
			t.Run(c.name+"/"+f.format, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "fig."+f.format)
				if err := WriteGridFigure(path, c.res); err != nil {
					t.Fatal(err)
				}
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(f.magic, func(m string) bool { return bytes.HasPrefix(data, []byte(m)) }) {
					t.Errorf("%s starts with %q, want one of %q", path, data[:min(len(data), 16)], f.magic)
				}
			})
		}
	}
	for _, p := range []string{"x.gif", "x.jpg", "x", "x.PNG.txt"} {
		if f, err := GridFigureFormat(p); !errors.Is(err, ErrInput) {
			t.Errorf("GridFigureFormat(%q) = %q, %v; want ErrInput", p, f, err)
		}
	}
	for _, p := range []string{"x.png", "dir/x.svg", "x.pdf"} {
		if f, err := GridFigureFormat(p); err != nil || f != strings.TrimPrefix(filepath.Ext(p), ".") {
			t.Errorf("GridFigureFormat(%q) = %q, %v", p, f, err)
		}
	}
	// A result decoded from JSON has no grid to draw.
	if _, err := RenderGridFigure(&GridResult{Grid: "x"}, "png"); err == nil {
		t.Errorf("RenderGridFigure drew a result without its grid")
	}
}

// TestRenderGridFigureAnyOrder: a list of values need not be ascending;
// every grid the parser accepts can be drawn.
func TestRenderGridFigureAnyOrder(t *testing.T) {
	for _, c := range []struct{ name, vary string }{
		{"one axis descending", "[{field: die, values: [10, 4, 3]}]"},
		{"curves, long axis descending", "[{field: \"machines[2].rate\", values: [6, 4, 3, 2, 1, 0.5]}, {field: die, values: [4, 10]}]"},
		{"curves, a range from high to low", "[{field: die, values: {from: 12, to: 4, count: 3}}]"},
		{"a value twice", "[{field: die, values: [4, 4, 10]}]"},
		{"map, an axis unordered", "[{field: \"machines[2].rate\", values: [0.5, 1, 2, 3, 4, 6]}, {field: die, values: [10, 3, 20, 4, 6]}]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := parseGrid("g.yaml", []byte("name: order\nbase: A3\nduration: 5s\nseeds: 2\nvary: "+c.vary+"\n"), GridOverrides{}, builtinOnly)
			if err != nil {
				return // refusing it is as good
			}
			res, err := RunGrid(context.Background(), g, SweepOptions{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := RenderGridFigure(res, "png"); err != nil {
				t.Errorf("the grid ran, but its figure fails: %v", err)
			}
		})
	}
}
