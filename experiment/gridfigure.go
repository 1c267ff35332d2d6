package experiment

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"desim/analysis"
	"desim/analysis/figure"
	"desim/scenarios"
)

// BoundarySamples is the number of samples along each axis of the fine
// grid on which the ρ = 1 boundary is computed from the predictor.
const BoundarySamples = 200

// MaxCurveValues is the most values an axis may have to be drawn as one
// line per value: a grid whose second axis (or first) is that short is
// drawn as curves against the other axis, not as a map.
const MaxCurveValues = 4

// GridFigureFormat returns the figure format path's extension names, or
// bad input.
func GridFigureFormat(path string) (string, error) {
	f, err := figure.FormatOf(path, "grid figure")
	if err != nil {
		return "", Input(err)
	}
	return f, nil
}

// WriteGridFigure draws the grid's figure (see RenderGridFigure) to path,
// atomically, in the format its extension names.
func WriteGridFigure(path string, res *GridResult) error {
	format, err := GridFigureFormat(path)
	if err != nil {
		return err
	}
	data, err := RenderGridFigure(res, format)
	if err != nil {
		return err
	}
	return WriteFile(path, data)
}

// RenderGridFigure draws a grid's result: a map of the shown metric over
// the plane with each machine's ρ = 1 boundary and the paper's
// experiments in it, or, for one axis or a second axis of at most
// MaxCurveValues values, the metric against the first axis with its 95 %
// CI band and the finite-horizon prediction, one line per value of the
// second axis.
func RenderGridFigure(res *GridResult, format string) ([]byte, error) {
	g := res.grid
	if g == nil {
		return nil, fmt.Errorf("grid %s: the result has no grid (use GridResultOf)", res.Grid)
	}
	var buf bytes.Buffer
	var err error
	if len(g.Axes) == 1 || len(g.Axes[1].Values) <= MaxCurveValues || len(g.Axes[0].Values) <= MaxCurveValues {
		err = figure.WriteGridCurve(&buf, gridCurve(res, g), format)
	} else {
		err = figure.WriteGridMap(&buf, gridMap(res, g), format)
	}
	return buf.Bytes(), err
}

// fieldLabel names an axis with its unit.
func fieldLabel(a Axis) string {
	f, _ := parseField(a.Field)
	switch {
	case f.name == "die":
		return "die (faces R)"
	case f.name == "rate":
		return a.Field + " (ticks/s)"
	}
	return a.Field + " (s)"
}

func axisFloats(a Axis) []float64 {
	out := make([]float64, len(a.Values))
	for i, v := range a.Values {
		out[i] = v.Float()
	}
	return out
}

// gridTitle is a figure's title and subtitle.
func gridTitle(res *GridResult) (string, string) {
	return "grid " + res.Grid + ": " + res.ShownLabel(),
		fmt.Sprintf("base %s, %g s per run, seeds %d-%d; agreement with ρ ≥ 1: %d of %d machines", res.Base, res.DurationS,
			res.Seeds.From, res.Seeds.To, res.Agreement.Agree, res.Agreement.Judged)
}

// gridMap is the map of a two-axis grid: axis 0 along x, axis 1 along y.
func gridMap(res *GridResult, g *Grid) *figure.GridMap {
	m := &figure.GridMap{XLabel: fieldLabel(g.Axes[0]), YLabel: fieldLabel(g.Axes[1]), ZLabel: res.ShownLabel(),
		X: axisFloats(g.Axes[0]), Y: axisFloats(g.Axes[1]), LogX: g.Axes[0].Log, LogY: g.Axes[1].Log,
		PointsLabel: "the paper's experiments"}
	m.Title, m.Subtitle = gridTitle(res)
	nx, ny := len(m.X), len(m.Y)
	m.Z = make([][]float64, ny)
	for j := range m.Z {
		m.Z[j] = make([]float64, nx)
		for i := range m.Z[j] {
			m.Z[j][i], _ = res.ShownValue(i*ny + j)
		}
	}
	m.Boundaries = boundaries(g, m)
	for _, p := range paperPoints(g) {
		m.Points = append(m.Points, figure.Point{X: p.at[0], Y: p.at[1], Label: p.name})
	}
	return m
}

// span returns n samples from lo to hi, evenly or on a log scale.
func span(lo, hi float64, n int, log bool) []float64 {
	out := make([]float64, n)
	for k := range out {
		t := float64(k) / float64(n-1)
		if log {
			out[k] = lo * math.Pow(hi/lo, t)
		} else {
			out[k] = lo + (hi-lo)*t
		}
	}
	out[0], out[n-1] = lo, hi
	return out
}

