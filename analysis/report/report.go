// Package report builds the report of "desim reproduce": the paper's
// experiments with their figures, sweeps over seeds beside the mean-field
// predictions, and the paper's claims, each with a verdict computed from
// the data by a stated rule. It renders the same report as Markdown, as
// one self-contained HTML page, and as JSON.
package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/scenarios"
)

// Thresholds of the verdict rules.
const (
	// DriftThreshold is the queue growth, in messages per second over the
	// second half of each run (the late queue slope, stats.Probe), that
	// separates a drifting machine from a steady one: a machine drifts when
	// the 95% confidence interval of its mean late queue slope lies
	// entirely above it, and is steady when the interval lies entirely
	// below it. The second half leaves out the start-up, when every queue
	// fills up from empty: a machine with load 0.875 (B4's 4 c/s machine)
	// still shows 0.04–0.06 msg/s there at 30 s, no machine that keeps up
	// shows more at any length from 30 s, and the slowest-growing drifting
	// queue of the paper (A2's, 0.2 msg/s) shows at least 0.16.
	DriftThreshold = 0.1
	// SlowRatio is how many times slower than the fastest machine a
	// machine must be to count as "about an order of magnitude slower"
	// (the paper's 1 c/s against 6 c/s is 6 times slower).
	SlowRatio = 5.0
	// OrderOfMagnitude bounds claim 2's "less than an order of magnitude
	// slower": a rate ratio below 10.
	OrderOfMagnitude = 10.0
	// QueueBound is the paper's conjectured bound: "drift won't occur if the
	// message queue size doesn't exceed, e.g., 10".
	QueueBound = 10.0
	// LagThreshold is the clock lag, in clock units per second behind the
	// largest rate, that counts as drift while a queue is still under
	// QueueBound (the window drift, stats.Probe): a machine that keeps up
	// also falls behind at first, until its clock has caught up with the
	// fastest one, and over windows of 30 s or more that start-up lag
	// stays under 0.15 c/s in every built-in scenario.
	LagThreshold = 0.25
	// MinWindows is the fewest runs with a window that claim 4 judges a
	// machine on.
	MinWindows = 20
)

// Class is what the data say of one machine.
type Class string

const (
	Drifts       Class = "drifts"
	Steady       Class = "steady"
	Undetermined Class = "undetermined" // the CI straddles the threshold
)

// Classify applies the drift rule to a machine's queue slope over seeds.
func Classify(qs stats.Summary) Class {
	switch {
	case qs.Mean-qs.CI95 > DriftThreshold:
		return Drifts
	case qs.Mean+qs.CI95 < DriftThreshold:
		return Steady
	}
	return Undetermined
}

// Verdict is the outcome of a claim.
type Verdict string

const (
	Holds        Verdict = "holds"
	Fails        Verdict = "fails"
	Inconclusive Verdict = "inconclusive"
)

// ScenarioInput is one scenario's data.
type ScenarioInput struct {
	Scenario *scenarios.Scenario
	Sweep    stats.ScenarioOutput
	Predict  []analysis.MachinePrediction
	// Probe is stats.RunProbe over the sweep's seeds and duration, with
	// the bound QueueBound: every machine's late queue slope, which the
	// drift rule judges, and its window drift (claim 4). Without it the
	// drift rule falls back to the whole run's queue slope, and claim 4 is
	// inconclusive.
	Probe []stats.ProbeSummary
	// Figure is the figure's path relative to the report, "" when none.
	Figure string
	// FigureCommand is the command line that drew the figure.
	FigureCommand string
}

// ValidationInput is the validation of the simulator against real
// sockets on one scenario.
type ValidationInput struct {
	Scenario string
	// Command is the command line that repeats it.
	Command string
	// RealSeeds and SimSeeds are the real and the simulated runs' seeds.
	RealSeeds, SimSeeds stats.SeedRange
	Result              *stats.Validation
	// Attempts is how many times it was run (a run that overran is tried
	// again); Stalls counts the overruns of the last attempt.
	Attempts, Stalls int
}

// Verdict is what a validation decided: ValidationPassed, ValidationFailed
// on the model's metrics, or ValidationInconclusive when it failed only
// because the host stalled the real runs (overruns), which says nothing
// about the model.
func (v ValidationInput) Verdict() string {
	switch {
	case v.Result.Passed():
		return ValidationPassed
	case len(v.Result.Overruns) > 0:
		return ValidationInconclusive
	}
	return ValidationFailed
}

// The verdicts of a validation.
const (
	ValidationPassed       = "passed"
	ValidationFailed       = "FAILED"
	ValidationInconclusive = "INCONCLUSIVE"
)

// ValidationTable is the validation of one scenario as the report shows
// it: the command that repeats it, whether it passed, and its table as
// "desim validate" prints it.
type ValidationTable struct {
	Scenario string `json:"scenario"`
	Command  string `json:"command"`
	Passed   bool   `json:"passed"`
	// Verdict is passed, FAILED or INCONCLUSIVE (see ValidationInput).
	Verdict string `json:"verdict"`
	Text    string `json:"text"`
}

// FamilyInput is one scenario of claim 2's family (Family) with its
// probe: stats.RunProbe over seeds 1..FamilySeeds, bound QueueBound.
type FamilyInput struct {
	Scenario *scenarios.Scenario
	Probe    []stats.ProbeSummary
}

