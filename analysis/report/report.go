// Package report builds the report of "desim reproduce": the paper's
// experiments with their figures, sweeps over seeds beside the mean-field
// predictions, and the paper's claims, each with a verdict computed from
// the data by a stated rule. It renders the same report as Markdown, as
// one self-contained HTML page, and as JSON.
package report

import (
	"fmt"
	"math"
	"strings"

	"desim/analysis"
	"desim/analysis/stats"
	"desim/scenarios"
)

// Thresholds of the verdict rules.
const (
	// DriftThreshold is the queue growth, in messages per second, that
	// separates a drifting machine from a steady one: a machine drifts when
	// the 95% confidence interval of its mean queue slope lies entirely
	// above it, and is steady when the interval lies entirely below it.
	DriftThreshold = 0.05
	// SlowRatio is how many times slower than the fastest machine a
	// machine must be to count as "about an order of magnitude slower"
	// (the paper's 1 c/s against 6 c/s is 6 times slower).
	SlowRatio = 5.0
	// QueueBound is the paper's conjectured bound: "drift won't occur if the
	// message queue size doesn't exceed, e.g., 10".
	QueueBound = 10.0
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

// Input is everything the report is built from.
type Input struct {
	Seeds     stats.SeedRange
	Duration  string // as given, e.g. "300s"
	Command   string // the command line that made the report
	Scenarios []ScenarioInput
	// Validation is nil when the real-socket validation was skipped.
	Validation []ValidationInput
	// ValidationNote says why there is no validation, when there is none.
	ValidationNote string
}

// Report is the computed report.
type Report struct {
	Seeds      stats.SeedRange   `json:"seeds"`
	Duration   string            `json:"duration"`
	Command    string            `json:"command"`
	Scenarios  []ScenarioReport  `json:"scenarios"`
	Claims     []Claim           `json:"claims"`
	Caption    CaptionNote       `json:"caption_discrepancy"`
	Validation []ValidationTable `json:"validation,omitempty"`
	// ValidationNote explains a missing validation section.
	ValidationNote string `json:"validation_note,omitempty"`
	Rules          Rules  `json:"rules"`
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
	Class               Class   `json:"class"`
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
			Drift: fmt.Sprintf("a machine drifts when the 95%% CI of its mean queue slope lies entirely above %g msg/s, is steady when it lies entirely below, and is undetermined otherwise", DriftThreshold),
		},
	}
	for _, v := range in.Validation {
		r.Validation = append(r.Validation, validationTable(v))
	}
	byName := map[string]*ScenarioReport{}
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
		for i, mo := range si.Sweep.Machines {
			cs, qs, dr, mq := mo.Metric(analysis.ClockSlope), mo.Metric(analysis.QueueSlope), mo.Metric(analysis.Drift), mo.Metric(analysis.MaxQueue)
			p := si.Predict[i]
			sr.Machines = append(sr.Machines, MachineReport{
				ID: i, Rate: mo.Rate, Load: p.Load,
				PredictedClockSlope: p.ClockSlope, ClockSlope: cs.Mean, ClockSlopeCI95: cs.CI95,
				PredictedQueueSlope: p.QueueSlope, QueueSlope: qs.Mean, QueueSlopeCI95: qs.CI95,
				Drift: dr.Mean, DriftCI95: dr.CI95, MaxQueue: mq.Mean,
				Class: Classify(qs),
			})
		}
		r.Scenarios = append(r.Scenarios, sr)
	}
	for i := range r.Scenarios {
		byName[r.Scenarios[i].Name] = &r.Scenarios[i]
	}
	r.Claims = []Claim{
		claimSlowDrifts(byName),
		claimModestNoDrift(byName),
		claimLowerP(byName, "as made", [][2]string{{"A2", "B2"}, {"A3", "B3"}}),
		claimLowerP(byName, "as captioned", [][2]string{{"A2", "B2-captioned"}, {"A3", "B3-captioned"}}),
		claimQueueBound(r.Scenarios),
	}
	for i, id := range []string{"1", "2", "3a", "3b", "4"} {
		r.Claims[i].ID = id
	}
	r.Caption = captionNote(byName, r.Claims[2], r.Claims[3])
	return r
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
		Rule:   fmt.Sprintf("holds if every such machine drifts (queue slope's 95%% CI above %g msg/s); fails if any is steady; inconclusive otherwise", DriftThreshold),
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
			c.Evidence = append(c.Evidence, fmt.Sprintf("%s: queue slope %s msg/s (predicted %.3f, load ρ = %.2f), drift %s c/s: %s",
				machineName(s, m), fmtCI(m.QueueSlope, m.QueueSlopeCI95), m.PredictedQueueSlope, m.Load, fmtCI(m.Drift, m.DriftCI95), m.Class))
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

