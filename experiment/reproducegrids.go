package experiment

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
	"desim/internal/shell"
	"desim/scenarios"
)

// ReproduceGrids returns the built-in grids (GridNames) as Reproduce runs
// them: each over seeds 1..o.GridSeeds of o.GridDuration of virtual time,
// or the grid's own seeds and duration where those are 0.
func ReproduceGrids(o ReproduceOptions) ([]*Grid, error) {
	if o.GridSeeds == 1 {
		return nil, Inputf("%d grid seeds: need at least 2 for confidence intervals", o.GridSeeds)
	}
	if o.GridDuration < 0 {
		return nil, Inputf("grid duration %s is negative", o.GridDuration)
	}
	ov := GridOverrides{Duration: o.GridDuration}
	if o.GridSeeds > 0 {
		ov.Seeds = stats.SeedRange{From: 1, To: o.GridSeeds}
	}
	var out []*Grid
	for _, n := range GridNames() {
		g, err := LoadGrid(n, ov)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// ReproduceRuns returns the number of runs Reproduce sweeps with o, for a
// progress display: o.Seeds per built-in scenario, and every cell of every
// built-in grid over its seeds (or claim 2's family, which reports no
// progress, with o.Family).
func ReproduceRuns(o ReproduceOptions) (int64, error) {
	n := int64(min(o.Seeds, math.MaxInt32)) * int64(len(scenarios.Names()))
	if o.Family {
		return n, nil
	}
	grids, err := ReproduceGrids(o)
	if err != nil {
		return 0, err
	}
	for _, g := range grids {
		n += int64(g.NumCells()) * int64(min(g.Seeds.Count(), math.MaxInt32))
	}
	return n, nil
}

// gridReportInput converts a built-in grid's result into the report's
// input: figure is the figure's path relative to the report.
func gridReportInput(res *GridResult, figure string) (report.GridInput, error) {
	g := res.grid
	dur := scenarios.FormatDuration(g.Base.Duration)
	seeds := strconv.FormatUint(res.Seeds.To, 10)
	if res.Seeds.From != 1 {
		seeds = fmt.Sprintf("%d-%d", res.Seeds.From, res.Seeds.To)
	}
	plot := path.Base(figure)
	if figure == "" {
		plot = "grid-" + res.Grid + ".png"
	}
	in := report.GridInput{
		Name: res.Grid, Description: res.Description, Cells: len(res.Cells), Seeds: res.Seeds, Duration: dur,
		Figure:   figure,
		Command:  shell.Join([]string{"desim", "grid", g.ref(), "--seeds", seeds, "--duration", dur, "--plot", plot}),
		Plot:     gridPlotText(res, g),
		Boundary: gridBoundaryText(g),
		Cases:    []report.FamilyCase{},
	}
	for _, p := range paperPoints(g) {
		var at []string
		for k, a := range g.Axes {
			at = append(at, a.Field+" = "+strconv.FormatFloat(p.at[k], 'g', 4, 64))
		}
		in.Points = append(in.Points, report.GridPoint{Scenario: p.name, At: strings.Join(at, ", ")})
	}
	// The command that sweeps cell c again, as GridResultOf's misses have it.
	replay := func(c int) string {
		return shell.Join([]string{"desim", "grid", g.ref(), "--duration", dur, "--cell", strconv.Itoa(c)}) + " | " +
			shell.Join([]string{"desim", "sweep", "-", "--seeds", fmt.Sprintf("%d-%d", res.Seeds.From, res.Seeds.To)})
	}
	a := res.Agreement
	in.Agreement = report.GridAgreement{Rule: a.Rule, Judged: a.Judged, Agree: a.Agree, Excluded: a.Excluded, Share: a.Share,
		Target: a.Target, Band: AgreementBand, Misses: []report.GridMiss{}}
	for _, m := range a.Misses {
		in.Agreement.Misses = append(in.Agreement.Misses, report.GridMiss{Cell: m.Cell, Label: m.Label, Machine: m.Machine, Load: m.Load,
			QueueSlope: m.QueueSlope.Mean, QueueSlopeCI95: m.QueueSlope.CI95, Class: m.Class, Replay: m.Replay})
	}
	// Claim 2b's cases: every machine slower than its cell's fastest.
	qs := analysis.QueueSlope.Index()
	for c, cell := range res.Cells {
		sc, err := g.Cell(c)
		if err != nil {
			return in, err
		}
		rates := sc.EffectiveRates() // as the family and the loads: identical without timing
		fastest := slices.Max(rates)
		var names []string
		for _, m := range sc.Machines {
			names = append(names, m.Rate.String())
		}
		for i, mo := range cell.Output.Machines {
			if rates[i] >= fastest {
				continue
			}
			q := mo.Metrics[qs]
			in.Cases = append(in.Cases, report.FamilyCase{
				Scenario: sc.Name, Rates: names, Die: sc.Die, Machine: i, Ratio: fastest / rates[i], Load: cell.Loads[i],
				LateQueueSlope: q.Mean, LateQueueSlopeCI95: q.CI95, Slope: report.SlopeWholeRun, Class: cell.Drift[i],
				Replay: replay(c),
			})
		}
	}
	return in, nil
}

// curveAxes returns the axis a grid's curves run along and the axis whose
// values make one line each (-1 for one axis), as RenderGridFigure draws
// them; curves is false when the figure is a map.
func curveAxes(g *Grid) (long, short int, curves bool) {
	if len(g.Axes) == 1 {
		return 0, -1, true
	}
	if len(g.Axes[1].Values) > MaxCurveValues && len(g.Axes[0].Values) > MaxCurveValues {
		return 0, 1, false
	}
	if len(g.Axes[0].Values) <= MaxCurveValues && len(g.Axes[1].Values) > len(g.Axes[0].Values) {
		return 1, 0, true
	}
	return 0, 1, true
}

// axisRange names an axis with its unit and its range, e.g.
// "machines[2].rate (ticks/s) from 0.25 to 6 (24 values)".
func axisRange(a Axis) string {
	s := fmt.Sprintf("%s from %s to %s (%d values", fieldLabel(a), a.Values[0].Text, a.Values[len(a.Values)-1].Text, len(a.Values))
	if a.Log {
		s += " on a log scale"
	}
	return s + ")"
}

// gridPlotText says what a grid's figure plots.
func gridPlotText(res *GridResult, g *Grid) string {
	long, short, curves := curveAxes(g)
	if !curves {
		return fmt.Sprintf("a map of the mean %s over %d cells, %s across and %s up, coloured on the viridis scale from dark purple (low) to yellow (high), with the predictor's ρ = 1 boundary drawn as a line",
			res.ShownLabel(), len(res.Cells), axisRange(g.Axes[0]), axisRange(g.Axes[1]))
	}
	s := fmt.Sprintf("the mean %s with its 95 %% confidence band and the predicted curve, against %s", res.ShownLabel(), axisRange(g.Axes[long]))
	if short >= 0 {
		var vs []string
		for _, v := range g.Axes[short].Values {
			vs = append(vs, v.Text)
		}
		s += fmt.Sprintf(", one line per %s (%s)", g.Axes[short].Field, strings.Join(vs, ", "))
	}
	return s
}

// fieldUnit is the unit of a field's values, for text.
func fieldUnit(a Axis) string {
	f, _ := parseField(a.Field)
	switch {
	case f.name == "die":
		return " faces"
	case f.name == "rate":
		return " c/s"
	}
	return " s"
}

// gridBoundaryText says in words where each machine's load ρ = 1 lies in
// g's plane, from the predictor as the figure's boundary: along the axis
// the curves run along (the first for a map), at each value of the other
// axis for curves, at its first and last value for a map. Machines whose
// loads cross 1 at the same places share a sentence.
func gridBoundaryText(g *Grid) []string {
	long, short, curves := curveAxes(g)
	others := []int{-1}
	if short >= 0 {
		n := len(g.Axes[short].Values)
		others = []int{0, n - 1}
		if curves || n == 1 {
			others = others[:0]
			for k := range n {
				others = append(others, k)
			}
		}
	}
	a := g.Axes[long]
	lo, hi := a.Values[0].Float(), a.Values[len(a.Values)-1].Float()
	if f, _ := parseField(a.Field); f.name == "die" {
		lo = max(lo, 2) // fewer than 2 faces has no meaning
	}
	xs := span(lo, hi, 4*BoundarySamples, a.Log)
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
	type phrase struct {
		text     string
		machines []int
	}
	// loads[n][k][i] is machine i's load at xs[k] on the n-th other value.
	loads := make([][][]float64, len(others))
	fields := axisFields(g)
	for n, o := range others {
		x := make([]float64, len(g.Axes))
		if o >= 0 {
			x[short] = g.Axes[short].Values[o].Float()
		}
		for _, v := range xs {
			x[long] = v
			loads[n] = append(loads[n], loadsAt(g, fields, x))
		}
	}
	var out []phrase
	for i := range g.Base.Machines {
		var at []string
		crosses, above, below, higherLoadBelow := false, false, false, false
		for n, o := range others {
			load := func(k int) float64 { return loads[n][k][i] - 1 }
			var cs []string
			prev := load(0)
			above, below = above || prev >= 0, below || prev < 0
			for k := 1; k < len(xs); k++ {
				cur := load(k)
				above, below = above || cur >= 0, below || cur < 0
				if (prev >= 0) != (cur >= 0) {
					if !crosses {
						higherLoadBelow = prev >= 0
					}
					crosses = true
					cs = append(cs, "≈ "+num(xs[k-1]+(xs[k]-xs[k-1])*prev/(prev-cur))+fieldUnit(a))
				}
				prev = cur
			}
			t := "nowhere"
			if len(cs) > 0 {
				t = strings.Join(cs, " and ")
			}
			if o >= 0 {
				t += " with " + g.Axes[short].Field + " = " + g.Axes[short].Values[o].Text
			}
			at = append(at, t)
		}
		var text string
		switch {
		case crosses:
			side := "higher"
			if higherLoadBelow {
				side = "lower"
			}
			text = fmt.Sprintf("at %s %s; the load is above 1 (drift, by the theory) at %s %s", a.Field, strings.Join(at, ", "), side, a.Field)
		case above && !below:
			text = "nowhere: the load is above 1 throughout the plane"
		default:
			continue // below 1 throughout: no boundary
		}
		k := slices.IndexFunc(out, func(p phrase) bool { return p.text == text })
		if k < 0 {
			out = append(out, phrase{text: text})
			k = len(out) - 1
		}
		out[k].machines = append(out[k].machines, i)
	}
	if len(out) == 0 {
		return []string{"No machine's load reaches ρ = 1 in this plane"}
	}
	var s []string
	for _, p := range out {
		s = append(s, fmt.Sprintf("ρ = 1 for %s %s", machineList(p.machines), p.text))
	}
	return s
}
