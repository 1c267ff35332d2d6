package figure

import (
	"math"

	"gonum.org/v1/plot/plotter"

	"desim/sim"
)

// Source supplies a figure's records when a run is too long to hold in
// memory: the figure is drawn from two passes over them. The first, made
// before drawing, finds their Extent, which sets the axes and so the
// panels' widths and the decimation's columns; the second, Replay, streams
// the records through a Thinner per line, so that drawing holds a few
// thousand points per line however many records there are. The figure is
// the same, byte for byte, as the one drawn from the same records in
// Series.Records.
type Source interface {
	// Extent returns the extent of the records of all the series.
	Extent() Extent
	// Replay calls add with the records of every series, in batches,
	// each series' in time order (series may interleave). A batch is
	// add's only during the call. Replay's records must be those Extent
	// describes; an error stops the drawing and is WriteFigure's.
	Replay(add func(series int, batch []sim.Record)) error
}

// Extent is the largest time (in ns, At), logical clock and queue length
// of a figure's records; each is 0 when there are none, or none above 0.
type Extent struct {
	End, Clock, Queue int64
}

// Thinner is Decimate done incrementally: points are added one at a time,
// in order of x, and Points returns what Decimate returns for all of them
// with the same xmin, xmax and columns. It holds O(columns) points however
// many are added: every point while there are at most 4·columns (which
// Decimate keeps whole), then the points kept of the columns closed so
// far.
type Thinner struct {
	xmin, scale float64
	columns     int
	limit       int         // 4·columns: more points than that are decimated
	raw         plotter.XYs // every point, until there are more than limit
	out         plotter.XYs // the points kept of the columns closed so far
	thinning    bool        // more than limit points were added
	// The open column: its index and its first, lowest, highest and last
	// points.
	cur                 int
	first, lo, hi, last indexedXY
	next                int // index of the next point
}

// indexedXY is a point and its index among the points added.
type indexedXY struct {
	i  int
	xy plotter.XY
}

// NewThinner returns a Thinner for Decimate(pts, xmin, xmax, columns).
func NewThinner(xmin, xmax float64, columns int) *Thinner {
	columns = max(columns, 1)
	t := &Thinner{xmin: xmin, columns: columns, limit: 4 * columns}
	if xmax > xmin {
		t.scale = float64(columns) / (xmax - xmin)
	}
	return t
}

// Add adds the next point.
func (t *Thinner) Add(p plotter.XY) {
	if !t.thinning {
		if len(t.raw) < t.limit {
			t.raw = append(t.raw, p)
			return
		}
		// One more than Decimate keeps whole: thin from the start.
		raw := t.raw
		t.raw, t.thinning = nil, true
		for _, q := range raw {
			t.thin(q)
		}
	}
	t.thin(p)
}

// column is Decimate's column of x.
func (t *Thinner) column(x float64) int {
	c := int(math.Floor((x - t.xmin) * t.scale))
	return min(max(c, 0), t.columns-1)
}

// thin adds a point to the decimation, as Decimate's loop does.
func (t *Thinner) thin(p plotter.XY) {
	q := indexedXY{t.next, p}
	t.next++
	c := t.column(p.X)
	switch {
	case q.i == 0:
		t.cur, t.first, t.lo, t.hi = c, q, q, q
	case c != t.cur:
		t.keep()
		t.cur, t.first, t.lo, t.hi = c, q, q, q
	default:
		if p.Y < t.lo.xy.Y {
			t.lo = q
		}
		if p.Y > t.hi.xy.Y {
			t.hi = q
		}
	}
	t.last = q
}

// keep emits the open column's points first, lo, hi and last in the
// order they were added, each once.
func (t *Thinner) keep() {
	ps := [4]indexedXY{t.first, t.lo, t.hi, t.last}
	for i := 1; i < 4; i++ { // insertion sort of four
		for j := i; j > 0 && ps[j].i < ps[j-1].i; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	for i, p := range ps {
		if i == 0 || p.i != ps[i-1].i {
			t.out = append(t.out, p.xy)
		}
	}
}

// Points returns the points Decimate keeps of the points added. It may be
// called more than once.
func (t *Thinner) Points() plotter.XYs {
	if !t.thinning {
		return append(plotter.XYs(nil), t.raw...)
	}
	closed := t.out
	t.out = make(plotter.XYs, len(closed), len(closed)+4)
	copy(t.out, closed)
	t.keep() // the open column's points, to the copy
	out := t.out
	t.out = closed // the column stays open for more points
	return out
}
