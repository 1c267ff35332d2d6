package experiment

import (
	"bytes"
	"os"

	"desim/analysis"
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
	for _, r := range s.Rates() {
		fig.Fastest = max(fig.Fastest, r)
	}
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

// FigurePath is the file to draw the figure of run (a run directory, or
// log files) into: out, or when out is "" the run directory's figure
// (Dir.Figure) for one directory and figure.png otherwise. Its extension
// must name a format figure.FigureFormat knows (bad input otherwise).
func FigurePath(out string, run []string) (string, error) {
	path := out
	if path == "" {
		path = "figure.png"
		if len(run) == 1 {
			if st, err := os.Stat(run[0]); err == nil && st.IsDir() {
				path = Dir(run[0]).Figure()
			}
		}
	}
	if _, err := figure.FigureFormat(path); err != nil {
		return "", Input(err)
	}
	return path, nil
}

// PlotFlags are the command line's choice of a figure's panels (a
// comma-separated list of clock, queue and lag; "" for the paper's
// clock,queue), time window (seconds, "2.5", or Go syntax, "1m30s"; ""
// for the whole run) and whether to overlay the predicted lines.
type PlotFlags struct {
	Panels, From, To string
	Theory           bool
}

// FigureWith returns the run's figure (see Figure) with the panels,
// window and predicted lines f asks for. Bad flags, a window outside the
// run and --theory without the run's scenario are bad input.
func (r *Streamed) FigureWith(f PlotFlags) (*figure.Figure, error) {
	fig := r.Figure()
	if err := f.apply(fig, r.Scenario); err != nil {
		return nil, err
	}
	return fig, nil
}

// apply sets fig's panels, window and predicted lines from f; s is the
// run's scenario, nil when it has none.
func (f PlotFlags) apply(fig *figure.Figure, s *scenarios.Scenario) error {
	if f.Panels != "" {
		ps, err := figure.ParsePanels(f.Panels)
		if err != nil {
			return Inputf("--%v", err)
		}
		fig.Panels = ps
	}
	var err error
	if fig.From, err = parseTime("--from", f.From); err != nil {
		return err
	}
	if fig.To, err = parseTime("--to", f.To); err != nil {
		return err
	}
	if f.To != "" && fig.To == 0 {
		return Inputf("--to %q: the window must end after 0 s", f.To)
	}
	if _, _, err := fig.Window(); err != nil {
		return Inputf("--from/--to: %v", err)
	}
	if f.Theory {
		if s == nil {
			return Inputf("--theory needs the run's scenario.yaml, to predict from; the run has none")
		}
		for i, p := range analysis.Predict(s.EffectiveRates(), s.Die) {
			if i < len(fig.Series) {
				fig.Series[i].Theory = &figure.Theory{ClockSlope: p.ClockSlope, QueueSlope: p.QueueSlope}
			}
		}
	}
	return nil
}