// GridInput is one grid of the phase diagrams: a plane of scenarios (its
// cells, a base scenario with one or two fields varied), every cell swept
// over the same seeds, as "desim grid" runs it. The experiment layer
// converts its grid results into it.
type GridInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Cells is the number of cells; Seeds the seeds each cell ran; Duration
	// the virtual time of each run, as written (e.g. "300s").
	Cells    int             `json:"cells"`
	Seeds    stats.SeedRange `json:"seeds"`
	Duration string          `json:"duration"`
	// Figure is the figure's path relative to the report (e.g.
	// "figures/grid-slow-machine.png"), "" when none; Command is the
	// command line that runs the grid again and draws its figure.
	Figure  string `json:"figure,omitempty"`
	Command string `json:"command"`
	// Plot says in words what the figure plots: its kind, metric (with
	// unit) and axes; Boundary says where each machine's load ρ = 1 lies
	// in the plane according to the predictor, one sentence per boundary;
	// Points are the paper's experiments that lie in the plane. With the
	// agreement they make the figure's alt text.
	Plot     string      `json:"plot"`
	Boundary []string    `json:"boundary"`
	Points   []GridPoint `json:"paper_points"`
	// Agreement is the agreement of the cells' drift verdicts with the
	// theory (drifts ⟺ ρ ≥ 1), computed by the experiment layer.
	Agreement GridAgreement `json:"agreement"`
	// Cases are every machine slower than its cell's fastest machine, with
	// Slope SlopeWholeRun: the queue slope of a grid is measured over the
	// whole run. When the report has grids, claim 2b is judged over them;
	// Build classifies each case again from its slope (Classify), so a
	// case's Class need not be set.
	Cases []FamilyCase `json:"claim2_cases"`
}

// GridPoint is one of the paper's experiments (a built-in scenario) that
// lies in a grid's plane.
type GridPoint struct {
	Scenario string `json:"scenario"`
	// At is where it lies, e.g. "machines[2].rate = 1, die = 10".
	At string `json:"at"`
}

// GridAgreement is a grid's agreement with the theory: among the machines
// of every cell whose load ρ lies outside [1 − Band, 1 + Band], those
// whose drift verdict (the drift rule on the queue slope over the whole
// run) is "drifts" exactly when ρ ≥ 1. An undetermined verdict is a miss.
type GridAgreement struct {
	Rule     string  `json:"rule"`
	Judged   int     `json:"judged"`   // machines outside the band
	Agree    int     `json:"agree"`    // of those, the verdicts that agree
	Excluded int     `json:"excluded"` // machines inside the band, left out
	Share    float64 `json:"share"`    // Agree / Judged, 0 when none is judged
	Target   float64 `json:"target"`   // the share the grid should reach, e.g. 0.98
	Band     float64 `json:"band"`     // the half-width of the band of loads left out, e.g. 0.05
	// Misses are the disagreements, in cell and machine order.
	Misses []GridMiss `json:"misses"`
}

// Meets reports whether the agreement reaches its target.
func (a GridAgreement) Meets() bool { return a.Judged > 0 && a.Share >= a.Target }

// Summary states the agreement in one line, e.g. "781 of 783 machines
// (99.7 %), target 98 %: meets the target; 9 within 5 % of ρ = 1 left
// out".
func (a GridAgreement) Summary() string {
	verdict := "below the target"
	if a.Meets() {
		verdict = "meets the target"
	}
	return fmt.Sprintf("%d of %d machines (%.1f %%), target %s %%: %s; %d within %s %% of ρ = 1 left out",
		a.Agree, a.Judged, 100*a.Share, pct(a.Target), verdict, a.Excluded, pct(a.Band))
}

// pct formats a share as a percentage without trailing zeros: 0.98 → "98".
func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', -1, 64) }

// GridMiss is one machine whose drift verdict disagrees with the theory.
type GridMiss struct {
	Cell  int    `json:"cell"`
	Label string `json:"label"` // the cell's field values, e.g. "machines[2].rate=1 die=20"
	// Machine is the machine's index in the cell; Load its load ρ.
	Machine int     `json:"machine"`
	Load    float64 `json:"load"`
	// QueueSlope is its mean queue slope over the whole run, in messages
	// per second, with the half-width of its 95% CI.
	QueueSlope     float64 `json:"queue_slope"`
	QueueSlopeCI95 float64 `json:"queue_slope_ci95"`
	Class          Class   `json:"class"`
	// Replay is the command that sweeps the cell again.
	Replay string `json:"replay"`
}

// GridReport is a grid as the report shows it.
type GridReport struct {
	GridInput
	// MeetsTarget is Agreement.Meets().
	MeetsTarget bool `json:"meets_target"`
}

// MaxGridMisses is the most disagreements the report lists per grid
// (report.json has all of them).
const MaxGridMisses = 10

// Input is everything the report is built from.
type Input struct {
	// Family is claim 2's family of scenarios (see Family); without it
	// (and without Grids) claim 2's general form is inconclusive.
	Family []FamilyInput
	// Grids are the phase diagrams. When there are any, claim 2b is
	// judged over their cases instead of the family.
	Grids     []GridInput
	Seeds     stats.SeedRange
	Duration  string // as given, e.g. "300s"
	Command   string // the command line that made the report
	Scenarios []ScenarioInput
	// Validation is nil when the real-socket validation was skipped.
	Validation []ValidationInput
	// ValidationNote says why there is no validation, when there is none.
	ValidationNote string
	// Logs are the recorded runs of the section "The original
	// implementation's runs", in the order given; none, no section.
	Logs []LogsInput
}

