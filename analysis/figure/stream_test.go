package figure

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"

	"desim/sim"
)

// thinned adds pts to a Thinner one at a time and returns its points.
func thinned(pts plotter.XYs, xmin, xmax float64, columns int) (plotter.XYs, *Thinner) {
	th := NewThinner(xmin, xmax, columns)
	for _, p := range pts {
		th.Add(p)
	}
	return th.Points(), th
}

// sameXYs reports whether a and b hold the same points, bit for bit, and
// are both nil or both not.
func sameXYs(a, b plotter.XYs) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i].X) != math.Float64bits(b[i].X) || math.Float64bits(a[i].Y) != math.Float64bits(b[i].Y) {
			return false
		}
	}
	return true
}

// TestThinnerIsDecimate: a Thinner keeps exactly the points Decimate
// keeps, on Decimate's own cases and on random series around the
// threshold of 4·columns points, with ranges that cut the series, ties,
// repeated and out-of-order x, and empty or inverted ranges.
func TestThinnerIsDecimate(t *testing.T) {
	check := func(t *testing.T, pts plotter.XYs, xmin, xmax float64, columns int) {
		t.Helper()
		want := Decimate(pts, xmin, xmax, columns)
		got, th := thinned(pts, xmin, xmax, columns)
		if !sameXYs(got, want) {
			t.Fatalf("%d points over [%g, %g] in %d columns: Thinner kept %d points, Decimate %d\n got  %v\n want %v",
				len(pts), xmin, xmax, columns, len(got), len(want), got, want)
		}
		if again := th.Points(); !sameXYs(again, want) {
			t.Fatalf("Points a second time differs")
		}
	}
	for _, tc := range decimateCases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.pts, 0, tc.pts[len(tc.pts)-1].X, tc.columns)
			check(t, tc.pts, 40, 60, tc.columns)
		})
	}
	t.Run("empty", func(t *testing.T) { check(t, nil, 0, 1, 10) })
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for trial := range 3000 {
			columns := rng.IntN(12) - 1 // -1 and 0 count as 1
			n := 4*max(columns, 1) + rng.IntN(9) - 4
			if trial%10 == 0 {
				n = rng.IntN(400)
			}
			pts := make(plotter.XYs, max(n, 0))
			x := 0.0
			for i := range pts {
				switch rng.IntN(4) {
				case 0: // repeated x
				case 1:
					x -= rng.Float64() // out of order
				default:
					x += rng.Float64()
				}
				pts[i] = plotter.XY{X: x, Y: float64(rng.IntN(5))} // many ties
			}
			xmin, xmax := 0.0, x
			switch trial % 4 {
			case 1:
				xmin, xmax = x/3, x/2 // points on both sides of the range
			case 2:
				xmax = xmin // empty range: scale 0
			case 3:
				xmin, xmax = xmax, xmin-1 // inverted
			}
			check(t, pts, xmin, xmax, columns)
		}
	})
}

// TestThinnerBounded: however many points are added, a Thinner holds
// O(columns) of them.
func TestThinnerBounded(t *testing.T) {
	const columns = 50
	th := NewThinner(0, 1e6, columns)
	for i := range 1_000_000 {
		th.Add(plotter.XY{X: float64(i), Y: float64(i * 7919 % 1013)})
		if i%1000 == 0 && len(th.raw)+len(th.out) > 4*columns+4 {
			t.Fatalf("after %d points it holds %d", i+1, len(th.raw)+len(th.out))
		}
	}
	if got := len(th.Points()); got > 4*columns {
		t.Errorf("%d points kept, want at most %d", got, 4*columns)
	}
}

// recordsSource is a Source over records in memory, replayed in batches
// of a given size, machines interleaved.
type recordsSource struct {
	recs  [][]sim.Record
	batch int
	err   error
}

func (s *recordsSource) Extent() Extent {
	var e Extent
	for _, rs := range s.recs {
		for _, r := range rs {
			e.End, e.Clock, e.Queue = max(e.End, r.At), max(e.Clock, r.Clock), max(e.Queue, r.Queue)
		}
	}
	return e
}

func (s *recordsSource) Replay(add func(int, []sim.Record)) error {
	if s.err != nil {
		return s.err
	}
	rest := slices.Clone(s.recs)
	for more := true; more; {
		more = false
		for i, rs := range rest {
			k := min(len(rs), s.batch)
			if k == 0 {
				continue
			}
			add(i, slices.Clone(rs[:k]))
			rest[i], more = rs[k:], true
		}
	}
	return nil
}

// streamed returns f with its records in a Source instead of its series.
func streamed(f *Figure, batch int) *Figure {
	g := *f
	g.Series = slices.Clone(f.Series)
	src := &recordsSource{batch: batch}
	for i := range g.Series {
		src.recs = append(src.recs, g.Series[i].Records)
		g.Series[i].Records = nil
	}
	g.Source = src
	return &g
}

// TestSourceFigureIsRecordsFigure: a figure drawn from a Source has the
// bytes of the one drawn from the same records in memory, in every
// format, for long runs (decimated), short ones (kept whole), a run
// without a duration and figures with few points.
func TestSourceFigureIsRecordsFigure(t *testing.T) {
	figs := map[string]*Figure{
		"A1 1800s":   plotScenarioRun(t, "A1", 1800*time.Second),
		"A2 60s":     plotScenarioRun(t, "A2", 60*time.Second),
		"B4 5s":      plotScenarioRun(t, "B4", 5*time.Second),
		"separated":  separatedFigure(),
		"no records": {Title: "empty", Series: []Series{{ID: 0}, {ID: 1, Rate: "2"}}},
	}
	noDuration := plotScenarioRun(t, "A3", 600*time.Second)
	noDuration.Duration = 0
	figs["A3 600s, no duration"] = noDuration
	for name, f := range figs {
		for _, format := range FigureFormats {
			want := render(t, f, format)
			for _, batch := range []int{1, 7, 4096} {
				if got := render(t, streamed(f, batch), format); !bytes.Equal(got, want) {
					t.Errorf("%s, %s, batches of %d: the figure from a Source differs from the figure of the records (%d bytes, want %d)",
						name, format, batch, len(got), len(want))
				}
			}
		}
	}
}

func TestSourceError(t *testing.T) {
	f := streamed(separatedFigure(), 10)
	boom := errors.New("boom")
	f.Source.(*recordsSource).err = boom
	for _, format := range FigureFormats {
		if err := WriteFigure(&bytes.Buffer{}, f, format); !errors.Is(err, boom) {
			t.Errorf("%s: WriteFigure = %v, want the Source's error", format, err)
		}
	}
}
