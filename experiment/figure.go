package experiment

import (
	"bytes"

	"desim/analysis/figure"
	"desim/scenarios"
	"desim/sim"
)

// Figure returns the run's figure (see package figure): machine i's series
// with ID i, titled from the scenario when there is one.
func (r *Recorded) Figure() *figure.Figure {
	fig := &figure.Figure{Series: make([]figure.Series, len(r.Log.Machines))}
	for i, recs := range r.Log.Machines {
		fig.Series[i] = figure.Series{ID: i, Records: recs}
	}
	if r.Scenario != nil {
		titleFigure(fig, r.Scenario)
	}
	return fig
}

// FigureOf returns the figure of a run of s from its records, recs[i]
// machine i's (as Simulate keeps them with Options.Records).
func FigureOf(s *scenarios.Scenario, recs [][]sim.Record) *figure.Figure {
	fig := &figure.Figure{Series: make([]figure.Series, len(recs))}
	for i, r := range recs {
		fig.Series[i] = figure.Series{ID: i, Records: r}
	}
	titleFigure(fig, s)
	return fig
}

// titleFigure sets the figure's title, subtitle, span and rates from s.
func titleFigure(fig *figure.Figure, s *scenarios.Scenario) {
	fig.Title, fig.Subtitle, fig.Duration = s.Name, s.Description, int64(s.Duration)
	for i := range fig.Series {
		if i < len(s.Machines) {
			fig.Series[i].Rate = s.Machines[i].Rate.String()
		}
	}
}

// RenderFigure renders fig in format ("png", "svg" or "pdf").
func RenderFigure(fig *figure.Figure, format string) ([]byte, error) {
	var buf bytes.Buffer
	if err := figure.WriteFigure(&buf, fig, format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFigure renders fig to path, in the format its extension names,
// atomically (see WriteFile). An unknown extension is bad input.
func WriteFigure(path string, fig *figure.Figure) error {
	format, err := figure.FigureFormat(path)
	if err != nil {
		return Input(err)
	}
	data, err := RenderFigure(fig, format)
	if err != nil {
		return err
	}
	return WriteFile(path, data)
}

// Plot draws the figure of the run in d, streaming its logs back (see
// StreamRun), to d.Figure().
func (d Dir) Plot() error {
	r, err := StreamRun(string(d))
	if err != nil {
		return err
	}
	return WriteFigure(d.Figure(), r.Figure())
}