// Report is the computed report.
type Report struct {
	Seeds     stats.SeedRange  `json:"seeds"`
	Duration  string           `json:"duration"`
	Command   string           `json:"command"`
	Scenarios []ScenarioReport `json:"scenarios"`
	Claims    []Claim          `json:"claims"`
	Caption   CaptionNote      `json:"caption_discrepancy"`
	// Family is claim 2's family as judged (see Family), empty when the
	// report judged claim 2b over its grids.
	Family FamilyReport `json:"claim2_family"`
	// Grids are the phase diagrams, when the report has them.
	Grids      []GridReport      `json:"grids,omitempty"`
	Validation []ValidationTable `json:"validation,omitempty"`
	// ValidationNote explains a missing validation section.
	ValidationNote string `json:"validation_note,omitempty"`
	// Logs are the recorded runs (see LogsInput), when the report has
	// them.
	Logs  []LogsReport `json:"original_runs,omitempty"`
	Rules Rules        `json:"rules"`
}

// Rules records the thresholds the verdicts used.
type Rules struct {
	DriftThreshold float64 `json:"drift_threshold_msg_per_s"`
	SlowRatio      float64 `json:"slow_ratio"`
	QueueBound     float64 `json:"queue_bound"`
	Drift          string  `json:"drift_rule"`
}

// ScenarioReport is one scenario's section.
type ScenarioReport struct {
	Name          string          `json:"scenario"`
	Description   string          `json:"description"`
	Rates         []string        `json:"rates"`
	Die           int             `json:"die"`
	PInternal     string          `json:"p_internal"`
	Runs          int64           `json:"runs"`
	Figure        string          `json:"figure,omitempty"`
	FigureCommand string          `json:"figure_command,omitempty"`
	Machines      []MachineReport `json:"machines"`
	// Sweep is the full sweep output of the scenario (every metric).
	Sweep stats.ScenarioOutput `json:"sweep"`
}

// MachineReport is one machine's line of the overview.
type MachineReport struct {
	ID                  int     `json:"id"`
	Rate                float64 `json:"rate"`
	Load                float64 `json:"load"`
	PredictedClockSlope float64 `json:"predicted_clock_slope"`
	ClockSlope          float64 `json:"clock_slope"`
	ClockSlopeCI95      float64 `json:"clock_slope_ci95"`
	PredictedQueueSlope float64 `json:"predicted_queue_slope"`
	QueueSlope          float64 `json:"queue_slope"`
	QueueSlopeCI95      float64 `json:"queue_slope_ci95"`
	Drift               float64 `json:"drift"`
	DriftCI95           float64 `json:"drift_ci95"`
	MaxQueue            float64 `json:"max_queue_mean"`
	// LateQueueSlope is the mean late queue slope (queue slope over the
	// second half of each run), which Class is judged on; WindowDrift the
	// mean window drift (claim 4), over WindowRuns runs.
	LateQueueSlope     float64 `json:"late_queue_slope"`
	LateQueueSlopeCI95 float64 `json:"late_queue_slope_ci95"`
	WindowDrift        float64 `json:"window_drift"`
	WindowDriftCI95    float64 `json:"window_drift_ci95"`
	WindowRuns         int64   `json:"window_runs"`
	WindowSeconds      float64 `json:"window_s_mean"`
	Class              Class   `json:"class"`
}

// Claim is one of the paper's claims with its verdict.
type Claim struct {
	ID       string   `json:"id"` // "1", "2", "3a", "3b", "4": the paper's order; claim 3 is judged twice
	Claim    string   `json:"claim"`
	Judged   string   `json:"judged"` // what data the verdict is judged on
	Rule     string   `json:"rule"`
	Verdict  Verdict  `json:"verdict"`
	Evidence []string `json:"evidence"`
}

// CaptionNote is the section on the B2/B3 caption discrepancy.
type CaptionNote struct {
	Text string `json:"text"`
}

// validationTable renders a validation as "desim validate" prints it.
func validationTable(v ValidationInput) ValidationTable {
	var b strings.Builder
	fmt.Fprintf(&b, "simulated seeds %d..%d; real runs' seeds %d..%d\n\n", v.SimSeeds.From, v.SimSeeds.To, v.RealSeeds.From, v.RealSeeds.To)
	v.Result.WriteText(&b)
	if v.Verdict() == ValidationInconclusive {
		fmt.Fprintf(&b, "\nINCONCLUSIVE after %d attempt(s): the host stalled the real runs (%d overrun(s) in the last);\n"+
			"overruns say nothing about the model: run again on an idle host or with a lower --speed.\n", v.Attempts, v.Stalls)
	}
	return ValidationTable{Scenario: v.Scenario, Command: v.Command, Passed: v.Result.Passed(), Verdict: v.Verdict(), Text: b.String()}
}

