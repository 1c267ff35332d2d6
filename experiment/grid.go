package experiment

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/scenarios"
	"desim/sim"
)

// Grid is a parsed grid file: a base scenario and one or two axes of
// values of its fields; every combination of values is a cell, swept over
// the same seeds.
type Grid struct {
	Name        string
	Description string
	// Ref is how the grid was named when loaded (a built-in name or a
	// path), for the commands a result prints.
	Ref string
	// Base is the scenario every cell starts from (duration applied).
	Base *scenarios.Scenario
	// Axes are the one or two axes; cells run with axis 0 outermost.
	Axes  []Axis
	Seeds stats.SeedRange
	Show  Show
}

// Axis is one varied field and its values, in order.
type Axis struct {
	// Field is a field path: die, latency, jitter, machines[i].rate or
	// machines[i].start.
	Field  string
	Values []Value
	// Log marks values generated on a log scale (the figure's axis is
	// logarithmic then).
	Log bool
}

// Value is one exact value of an axis: a number of faces, ticks per second
// or seconds.
type Value struct {
	// Text is the value as written or generated (rates and seconds as
	// decimals, durations possibly in Go syntax).
	Text string
	// X is the exact value (seconds for durations).
	X *big.Rat
}

// Float returns the value as a float64 (seconds for durations).
func (v Value) Float() float64 {
	f, _ := v.X.Float64()
	return f
}

// Show is what a grid's figure colours: a metric of one machine, or the
// largest or smallest over machines.
type Show struct {
	Metric *analysis.Metric
	// Machine is the machine shown when Extreme is "".
	Machine int
	// Extreme is "", "max" or "min".
	Extreme string
}

// fieldPath matches a field path: group 1 a scalar field, groups 2 and 3 a
// list of machine indices and their field.
var fieldPath = regexp.MustCompile(`^(?:(die|latency|jitter)|machines\[((?:0|[1-9][0-9]{0,5})(?:,(?:0|[1-9][0-9]{0,5})){0,99})\]\.(rate|start))$`)

// FieldNames lists the field paths a grid may vary, as written. A list of
// machines, machines[1,2].rate, sets the same value on each of them.
const FieldNames = "die, latency, jitter, machines[i].rate, machines[i].start, machines[i,j,...].rate"

// field is a parsed field path.
type field struct {
	name     string // die, latency, jitter, rate, start
	machines []int  // for rate and start: distinct, in the order written
}

func parseField(s string) (field, bool) {
	m := fieldPath.FindStringSubmatch(s)
	if m == nil {
		return field{}, false
	}
	if m[1] != "" {
		return field{name: m[1]}, true
	}
	f := field{name: m[3]}
	for _, t := range strings.Split(m[2], ",") {
		i, _ := strconv.Atoi(t)
		if slices.Contains(f.machines, i) {
			return field{}, false
		}
		f.machines = append(f.machines, i)
	}
	return f, true
}

// maxMachine returns the largest machine index of f, or -1.
func (f field) maxMachine() int {
	m := -1
	for _, i := range f.machines {
		m = max(m, i)
	}
	return m
}

// isDuration reports whether the field holds a duration (in seconds).
func (f field) isDuration() bool {
	return f.name == "latency" || f.name == "jitter" || f.name == "start"
}