// loadsAt returns the mean-field loads of g's base with each axis' field
// set to x[k] (a real number of faces for the die); fields are the axes'
// fields, parsed once (axisFields) for the many samples of a boundary.
//
// Rates are effective rates (scenarios.Machine.EffectiveRate): a machine
// with a timing model ticks at 1/(1/rate + mean overshoot).
func loadsAt(g *Grid, fields []field, x []float64) []float64 {
	rates := g.Base.EffectiveRates()
	faces := float64(g.Base.Die)
	for k, f := range fields {
		switch f.name {
		case "die":
			faces = x[k]
		case "rate":
			for _, i := range f.machines {
				rates[i] = 1 / (1/x[k] + g.Base.Machines[i].Timing.OvershootMean.Seconds())
			}
		}
	}
	return analysis.Loads(rates, faces)
}

// axisFields returns the parsed field of each of g's axes.
func axisFields(g *Grid) []field {
	out := make([]field, len(g.Axes))
	for k, a := range g.Axes {
		out[k], _ = parseField(a.Field)
	}
	return out
}

// boundaries samples each machine's load on a fine grid over the map's
// extent and keeps those that cross 1 there; machines with the same loads
// everywhere share one boundary. A die below 2 faces has no meaning: the
// samples start at 2 there.
func boundaries(g *Grid, m *figure.GridMap) []figure.Boundary {
	xmin, xmax, ymin, ymax := m.Extent()
	for k, a := range g.Axes {
		if f, _ := parseField(a.Field); f.name == "die" && k == 0 {
			xmin = max(xmin, 2)
		} else if f.name == "die" {
			ymin = max(ymin, 2)
		}
	}
	xs := span(xmin, xmax, BoundarySamples, g.Axes[0].Log)
	ys := span(ymin, ymax, BoundarySamples, g.Axes[1].Log)
	n := len(g.Base.Machines)
	loads := make([][][]float64, n)
	for i := range loads {
		loads[i] = make([][]float64, len(ys))
		for j := range ys {
			loads[i][j] = make([]float64, len(xs))
		}
	}
	fields := axisFields(g)
	for j, y := range ys {
		for k, x := range xs {
			for i, l := range loadsAt(g, fields, []float64{x, y}) {
				loads[i][j][k] = l
			}
		}
	}
	var out []figure.Boundary
	var owners [][]int
next:
	for i := range loads {
		above, below := false, false
		for _, row := range loads[i] {
			for _, l := range row {
				above, below = above || l >= 1, below || l < 1
			}
		}
		if !above || !below {
			continue
		}
		for b, o := range owners {
			if sameLoads(loads[o[0]], loads[i]) {
				owners[b] = append(owners[b], i)
				continue next
			}
		}
		owners = append(owners, []int{i})
		out = append(out, figure.Boundary{X: xs, Y: ys, Load: loads[i]})
	}
	for b, o := range owners {
		out[b].Label = "ρ = 1, " + machineList(o)
	}
	return out
}

func sameLoads(a, b [][]float64) bool {
	for j := range a {
		for k := range a[j] {
			if a[j][k] != b[j][k] {
				return false
			}
		}
	}
	return true
}

// machineList is "machine 2" or "machines 1, 2".
func machineList(ids []int) string {
	s := make([]string, len(ids))
	for k, i := range ids {
		s[k] = fmt.Sprint(i)
	}
	if len(ids) == 1 {
		return "machine " + s[0]
	}
	return "machines " + strings.Join(s, ", ")
}

// paperPoint is a built-in scenario that lies in a grid's plane: the base
// with only the varied fields changed.
type paperPoint struct {
	name string
	at   []float64 // its value on each axis
}

// paperPoints returns the built-in scenarios in g's plane, within the
// range of its axes, in the built-ins' order.
func paperPoints(g *Grid) []paperPoint {
	var out []paperPoint
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil || len(s.Machines) != len(g.Base.Machines) {
			continue
		}
		if p, ok := inPlane(g, s); ok {
			p.name = name
			out = append(out, p)
		}
	}
	return out
}