// claimModestNoDrift: claim 2.
func claimModestNoDrift(by map[string]*ScenarioReport) Claim {
	c := Claim{
		Claim:  "A machine less than an order of magnitude slower does not drift (the 2 c/s machine in A4).",
		Judged: "A4's 2 c/s machine (machine 1)",
		Rule:   fmt.Sprintf("holds if it is steady (queue slope's 95%% CI below %g msg/s); fails if it drifts; inconclusive otherwise", DriftThreshold),
	}
	s := by["A4"]
	if s == nil || len(s.Machines) < 2 {
		c.Verdict = Inconclusive
		c.Evidence = []string{"A4 was not among the scenarios"}
		return c
	}
	m := s.Machines[1]
	c.Verdict = combine(Holds, m.Class, Steady)
	c.Evidence = []string{fmt.Sprintf("%s: queue slope %s msg/s (predicted %.3f, load ρ = %.2f), drift %s c/s: %s",
		machineName(s, m), fmtCI(m.QueueSlope, m.QueueSlopeCI95), m.PredictedQueueSlope, m.Load, fmtCI(m.Drift, m.DriftCI95), m.Class)}
	return c
}

// claimLowerP: claim 3, judged on the given (higher p, lower p) pairs.
func claimLowerP(by map[string]*ScenarioReport, how string, pairs [][2]string) Claim {
	c := Claim{
		Claim:  fmt.Sprintf("Decreasing the probability of internal events mitigates the drift, as seen in B2 and B3 (judged on the runs %s).", how),
		Judged: fmt.Sprintf("the machines that drift in A2 and A3, against the same machines in %s and %s", pairs[0][1], pairs[1][1]),
		Rule:   "holds if, for every machine that drifts in the A run, the drift (clock slope minus the fastest's) in the B run is less negative, with the two 95% CIs apart; fails if it is more negative with the CIs apart; inconclusive otherwise",
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

// claimQueueBound: claim 4.
func claimQueueBound(all []ScenarioReport) Claim {
	c := Claim{
		Claim:  fmt.Sprintf("Drift does not occur while the message queue stays under about %g.", QueueBound),
		Judged: "every machine of every scenario: its mean maximum queue length over the seeds, whether it drifts, and its load ρ from the mean-field model",
		Rule:   fmt.Sprintf("holds if no machine whose mean maximum queue stays under %g drifts, fails if one does; either way it is compared with the load rule 'a machine drifts exactly when ρ > 1', which does not depend on the run's length", QueueBound),
	}
	c.Verdict = Holds
	var counter, queueMiss, loadMiss []string
	total := 0
	for i := range all {
		s := &all[i]
		for _, m := range s.Machines {
			if m.Class == Undetermined {
				continue
			}
			total++
			drifts := m.Class == Drifts
			if m.MaxQueue < QueueBound && drifts {
				counter = append(counter, fmt.Sprintf("%s (max queue %.1f, queue slope %s)", machineName(s, m), m.MaxQueue, fmtCI(m.QueueSlope, m.QueueSlopeCI95)))
			}
			if (m.MaxQueue < QueueBound) == drifts {
				queueMiss = append(queueMiss, fmt.Sprintf("%s: max queue %.1f, %s", machineName(s, m), m.MaxQueue, m.Class))
			}
			if (m.Load > 1) != drifts {
				loadMiss = append(loadMiss, fmt.Sprintf("%s: ρ = %.2f, %s", machineName(s, m), m.Load, m.Class))
			}
		}
	}
	if len(counter) > 0 {
		c.Verdict = Fails
		c.Evidence = append(c.Evidence, "drifting with the queue under the bound: "+strings.Join(counter, "; "))
	} else {
		c.Evidence = append(c.Evidence, fmt.Sprintf("no machine that drifts kept its queue under %g", QueueBound))
	}
	c.Evidence = append(c.Evidence, fmt.Sprintf("the queue bound (drifts ⟺ max queue ≥ %g) misclassifies %d of %d machines%s", QueueBound, len(queueMiss), total, list(queueMiss)))
	c.Evidence = append(c.Evidence, fmt.Sprintf("the load rule (drifts ⟺ ρ > 1) misclassifies %d of %d machines%s", len(loadMiss), total, list(loadMiss)))
	c.Evidence = append(c.Evidence, "a drifting machine's queue grows by its queue slope every second, so whether it is still under the bound depends on how long the run lasted; ρ does not")
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