// apply sets the field of s (a copy whose Machines the caller owns) to v.
func (f field) apply(s *scenarios.Scenario, v Value) error {
	switch f.name {
	case "die":
		if !v.X.IsInt() || !v.X.Num().IsInt64() || v.X.Num().Int64() > sim.MaxFaces {
			return fmt.Errorf("die %s is not a whole number of faces up to %d", v.Text, sim.MaxFaces)
		}
		s.Die = int(v.X.Num().Int64())
		return nil
	case "rate":
		if m := f.maxMachine(); m >= len(s.Machines) {
			return fmt.Errorf("no machine %d (the base has %d)", m, len(s.Machines))
		}
		r, err := sim.ParseRate(v.X.RatString())
		if err != nil {
			return err
		}
		for _, i := range f.machines {
			s.Machines[i].Rate = r
		}
		return nil
	}
	ns := new(big.Rat).Mul(v.X, big.NewRat(int64(time.Second), 1))
	if !ns.IsInt() || !ns.Num().IsInt64() {
		return fmt.Errorf("%s %s is not a whole number of nanoseconds up to 10^7 s", f.name, v.Text)
	}
	d := time.Duration(ns.Num().Int64())
	switch f.name {
	case "latency":
		s.Latency = d
	case "jitter":
		s.Jitter = d
	case "start":
		if m := f.maxMachine(); m >= len(s.Machines) {
			return fmt.Errorf("no machine %d (the base has %d)", m, len(s.Machines))
		}
		for _, i := range f.machines {
			s.Machines[i].Start = d
		}
	}
	return nil
}

// NumCells returns the number of cells.
func (g *Grid) NumCells() int {
	n := 1
	for _, a := range g.Axes {
		n *= len(a.Values)
	}
	return n
}

// cellIndex returns the axis indices of cell c (axis 0 outermost).
func (g *Grid) cellIndex(c int) []int {
	idx := make([]int, len(g.Axes))
	for k := len(g.Axes) - 1; k >= 0; k-- {
		n := len(g.Axes[k].Values)
		idx[k] = c % n
		c /= n
	}
	return idx
}

// cellLabel names cell c by its field values, e.g. "machines[2].rate=0.25 die=3".
func (g *Grid) cellLabel(idx []int) string {
	parts := make([]string, len(idx))
	for k, i := range idx {
		parts[k] = g.Axes[k].Field + "=" + g.Axes[k].Values[i].Text
	}
	return strings.Join(parts, " ")
}

// Cell returns the scenario of cell c (0 ≤ c < NumCells): a copy of the
// base with each axis' field set to the cell's value. A value that makes
// the scenario invalid is bad input naming the cell and the field value.
func (g *Grid) Cell(c int) (*scenarios.Scenario, error) {
	if c < 0 || c >= g.NumCells() {
		return nil, fmt.Errorf("grid %s has no cell %d", g.Name, c)
	}
	idx := g.cellIndex(c)
	s := *g.Base
	s.Machines = append([]scenarios.Machine(nil), g.Base.Machines...)
	label := g.cellLabel(idx)
	s.Name = fmt.Sprintf("%s.%d", g.Name, c)
	s.Description = fmt.Sprintf("cell %d of grid %s: %s", c, g.Name, label)
	for k, i := range idx {
		f, ok := parseField(g.Axes[k].Field)
		if !ok {
			return nil, Inputf("grid %s: cell %d (%s): unknown field %q (known: %s)", g.Name, c, label, g.Axes[k].Field, FieldNames)
		}
		if err := f.apply(&s, g.Axes[k].Values[i]); err != nil {
			return nil, Inputf("grid %s: cell %d (%s): %s=%s: %w", g.Name, c, label, g.Axes[k].Field, g.Axes[k].Values[i].Text, err)
		}
	}
	if err := s.Check(); err != nil {
		return nil, Inputf("grid %s: cell %d (%s): %w", g.Name, c, label, err)
	}
	cfg := s.Config(0)
	if err := cfg.Validate(); err != nil {
		return nil, Inputf("grid %s: cell %d (%s): %w", g.Name, c, label, err)
	}
	return &s, nil
}

// Cells returns the scenarios of every cell, in order, or the first cell's
// problem.
func (g *Grid) Cells() ([]*scenarios.Scenario, error) {
	out := make([]*scenarios.Scenario, g.NumCells())
	for c := range out {
		s, err := g.Cell(c)
		if err != nil {
			return nil, err
		}
		out[c] = s
	}
	return out, nil
}