// Build computes the report.
func Build(in Input) *Report {
	r := &Report{
		Seeds: in.Seeds, Duration: in.Duration, Command: in.Command,
		ValidationNote: in.ValidationNote,
		Rules: Rules{
			DriftThreshold: DriftThreshold, SlowRatio: SlowRatio, QueueBound: QueueBound,
			Drift: fmt.Sprintf("a machine drifts when the 95%% CI of its mean late queue slope (the queue's least-squares slope over the second half of each run, which leaves out the start-up) lies entirely above %g msg/s, is steady when it lies entirely below, and is undetermined otherwise", DriftThreshold),
		},
	}
	for _, v := range in.Validation {
		r.Validation = append(r.Validation, validationTable(v))
	}
	for _, l := range in.Logs {
		r.Logs = append(r.Logs, logsReport(l))
	}
	byName := map[string]*ScenarioReport{}
	probed := true
	for _, si := range in.Scenarios {
		s := si.Scenario
		sr := ScenarioReport{
			Name: s.Name, Description: s.Description, Die: s.Die,
			PInternal: fmt.Sprintf("%d/%d", s.Die-len(s.Machines), s.Die),
			Runs:      si.Sweep.Runs, Figure: si.Figure, FigureCommand: si.FigureCommand, Sweep: si.Sweep,
		}
		for _, m := range s.Machines {
			sr.Rates = append(sr.Rates, m.Rate.String())
		}
		probed = probed && len(si.Probe) == len(si.Sweep.Machines)
		for i, mo := range si.Sweep.Machines {
			cs, qs, dr, mq := mo.Metric(analysis.ClockSlope), mo.Metric(analysis.QueueSlope), mo.Metric(analysis.Drift), mo.Metric(analysis.MaxQueue)
			p := si.Predict[i]
			m := MachineReport{
				ID: i, Rate: mo.Rate, Load: p.Load,
				PredictedClockSlope: predicted(cs, p.ClockSlope), ClockSlope: cs.Mean, ClockSlopeCI95: cs.CI95,
				PredictedQueueSlope: predicted(qs, p.QueueSlope), QueueSlope: qs.Mean, QueueSlopeCI95: qs.CI95,
				Drift: dr.Mean, DriftCI95: dr.CI95, MaxQueue: mq.Mean,
				LateQueueSlope: qs.Mean, LateQueueSlopeCI95: qs.CI95,
			}
			if len(si.Probe) == len(si.Sweep.Machines) {
				pr := si.Probe[i]
				m.LateQueueSlope, m.LateQueueSlopeCI95 = pr.LateQueueSlope.Mean, pr.LateQueueSlope.CI95
				m.WindowDrift, m.WindowDriftCI95, m.WindowRuns = pr.WindowDrift.Mean, pr.WindowDrift.CI95, pr.WindowDrift.N
				m.WindowSeconds = pr.WindowSeconds.Mean
			}
			m.Class = Classify(stats.Summary{Mean: m.LateQueueSlope, CI95: m.LateQueueSlopeCI95})
			sr.Machines = append(sr.Machines, m)
		}
		r.Scenarios = append(r.Scenarios, sr)
	}
	if !probed {
		r.Rules.Drift = fmt.Sprintf("a machine drifts when the 95%% CI of its mean queue slope over the whole run lies entirely above %g msg/s (the second-half slope was not measured), is steady when it lies entirely below, and is undetermined otherwise", DriftThreshold)
	}
	for i := range r.Scenarios {
		byName[r.Scenarios[i].Name] = &r.Scenarios[i]
	}
	r.Family = familyReport(in.Family)
	for _, g := range in.Grids {
		gr := GridReport{GridInput: g, MeetsTarget: g.Agreement.Meets()}
		// The cases are classified again by the drift rule, from their
		// slopes: the verdicts are the report's.
		gr.Cases = slices.Clone(g.Cases)
		for i := range gr.Cases {
			c := &gr.Cases[i]
			c.Class = Classify(stats.Summary{Mean: c.LateQueueSlope, CI95: c.LateQueueSlopeCI95})
		}
		r.Grids = append(r.Grids, gr)
	}
	r.Claims = []Claim{
		claimSlowDrifts(byName),
		claimModestNoDrift(byName),
		claimGeneralNoDrift(&r.Family, r.Grids),
		claimLowerP(byName, "as made", [][2]string{{"A2", "B2"}, {"A3", "B3"}}),
		claimLowerP(byName, "as captioned", [][2]string{{"A2", "B2-captioned"}, {"A3", "B3-captioned"}}),
		claimQueueBound(r.Scenarios, probed),
	}
	for i, id := range []string{"1", "2a", "2b", "3a", "3b", "4"} {
		r.Claims[i].ID = id
	}
	r.Caption = captionNote(byName, r.Claims[3], r.Claims[4])
	return r
}

// predicted returns the sweep's finite-horizon prediction of a metric,
// or the long-run one where it has none.
func predicted(s stats.Summary, longRun float64) float64 {
	if s.Predicted != nil {
		return *s.Predicted
	}
	return longRun
}

// Claim 2's family: three machines, the fastest at 6 c/s and one or two
// others FamilyRatio times slower, with dice of FamilyDice faces; each run
// for seeds 1..FamilySeeds of FamilyDuration. The family and its runs are
// fixed, so claim 2b's verdict does not depend on the report's seeds or
// duration.
var (
	// FamilySlow are the slower machines' rates: 6/k for k = 1 (all equal),
	// 1.5, 2, 3, 4, 6, 8 and 10.
	FamilySlow = []string{"6", "4", "3", "2", "1.5", "1", "0.75", "0.6"}
	FamilyDice = []int{3, 4, 6, 8, 10, 14, 20}
)

const (
	FamilySeeds    = 100
	FamilyDuration = 120 * time.Second
)

// Family returns claim 2's family of scenarios, in a fixed order: for
// each slower rate and die, (6, 6, slow) and (6, slow, slow).
func Family() []*scenarios.Scenario {
	var out []*scenarios.Scenario
	for _, slow := range FamilySlow {
		shapes := [][]string{{"6", "6", slow}, {"6", slow, slow}}
		if slow == "6" {
			shapes = shapes[:1]
		}
		for _, rates := range shapes {
			for _, die := range FamilyDice {
				name := fmt.Sprintf("family-%s-die%d", strings.Join(rates, "-"), die)
				y := fmt.Sprintf("name: %s\ndescription: claim 2's family, rates %s c/s, die %d\nseed: 1\nduration: %s\ndie: %d\nmachines:\n  - rate: %s\n  - rate: %s\n  - rate: %s\n",
					name, strings.Join(rates, ", "), die, scenarios.FormatDuration(FamilyDuration), die, rates[0], rates[1], rates[2])
				sc, err := scenarios.Parse(name+".yaml", []byte(y))
				if err != nil {
					panic(err) // a fixed, valid family
				}
				out = append(out, sc)
			}
		}
	}
	return out
}

