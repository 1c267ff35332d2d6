package experiment

import (
	"context"
	"fmt"
	"math"

	"desim/analysis"
	"desim/analysis/report"
	"desim/analysis/stats"
	"desim/internal/shell"
	"desim/scenarios"
)

// AgreementBand is the half-width of the band of loads around 1 that the
// agreement leaves out: there a run of finite length cannot tell a queue
// that grows from one that wanders (see analysis.Predict on ρ = 1).
const AgreementBand = 0.05

// AgreementTarget is the share of judged machines whose drift verdict a
// built-in grid must get right at its defaults.
const AgreementTarget = 0.98

// GridResult is a grid's result: per cell, its parameter values, the
// predicted load of each machine, the sweep's aggregate and each machine's
// drift verdict; and the agreement of those verdicts with the theory.
type GridResult struct {
	Grid        string          `json:"grid"`
	Description string          `json:"description,omitempty"`
	Base        string          `json:"base"` // the base scenario's name
	DurationS   float64         `json:"duration_s"`
	Axes        []GridAxis      `json:"axes"`
	Seeds       stats.SeedRange `json:"seeds"`
	Show        ShowSpec        `json:"show"`
	Agreement   Agreement       `json:"agreement"`
	Cells       []GridCell      `json:"cells"`
	grid        *Grid           // for the figure
}

// GridAxis is an axis of a result or a saved grid.
type GridAxis struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
	Log    bool     `json:"log,omitempty"`
}

// GridCell is one cell of a result.
type GridCell struct {
	// Index holds the cell's position on each axis.
	Index []int `json:"index"`
	// Values holds the cell's value on each axis, as in the axes.
	Values []string `json:"values"`
	// Loads is the predicted load ρ of each machine (analysis.Predict).
	Loads []float64 `json:"loads"`
	// Drift is each machine's class by the drift rule (report.Classify) on
	// its queue slope over the whole run: drifts, steady or undetermined.
	Drift  []report.Class       `json:"drift"`
	Output stats.ScenarioOutput `json:"output"`
}

// Agreement compares the simulation's drift verdicts with the theory's:
// for every machine of every cell whose load ρ lies outside
// [1 − AgreementBand, 1 + AgreementBand], does "drifts" by the drift rule
// equal ρ ≥ 1? An undetermined verdict counts as a disagreement.
type Agreement struct {
	Rule     string     `json:"rule"`
	Judged   int        `json:"judged"`   // machines (of all cells) outside the band
	Agree    int        `json:"agree"`    // of those, the verdicts that agree
	Share    float64    `json:"share"`    // Agree / Judged, 0 when none is judged
	Excluded int        `json:"excluded"` // machines inside the band
	Target   float64    `json:"target"`   // AgreementTarget
	Misses   []GridMiss `json:"misses"`   // the disagreements, in cell and machine order
}

// GridMiss is one machine whose drift verdict disagrees with the theory.
type GridMiss struct {
	Cell       int           `json:"cell"`
	Label      string        `json:"label"` // the cell's field values
	Machine    int           `json:"machine"`
	Load       float64       `json:"load"`
	QueueSlope stats.Summary `json:"queue_slope"`
	Class      report.Class  `json:"class"`
	// Replay is a command that sweeps the cell again.
	Replay string `json:"replay"`
}

// Meets reports whether the agreement reaches AgreementTarget.
func (a Agreement) Meets() bool { return a.Judged > 0 && a.Share >= AgreementTarget }

// GridLoads returns the mean-field load of each machine of s.
func GridLoads(s *scenarios.Scenario) []float64 {
	var out []float64
	for _, p := range analysis.Predict(s.EffectiveRates(), s.Die) {
		out = append(out, p.Load)
	}
	return out
}

// GridResultOf returns the result of a complete grid state (see
// NewGridState).
func GridResultOf(st *SweepState) (*GridResult, error) {
	if st.Grid == nil {
		return nil, Inputf("not the state of a grid (a sweep's: use desim merge or desim sweep)")
	}
	g, err := st.Grid.Grid(st.Seeds)
	if err != nil {
		return nil, Input(err)
	}
	o, err := st.Output()
	if err != nil {
		return nil, err
	}
	res := &GridResult{Grid: g.Name, Description: g.Description, Base: g.Base.Name, DurationS: g.Base.Duration.Seconds(),
		Axes: st.Grid.Axes, Seeds: st.Seeds, Show: st.Grid.Show, grid: g}
	res.Agreement = Agreement{
		Rule: fmt.Sprintf("for every machine of every cell with load ρ outside [%g, %g]: the drift rule (the 95%% CI of the mean queue slope over the run entirely above %g msg/s) says drifts exactly when ρ ≥ 1; undetermined counts as a miss",
			1-AgreementBand, 1+AgreementBand, report.DriftThreshold),
		Target: AgreementTarget, Misses: []GridMiss{},
	}
	qs := analysis.QueueSlope.Index()
	for c, so := range o.Scenarios {
		sc, err := g.Cell(c)
		if err != nil {
			return nil, err
		}
		idx := g.cellIndex(c)
		cell := GridCell{Index: idx, Output: so, Loads: GridLoads(sc)}
		for k, i := range idx {
			cell.Values = append(cell.Values, g.Axes[k].Values[i].Text)
		}
		for i, m := range so.Machines {
			cl := report.Classify(m.Metrics[qs])
			cell.Drift = append(cell.Drift, cl)
			load := cell.Loads[i]
			if math.Abs(load-1) <= AgreementBand {
				res.Agreement.Excluded++
				continue
			}
			res.Agreement.Judged++
			if cl != report.Undetermined && (cl == report.Drifts) == (load >= 1) {
				res.Agreement.Agree++
				continue
			}
			res.Agreement.Misses = append(res.Agreement.Misses, GridMiss{
				Cell: c, Label: g.cellLabel(idx), Machine: i, Load: load, QueueSlope: m.Metrics[qs], Class: cl,
				Replay: shell.Join([]string{"desim", "grid", g.ref(), "--duration", scenarios.FormatDuration(g.Base.Duration), "--cell", fmt.Sprint(c)}) + " | " +
					shell.Join([]string{"desim", "sweep", "-", "--seeds", fmt.Sprintf("%d-%d", st.Seeds.From, st.Seeds.To)}),
			})
		}
		res.Cells = append(res.Cells, cell)
	}
	if res.Agreement.Judged > 0 {
		res.Agreement.Share = float64(res.Agreement.Agree) / float64(res.Agreement.Judged)
	}
	return res, nil
}

// RunGrid sweeps every cell of g over g.Seeds, one cell after another
// (axis 0 outermost), each with Sweep and opt, and returns the result: the
// same for any number of workers. Every cell is built and checked before
// any runs, so a bad value is reported at once. When ctx is cancelled,
// RunGrid returns ErrInterrupted.
func RunGrid(ctx context.Context, g *Grid, opt SweepOptions) (*GridResult, error) {
	st, err := NewGridState(g, nil)
	if err != nil {
		return nil, err
	}
	if _, err := st.Run(ctx, opt); err != nil {
		return nil, err
	}
	return GridResultOf(st)
}

// ref is how commands name the grid: Ref, or the name.
func (g *Grid) ref() string {
	if g.Ref != "" {
		return g.Ref
	}
	return g.Name
}
