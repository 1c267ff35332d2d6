package experiment

import (
	"fmt"
	"slices"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/internal/quote"
	"desim/scenarios"
)

// GridSpec is what the state of a grid records of the grid, so that the
// state alone (a shard's, or a partial one) rebuilds it: merge, resume and
// the figure need nothing else.
type GridSpec struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Ref is how the grid was named (Grid.Ref); shards may differ in it.
	Ref string `json:"ref"`
	// Base is the base scenario as run (duration applied, seed 0), as YAML.
	Base string     `json:"base"`
	Axes []GridAxis `json:"axes"`
	Show ShowSpec   `json:"show"`
}

// ShowSpec is a Show as saved: the metric's key, and the machine or the
// extreme.
type ShowSpec struct {
	Metric  string `json:"metric"`
	Machine int    `json:"machine"`
	Extreme string `json:"extreme,omitempty"`
}

// Spec returns the grid's description as a state saves it.
func (g *Grid) Spec() *GridSpec {
	b := *g.Base
	b.Seed = 0
	sp := &GridSpec{Name: g.Name, Description: g.Description, Ref: g.Ref, Base: string(scenarios.Marshal(&b)),
		Show: ShowSpec{Metric: g.Show.Metric.Key, Machine: g.Show.Machine, Extreme: g.Show.Extreme}}
	for _, a := range g.Axes {
		ga := GridAxis{Field: a.Field, Log: a.Log}
		for _, v := range a.Values {
			ga.Values = append(ga.Values, v.Text)
		}
		sp.Axes = append(sp.Axes, ga)
	}
	return sp
}

func (sp *GridSpec) name() string {
	if sp == nil {
		return "(not a grid)"
	}
	return quote.Quote(sp.Name)
}

func (sp *GridSpec) equal(o *GridSpec) bool {
	if sp.Name != o.Name || sp.Description != o.Description || sp.Base != o.Base || sp.Show != o.Show || len(sp.Axes) != len(o.Axes) {
		return false
	}
	for k := range sp.Axes {
		if sp.Axes[k].Field != o.Axes[k].Field || sp.Axes[k].Log != o.Axes[k].Log || !slices.Equal(sp.Axes[k].Values, o.Axes[k].Values) {
			return false
		}
	}
	return true
}

// Grid rebuilds the grid the spec describes, over seeds.
func (sp *GridSpec) Grid(seeds stats.SeedRange) (*Grid, error) {
	base, err := scenarios.Parse(sp.Name+" base (in the grid state)", []byte(sp.Base))
	if err != nil {
		return nil, err
	}
	g := &Grid{Name: sp.Name, Description: sp.Description, Ref: sp.Ref, Base: base, Seeds: seeds}
	if len(sp.Axes) < 1 || len(sp.Axes) > 2 {
		return nil, fmt.Errorf("grid %s: %d axes", quote.Quote(sp.Name), len(sp.Axes))
	}
	for _, ga := range sp.Axes {
		f, ok := parseField(ga.Field)
		if !ok {
			return nil, fmt.Errorf("grid %s: unknown field %s", quote.Quote(sp.Name), quote.Quote(ga.Field))
		}
		if len(ga.Values) == 0 || len(ga.Values) > MaxAxisValues {
			return nil, fmt.Errorf("grid %s: axis %s has %d values", quote.Quote(sp.Name), ga.Field, len(ga.Values))
		}
		a := Axis{Field: ga.Field, Log: ga.Log}
		for _, t := range ga.Values {
			x, ok := parseNumber(t, f)
			if !ok {
				return nil, fmt.Errorf("grid %s: axis %s: bad value %s", quote.Quote(sp.Name), ga.Field, quote.Quote(t))
			}
			a.Values = append(a.Values, Value{Text: t, X: x})
		}
		g.Axes = append(g.Axes, a)
	}
	m, ok := analysis.MetricByKey(sp.Show.Metric)
	if !ok {
		return nil, fmt.Errorf("grid %s: unknown metric %s", quote.Quote(sp.Name), quote.Quote(sp.Show.Metric))
	}
	g.Show = Show{Metric: m, Machine: sp.Show.Machine, Extreme: sp.Show.Extreme}
	switch {
	case g.Show.Extreme != "" && g.Show.Extreme != "max" && g.Show.Extreme != "min":
		return nil, fmt.Errorf("grid %s: show %s: want max or min", quote.Quote(sp.Name), quote.Quote(g.Show.Extreme))
	case g.Show.Extreme == "" && (g.Show.Machine < 0 || g.Show.Machine >= len(base.Machines)):
		return nil, fmt.Errorf("grid %s: show machine %d: the base has machines 0 to %d", quote.Quote(sp.Name), g.Show.Machine, len(base.Machines)-1)
	}
	return g, nil
}

// check reports how the state's scenarios differ from the cells the spec
// describes.
func (sp *GridSpec) check(s *SweepState) error {
	g, err := sp.Grid(s.Seeds)
	if err != nil {
		return err
	}
	if g.NumCells() != len(s.Scenarios) {
		return fmt.Errorf("grid %s has %d cells, the state %d scenarios", quote.Quote(sp.Name), g.NumCells(), len(s.Scenarios))
	}
	for c := range s.Scenarios {
		sc, err := g.Cell(c)
		if err != nil {
			return err
		}
		if Fingerprint(sc) != s.Scenarios[c].Fingerprint {
			return fmt.Errorf("grid %s: scenario %d is not the grid's cell %d", quote.Quote(sp.Name), c, c)
		}
	}
	return nil
}

// NewGridState returns the empty state of a grid (or of one shard of its
// seeds): a sweep state whose scenarios are the cells, in order, with the
// grid's spec. Run, resume, shard and merge it as any sweep state;
// GridResultOf reads its result.
func NewGridState(g *Grid, shard *Shard) (*SweepState, error) {
	if g.Seeds.From == 0 || g.Seeds.To < g.Seeds.From {
		return nil, Inputf("grid %s: bad seed range %d-%d", g.Name, g.Seeds.From, g.Seeds.To)
	}
	cells, err := g.Cells()
	if err != nil {
		return nil, err
	}
	st := NewSweepState(cells, g.Seeds, shard)
	st.Grid = g.Spec()
	return st, nil
}