// FamilyReport is claim 2's family as judged: every machine slower than
// the fastest, with its class by the drift rule.
type FamilyReport struct {
	Scenarios int          `json:"scenarios"`
	Seeds     int          `json:"seeds"`
	Duration  string       `json:"duration"`
	Machines  []FamilyCase `json:"machines"`
	files     map[string][]byte
	cited     []string // the files claim 2b cites
}

// FamilyCase is one slower machine of the family, or of a grid's cell.
type FamilyCase struct {
	// Scenario is the family scenario's name, or the cell's (e.g.
	// "slow-machine.37").
	Scenario string   `json:"scenario"`
	Rates    []string `json:"rates"`
	Die      int      `json:"die"`
	Machine  int      `json:"machine"`
	Ratio    float64  `json:"ratio"` // the fastest rate over its rate
	Load     float64  `json:"load"`
	// LateQueueSlope is the mean queue slope, in messages per second, with
	// the half-width of its 95% CI, over the part of each run that Slope
	// names: the second half (SlopeLate) for the family, the whole run
	// (SlopeWholeRun) for a grid's cell, which is what grids measure.
	LateQueueSlope     float64 `json:"late_queue_slope"`
	LateQueueSlopeCI95 float64 `json:"late_queue_slope_ci95"`
	Slope              string  `json:"slope"`
	// Class is the drift rule's verdict on that slope.
	Class Class `json:"class"`
	// Replay is the command that runs the case's scenario again.
	Replay string `json:"replay"`
}

// The parts of a run a FamilyCase's queue slope is measured over.
const (
	SlopeLate     = "late"
	SlopeWholeRun = "whole run"
)

// familyReport classifies the family's slower machines.
func familyReport(in []FamilyInput) FamilyReport {
	f := FamilyReport{Scenarios: len(in), Seeds: FamilySeeds, Duration: scenarios.FormatDuration(FamilyDuration), files: map[string][]byte{}}
	for _, fi := range in {
		s := fi.Scenario
		rates := s.EffectiveRates()
		fastest := slices.Max(rates)
		p := analysis.Predict(rates, s.Die)
		var names []string
		for _, m := range s.Machines {
			names = append(names, m.Rate.String())
		}
		for i, pr := range fi.Probe {
			if rates[i] >= fastest {
				continue
			}
			path := "claim2/" + s.Name + ".yaml"
			f.Machines = append(f.Machines, FamilyCase{
				Scenario: s.Name, Rates: names, Die: s.Die, Machine: i, Ratio: fastest / rates[i], Load: p[i].Load,
				LateQueueSlope: pr.LateQueueSlope.Mean, LateQueueSlopeCI95: pr.LateQueueSlope.CI95, Slope: SlopeLate,
				Class:  Classify(pr.LateQueueSlope),
				Replay: fmt.Sprintf("desim sweep %s --seeds %d --duration %s", path, FamilySeeds, scenarios.FormatDuration(FamilyDuration)),
			})
			f.files[path] = scenarios.Marshal(s)
		}
	}
	return f
}

// Files returns the files the report refers to beside itself, by path
// relative to it: the scenarios of claim 2's counter-examples from the
// family, which its replay commands run (a grid's counter-examples are
// replayed from the built-in grid, with no file). Write them next to the
// report.
func (r *Report) Files() map[string][]byte {
	out := map[string][]byte{}
	for _, path := range r.Family.cited {
		if data, ok := r.Family.files[path]; ok {
			out[path] = data
		}
	}
	return out
}

// MaxCounterExamples is the most counter-examples claim 2b lists over
// grids, one per rate ratio (the family has fewer ratios than that).
const MaxCounterExamples = 10