// inPlane reports whether s is g's base with only the varied fields
// changed, and where it lies.
func inPlane(g *Grid, s *scenarios.Scenario) (paperPoint, bool) {
	b := g.Base
	die, latency, jitter := s.Die == b.Die, s.Latency == b.Latency, s.Jitter == b.Jitter
	rate := make([]bool, len(b.Machines))
	start := make([]bool, len(b.Machines))
	for i := range b.Machines {
		rate[i] = s.Machines[i].Rate == b.Machines[i].Rate
		start[i] = s.Machines[i].Start == b.Machines[i].Start
	}
	var p paperPoint
	for _, a := range g.Axes {
		f, _ := parseField(a.Field)
		var v float64
		switch f.name {
		case "die":
			die, v = true, float64(s.Die)
		case "latency":
			latency, v = true, s.Latency.Seconds()
		case "jitter":
			jitter, v = true, s.Jitter.Seconds()
		default:
			for k, i := range f.machines {
				m, m0 := s.Machines[i], s.Machines[f.machines[0]]
				if f.name == "rate" && m.Rate != m0.Rate || f.name == "start" && m.Start != m0.Start {
					return p, false // the field sets one value on all its machines
				}
				if k == 0 && f.name == "rate" {
					v = s.Rates()[i]
				} else if k == 0 {
					v = m.Start.Seconds()
				}
				if f.name == "rate" {
					rate[i] = true
				} else {
					start[i] = true
				}
			}
		}
		xs := axisFloats(a)
		if v < xs[0] || v > xs[len(xs)-1] {
			return p, false
		}
		p.at = append(p.at, v)
	}
	ok := die && latency && jitter
	for i := range rate {
		ok = ok && rate[i] && start[i]
	}
	return p, ok
}

// gridCurve draws a grid as curves: the shown metric against the longer
// axis, one line per machine shown and value of the shorter axis.
func gridCurve(res *GridResult, g *Grid) *figure.GridCurve {
	long, short := 0, -1
	if len(g.Axes) == 2 {
		short = 1
		if len(g.Axes[0].Values) <= MaxCurveValues && len(g.Axes[1].Values) > len(g.Axes[0].Values) {
			long, short = 1, 0
		}
	}
	metric, _ := analysis.MetricByKey(res.Show.Metric)
	c := &figure.GridCurve{XLabel: fieldLabel(g.Axes[long]), YLabel: fmt.Sprintf("%s (%s)", metric.Key, metric.Unit),
		LogX: g.Axes[long].Log, PointsLabel: "the paper's experiments"}
	c.Title, c.Subtitle = gridTitle(res)
	xs := axisFloats(g.Axes[long])
	nShort := 1
	if short >= 0 {
		nShort = len(g.Axes[short].Values)
	}
	machines := []int{res.Show.Machine}
	if res.Show.Extreme != "" {
		machines = machines[:0]
		for i := range g.Base.Machines {
			machines = append(machines, i)
		}
	}
	points := paperPoints(g)
	for s := range nShort {
		for _, i := range machines {
			line := figure.CurveLine{Label: fmt.Sprintf("machine %d", i), X: xs}
			if short >= 0 {
				line.Label += ", " + g.Axes[short].Field + " " + g.Axes[short].Values[s].Text
			}
			for l := range xs {
				idx := []int{l}
				if short >= 0 {
					idx = make([]int, 2)
					idx[long], idx[short] = l, s
				}
				cell := idx[0]
				if len(idx) == 2 {
					cell = idx[0]*len(g.Axes[1].Values) + idx[1]
				}
				sum := res.Cells[cell].Output.Machines[i].Metric(metric)
				line.Mean = append(line.Mean, sum.Mean)
				line.CI95 = append(line.CI95, sum.CI95)
				pred := math.NaN()
				if sum.Predicted != nil {
					pred = *sum.Predicted
				}
				line.Pred = append(line.Pred, pred)
			}
			line.PredX = xs
			c.Lines = append(c.Lines, line)
			// The paper's experiments on this line, at the line's value.
			for _, p := range points {
				if short >= 0 && p.at[short] != g.Axes[short].Values[s].Float() || i != machines[0] {
					continue
				}
				c.Points = append(c.Points, figure.Point{X: p.at[long], Y: interpolate(xs, line.Mean, p.at[long]), Label: p.name})
			}
		}
	}
	return c
}

// interpolate returns y at x by linear interpolation of (xs, ys), xs
// ascending and x within them.
func interpolate(xs, ys []float64, x float64) float64 {
	for k := 1; k < len(xs); k++ {
		if x <= xs[k] {
			t := (x - xs[k-1]) / (xs[k] - xs[k-1])
			return ys[k-1] + t*(ys[k]-ys[k-1])
		}
	}
	return ys[len(ys)-1]
}