// claimGeneralNoDrift: claim 2 as a general rule, over the grids' cases
// when there are grids, else over the family; it records in f the
// scenario files the family's counter-examples cite.
func claimGeneralNoDrift(f *FamilyReport, grids []GridReport) Claim {
	c := Claim{
		Claim: "A machine less than an order of magnitude slower does not drift, as a general rule.",
		Judged: fmt.Sprintf("every machine slower than the fastest, but less than 10 times slower, in desim's own family of %d three-machine scenarios (the fastest at 6 c/s, one or two others at 6/k c/s for k = 1 to 10, dice of 3 to 20 faces), each run for seeds 1–%d of %s",
			f.Scenarios, f.Seeds, f.Duration),
		Rule: fmt.Sprintf("fails if any machine less than %g times slower drifts (by the drift rule); holds if every one is steady; inconclusive otherwise", OrderOfMagnitude),
	}
	cases, where := f.Machines, "the family's"
	if len(grids) > 0 {
		var gs []string
		cases, where = nil, "the grids'"
		for _, g := range grids {
			gs = append(gs, fmt.Sprintf("%s (%d cells, seeds %d–%d of %s)", g.Name, g.Cells, g.Seeds.From, g.Seeds.To, g.Duration))
			cases = append(cases, g.Cases...)
		}
		c.Judged = fmt.Sprintf("every machine slower than its cell's fastest, but less than 10 times slower, in the cells of the built-in grids %s (see Phase diagrams); a grid measures the queue slope over the whole run, which the drift rule judges here",
			andList(gs))
		c.Rule = fmt.Sprintf("fails if any machine less than %g times slower drifts (by the drift rule on its queue slope over the whole run); holds if every one is steady; inconclusive otherwise", OrderOfMagnitude)
		if len(cases) == 0 {
			c.Verdict = Inconclusive
			c.Evidence = []string{"the grids have no machine slower than its cell's fastest"}
			return c
		}
	}
	if len(cases) == 0 {
		c.Verdict = Inconclusive
		c.Evidence = []string{"the family was not run (Input.Family)"}
		return c
	}
	var counter []FamilyCase
	count := map[Class]int{}
	var loadMiss, ratioMiss int
	classified := 0
	for _, m := range cases {
		if m.Ratio >= OrderOfMagnitude {
			continue
		}
		count[m.Class]++
		if m.Class == Drifts {
			counter = append(counter, m)
		}
	}
	for _, m := range cases {
		if m.Class == Undetermined {
			continue
		}
		classified++
		drifts := m.Class == Drifts
		if (m.Load > 1) != drifts {
			loadMiss++
		}
		if (m.Ratio >= SlowRatio) != drifts {
			ratioMiss++
		}
	}
	switch {
	case count[Drifts] > 0:
		c.Verdict = Fails
	case count[Undetermined] > 0:
		c.Verdict = Inconclusive
	default:
		c.Verdict = Holds
	}
	c.Evidence = append(c.Evidence, fmt.Sprintf("of the %d machines less than %g times slower: %d drift, %d are steady, %d undetermined",
		count[Drifts]+count[Steady]+count[Undetermined], OrderOfMagnitude, count[Drifts], count[Steady], count[Undetermined]))
	// One counter-example per rate ratio, closest to equal rates first:
	// the one with the most die faces (the fewest sends), the least
	// expected to drift.
	slices.SortStableFunc(counter, func(a, b FamilyCase) int {
		if a.Ratio != b.Ratio {
			return cmpFloat(a.Ratio, b.Ratio)
		}
		return b.Die - a.Die
	})
	seen := map[float64]bool{}
	listed, more := 0, 0
	for _, m := range counter {
		if seen[m.Ratio] {
			continue
		}
		seen[m.Ratio] = true
		if len(grids) > 0 && listed == MaxCounterExamples {
			more++
			continue
		}
		listed++
		if path := "claim2/" + m.Scenario + ".yaml"; f.files[path] != nil {
			f.cited = append(f.cited, path)
		}
		c.Evidence = append(c.Evidence, counterExample(m))
	}
	if more > 0 {
		c.Evidence = append(c.Evidence, fmt.Sprintf("and counter-examples at %d more rate ratios, up to %s (report.json lists every case of every grid)",
			more, strconv.FormatFloat(slices.MaxFunc(counter, func(a, b FamilyCase) int { return cmpFloat(a.Ratio, b.Ratio) }).Ratio, 'g', 4, 64)))
	}
	c.Evidence = append(c.Evidence,
		fmt.Sprintf("what decides is the load ρ, not the rate ratio: over %s %d slower machines that the drift rule classifies, 'drifts ⟺ ρ > 1' misclassifies %d, 'drifts ⟺ at least %g times slower' %d",
			where, classified, loadMiss, SlowRatio, ratioMiss),
		"a slower machine drifts when the messages sent to it arrive faster than it ticks (ρ > 1): how much slower it is matters only through that, with the die (fewer faces, more sends) and the other machines' rates")
	// The steady machine most times slower, against the drifting one
	// closest to equal rates.
	var slowSteady *FamilyCase
	for i, m := range cases {
		if m.Class == Steady && m.Ratio < OrderOfMagnitude && m.Load < analysis.ApproxLow && (slowSteady == nil || m.Ratio > slowSteady.Ratio) {
			slowSteady = &cases[i]
		}
	}
	if slowSteady != nil && len(counter) > 0 {
		c.Evidence = append(c.Evidence, fmt.Sprintf("for instance, at rates %s c/s with a die of %d a machine %s times slower keeps up (ρ = %.2f), while at rates %s c/s with a die of %d one only %s times slower drifts (ρ = %.2f)",
			strings.Join(slowSteady.Rates, ", "), slowSteady.Die, strconv.FormatFloat(slowSteady.Ratio, 'g', 4, 64), slowSteady.Load,
			strings.Join(counter[0].Rates, ", "), counter[0].Die, strconv.FormatFloat(counter[0].Ratio, 'g', 4, 64), counter[0].Load))
	}
	return c
}

// counterExample is claim 2b's line of evidence for a drifting case.
func counterExample(m FamilyCase) string {
	if m.Slope == SlopeWholeRun {
		return fmt.Sprintf("counter-example: %s, rates %s c/s, die %d: machine %d, %s times slower, drifts (queue slope over the whole run %s msg/s, load ρ = %.2f); replay: %s",
			m.Scenario, strings.Join(m.Rates, ", "), m.Die, m.Machine, strconv.FormatFloat(m.Ratio, 'g', 4, 64), fmtCI(m.LateQueueSlope, m.LateQueueSlopeCI95), m.Load, m.Replay)
	}
	return fmt.Sprintf("counter-example: rates %s c/s, die %d: machine %d, %s times slower, drifts (late queue slope %s msg/s, load ρ = %.2f); replay: %s",
		strings.Join(m.Rates, ", "), m.Die, m.Machine, strconv.FormatFloat(m.Ratio, 'g', 4, 64), fmtCI(m.LateQueueSlope, m.LateQueueSlopeCI95), m.Load, m.Replay)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fmtCI(mean, ci float64) string { return f3(mean) + " ± " + f3(ci) }

// f3 formats x with 3 decimals, without a sign on a value that rounds to 0.
func f3(x float64) string {
	s := fmt.Sprintf("%.3f", x)
	if s == "-0.000" {
		return "0.000"
	}
	return s
}

func machineName(s *ScenarioReport, m MachineReport) string {
	return fmt.Sprintf("%s machine %d (%s c/s)", s.Name, m.ID, s.Rates[m.ID])
}

// slowMachines returns the machines at least SlowRatio times slower than
// the fastest of the scenario.
func slowMachines(s *ScenarioReport) []MachineReport {
	fastest := 0.0
	for _, m := range s.Machines {
		fastest = math.Max(fastest, m.Rate)
	}
	var out []MachineReport
	for _, m := range s.Machines {
		if m.Rate*SlowRatio <= fastest {
			out = append(out, m)
		}
	}
	return out
}

// claimSlowDrifts: claim 1.
func claimSlowDrifts(by map[string]*ScenarioReport) Claim {
	c := Claim{
		Claim:  "A machine about an order of magnitude slower than the others does not ingest messages fast enough: its queue grows and it drifts (A2, A3).",
		Judged: "every machine of A2 and A3 at least 5 times slower than the fastest (the 1 c/s machines)",
		Rule:   "holds if every such machine drifts (by the drift rule); fails if any is steady; inconclusive otherwise",
	}
	c.Verdict = Holds
	found := false
	for _, name := range []string{"A2", "A3"} {
		s := by[name]
		if s == nil {
			continue
		}
		for _, m := range slowMachines(s) {
			found = true
			c.Evidence = append(c.Evidence, machineEvidence(s, m))
			c.Verdict = combine(c.Verdict, m.Class, Drifts)
		}
	}
	if !found {
		c.Verdict = Inconclusive
		c.Evidence = append(c.Evidence, "A2 and A3 were not among the scenarios")
	}
	return c
}

// combine folds one machine's class into a verdict that needs want.
func combine(v Verdict, got, want Class) Verdict {
	switch {
	case v == Fails:
		return Fails
	case got == Undetermined:
		return Inconclusive
	case got != want:
		return Fails
	}
	return v
}

// machineEvidence is one machine's line of evidence for the drift rule.
func machineEvidence(s *ScenarioReport, m MachineReport) string {
	return fmt.Sprintf("%s: late queue slope %s msg/s, whole-run queue slope %s msg/s (predicted %.3f, load ρ = %.2f), drift %s c/s: %s",
		machineName(s, m), fmtCI(m.LateQueueSlope, m.LateQueueSlopeCI95), fmtCI(m.QueueSlope, m.QueueSlopeCI95), m.PredictedQueueSlope, m.Load, fmtCI(m.Drift, m.DriftCI95), m.Class)
}

// claimModestNoDrift: claim 2 as observed.
func claimModestNoDrift(by map[string]*ScenarioReport) Claim {
	c := Claim{
		Claim:  "A machine less than an order of magnitude slower does not drift (the 2 c/s machine in A4), as observed.",
		Judged: "A4's 2 c/s machine (machine 1), the one machine the paper observed it on",
		Rule:   "holds if it is steady (by the drift rule); fails if it drifts; inconclusive otherwise",
	}
	s := by["A4"]
	if s == nil || len(s.Machines) < 2 {
		c.Verdict = Inconclusive
		c.Evidence = []string{"A4 was not among the scenarios"}
		return c
	}
	m := s.Machines[1]
	c.Verdict = combine(Holds, m.Class, Steady)
	c.Evidence = []string{machineEvidence(s, m),
		"one machine observed is not a rule: claim 2b judges the rule over a family of scenarios"}
	return c
}

// claimLowerP: claim 3, judged on the given (higher p, lower p) pairs.
func claimLowerP(by map[string]*ScenarioReport, how string, pairs [][2]string) Claim {
	c := Claim{
		Claim:  fmt.Sprintf("Decreasing the probability of internal events mitigates the drift, as seen in B2 and B3 (judged on the runs %s).", how),
		Judged: fmt.Sprintf("the machines that drift in A2 and A3, against the same machines in %s and %s", pairs[0][1], pairs[1][1]),
		Rule:   "holds if, for every machine that drifts in the A run, the drift (clock slope minus the largest rate) in the B run is less negative, with the two 95% CIs apart; fails if it is more negative with the CIs apart; inconclusive otherwise",
	}
	c.Verdict = Holds
	compared := false
	for _, p := range pairs {
		a, b := by[p[0]], by[p[1]]
		if a == nil || b == nil {
			continue
		}
		same := len(a.Rates) == len(b.Rates)
		for i := range a.Rates {
			same = same && i < len(b.Rates) && a.Rates[i] == b.Rates[i]
		}
		note := "rates equal, only p differs"
		if !same {
			note = fmt.Sprintf("rates differ: %s against %s, so p is not the only change", strings.Join(a.Rates, ", "), strings.Join(b.Rates, ", "))
		}
		c.Evidence = append(c.Evidence, fmt.Sprintf("%s (p = %s) against %s (p = %s): %s", a.Name, a.PInternal, b.Name, b.PInternal, note))
		for _, ma := range a.Machines {
			if ma.Class != Drifts || ma.ID >= len(b.Machines) {
				continue
			}
			compared = true
			mb := b.Machines[ma.ID]
			var v Verdict
			switch {
			case mb.Drift-mb.DriftCI95 > ma.Drift+ma.DriftCI95:
				v = Holds
			case mb.Drift+mb.DriftCI95 < ma.Drift-ma.DriftCI95:
				v = Fails
			default:
				v = Inconclusive
			}
			if c.Verdict != Fails && v != Holds {
				c.Verdict = v
			}
			c.Evidence = append(c.Evidence, fmt.Sprintf("machine %d: drift %s c/s in %s, %s c/s in %s (queue slope %s and %s msg/s): %s",
				ma.ID, fmtCI(ma.Drift, ma.DriftCI95), a.Name, fmtCI(mb.Drift, mb.DriftCI95), b.Name,
				fmtCI(ma.QueueSlope, ma.QueueSlopeCI95), fmtCI(mb.QueueSlope, mb.QueueSlopeCI95), mitigation(v)))
		}
	}
	if !compared {
		c.Verdict = Inconclusive
		c.Evidence = append(c.Evidence, "no machine drifts in the A runs compared, or the scenarios were missing")
	}
	return c
}

func mitigation(v Verdict) string {
	switch v {
	case Holds:
		return "mitigated"
	case Fails:
		return "worse"
	}
	return "no clear difference"
}

// claimQueueBound: claim 4, judged on the clock of every drifting
// machine while its queue is still under the bound.
func claimQueueBound(all []ScenarioReport, probed bool) Claim {
	c := Claim{
		Claim:  fmt.Sprintf("Drift does not occur while the message queue stays under about %g.", QueueBound),
		Judged: fmt.Sprintf("every machine that drifts (by the drift rule), in each run over the ticks before its queue first reaches %g (the whole run if it never does): the window drift, the slope of its clock over that window minus the largest rate, averaged over the runs whose window holds 3 ticks or more", QueueBound),
		Rule: fmt.Sprintf("fails if some drifting machine's mean window drift has its 95%% CI entirely below −%g c/s (its clock falls behind while its queue is still small; a machine that keeps up lags less than that while it catches up at the start); "+
			"holds if every drifting machine's CI lies entirely above −%g c/s; inconclusive otherwise, or when no drifting machine has %d runs with a window", LagThreshold, LagThreshold, MinWindows),
	}
	if !probed {
		c.Verdict = Inconclusive
		c.Evidence = []string{"the report was given no per-run time series (ScenarioInput.Probe), so the window before the queue reaches the bound was not measured"}
		return c
	}
	c.Verdict = Holds
	judged := 0
	var loadMiss []string
	total := 0
	for i := range all {
		s := &all[i]
		for _, m := range s.Machines {
			if m.Class != Undetermined {
				total++
				if (m.Load > 1) != (m.Class == Drifts) {
					loadMiss = append(loadMiss, fmt.Sprintf("%s: ρ = %.2f, %s", machineName(s, m), m.Load, m.Class))
				}
			}
			if m.Class != Drifts {
				continue
			}
			line := fmt.Sprintf("%s: window drift %s c/s over %d runs (window %.1f s on average), late queue slope %s msg/s",
				machineName(s, m), fmtCI(m.WindowDrift, m.WindowDriftCI95), m.WindowRuns, m.WindowSeconds, fmtCI(m.LateQueueSlope, m.LateQueueSlopeCI95))
			switch {
			case m.WindowRuns < MinWindows:
				line += ": too few windows to tell"
				if c.Verdict == Holds {
					c.Verdict = Inconclusive
				}
			case m.WindowDrift+m.WindowDriftCI95 < -LagThreshold:
				judged++
				line += ": drifts while its queue is under the bound"
				c.Verdict = Fails
			case m.WindowDrift-m.WindowDriftCI95 > -LagThreshold:
				judged++
				line += ": no drift while its queue is under the bound"
			default:
				judged++
				line += ": cannot tell"
				if c.Verdict == Holds {
					c.Verdict = Inconclusive
				}
			}
			c.Evidence = append(c.Evidence, line)
		}
	}
	if judged == 0 && c.Verdict != Fails {
		c.Verdict = Inconclusive
		c.Evidence = append(c.Evidence, "no drifting machine had enough runs with a window to judge")
	}
	c.Evidence = append(c.Evidence,
		fmt.Sprintf("what decides is the load: the load rule (drifts ⟺ ρ > 1) misclassifies %d of %d machines%s", len(loadMiss), total, list(loadMiss)),
		"a queue under the bound says nothing about drift: a drifting machine's clock falls behind from its first seconds, and its queue crosses the bound only later, sooner the faster it grows")
	return c
}

func list(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return ": " + strings.Join(xs, "; ")
}

func captionNote(by map[string]*ScenarioReport, asMade, asCaptioned Claim) CaptionNote {
	var b strings.Builder
	b.WriteString("The paper's table captions B2 \"One 6c/s; Two 1c/s; p=1/4\" and B3 \"Two 6c/s; One 1c/s; p=1/4\", but its code and notebook ran B2 with rates 6, 5, 5 and B3 with 6, 6, 5, and the published B2 and B3 figures come from those runs. ")
	b.WriteString("Its conclusion that lowering p mitigates drift \"as seen in B2 and B3\" therefore compares runs that differ in both p and rates. ")
	b.WriteString("desim runs both: B2 and B3 as made, and B2-captioned and B3-captioned as captioned, which differ from A2 and A3 only in p. ")
	fmt.Fprintf(&b, "Judged on the runs as made, the claim %s; judged on the runs as captioned, where only p changes, it %s.", asMade.Verdict, asCaptioned.Verdict)
	for _, n := range []string{"B2", "B2-captioned", "B3", "B3-captioned"} {
		if s := by[n]; s != nil {
			fmt.Fprintf(&b, " %s: rates %s, die %d.", n, strings.Join(s.Rates, ", "), s.Die)
		}
	}
	return CaptionNote{Text: b.String()}
}
