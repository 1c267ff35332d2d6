package report

import (
	"fmt"
	"strconv"
	"strings"

	"desim/analysis/calibrate"
	"desim/analysis/stats"
	"desim/scenarios"
	"desim/sim"
)

// LogsInput is one recorded run of the section "The original
// implementation's runs" (desim reproduce --logs): calibrated, judged
// against its calibrated scenario and against the plain built-in scenario
// of the same rates and die, and its figure beside desim's seed-1 figure
// of the calibrated scenario. The experiment layer makes it.
type LogsInput struct {
	// Run names the run in the report (its directory's base name, unique
	// among the runs); Dir is the directory as given.
	Run, Dir string
	// Estimate is the calibration of the run alone.
	Estimate *calibrate.Estimate
	// Calibrated is the path of the calibrated scenario file relative to
	// the report, and Scenario that scenario's name; CalibrateCommand is
	// the command line that writes the file.
	Calibrated, Scenario, CalibrateCommand string
	// Validation judges the run against the calibrated scenario.
	Validation LogsValidationInput
	// Builtin judges it against the plain built-in scenario of the same
	// nominal rates and maximum-likelihood die, nil when no built-in has
	// them.
	Builtin *LogsValidationInput
	// Figure is the path, relative to the report, of the recorded run's
	// figure, as "desim plot" draws it, and Recorded what it shows;
	// DesimFigure and Simulated are desim's seed-1 run of the calibrated
	// scenario. FigureCommand and DesimFigureCommand draw them.
	Figure, FigureCommand           string
	DesimFigure, DesimFigureCommand string
	Recorded, Simulated             PlotFacts
}

// LogsValidationInput is a recorded run judged against a scenario, as
// "desim validate --logs" judges it.
type LogsValidationInput struct {
	// Scenario is the scenario's name; Command the command line that
	// repeats the validation.
	Scenario, Command string
	// SimSeeds are the simulated runs' seeds.
	SimSeeds stats.SeedRange
	Result   *stats.Validation
	// Text is the validation as "desim validate --logs" prints it.
	Text string
}

// PlotFacts are what a run's figure shows, in numbers, for its alt text:
// the time of its last tick and each machine's last logical clock and
// longest queue.
type PlotFacts struct {
	End       float64 `json:"end_s"`
	Clocks    []int64 `json:"final_clocks"`
	MaxQueues []int64 `json:"max_queues"`
}

// FactsOf returns the facts of a run from its records, recs[i] machine
// i's, times in ns since the run's start.
func FactsOf(recs [][]sim.Record) PlotFacts {
	f := PlotFacts{Clocks: make([]int64, len(recs)), MaxQueues: make([]int64, len(recs))}
	for i, rs := range recs {
		for _, r := range rs {
			f.MaxQueues[i] = max(f.MaxQueues[i], r.Queue)
		}
		if len(rs) > 0 {
			last := rs[len(rs)-1]
			f.Clocks[i] = last.Clock
			f.End = max(f.End, float64(last.At)/1e9)
		}
	}
	return f
}

// The verdicts of a recorded run's validation, as "desim validate --logs"
// prints them.
const (
	LogsPass = "PASS"
	LogsFail = "FAIL"
)

// LogsReport is a recorded run as the report shows it.
type LogsReport struct {
	Run string `json:"run"`
	Dir string `json:"dir"`
	// Calibrated is the calibrated scenario file, relative to the report;
	// Scenario its name.
	Calibrated       string       `json:"calibrated"`
	Scenario         string       `json:"scenario"`
	CalibrateCommand string       `json:"calibrate_command"`
	Estimate         LogsEstimate `json:"estimate"`
	// Validation is against the calibrated scenario: a FAIL fails the
	// report (Report.Failures).
	Validation LogsValidation `json:"validation"`
	// Builtin is against the plain built-in of the same rates and die,
	// nil when there is none (BuiltinNote says so). Without a timing
	// model it is expected to fail, which does not fail the report.
	Builtin     *LogsValidation `json:"builtin_validation,omitempty"`
	BuiltinNote string          `json:"builtin_note,omitempty"`
	// Figure is the recorded run's figure, DesimFigure desim's seed 1 of
	// the calibrated scenario, each with the command that draws it and
	// what it shows.
	Figure             string    `json:"figure"`
	FigureCommand      string    `json:"figure_command"`
	Recorded           PlotFacts `json:"recorded"`
	DesimFigure        string    `json:"desim_figure"`
	DesimFigureCommand string    `json:"desim_figure_command"`
	Simulated          PlotFacts `json:"simulated"`
}

// LogsEstimate is the calibration of a recorded run: the estimates
// "desim calibrate" writes into the scenario file's comments. Times are in
// seconds.
type LogsEstimate struct {
	Rates []string `json:"rates"`
	// Die is the maximum-likelihood R, DieLo and DieHi its 99 %
	// likelihood-ratio interval (DieUnbounded: the upper end is the
	// largest die desim accepts); Sends of Free ticks sent.
	Die          int  `json:"die"`
	DieLo        int  `json:"die_lo"`
	DieHi        int  `json:"die_hi"`
	DieUnbounded bool `json:"die_unbounded,omitempty"`
	Sends        int  `json:"sends"`
	Free         int  `json:"free_ticks"`
	// Span is the run's span from its earliest first tick to its latest
	// tick; Duration the calibrated scenario's duration, as written.
	Span     float64       `json:"span_s"`
	Duration string        `json:"duration"`
	Machines []LogsMachine `json:"machines"`
}

// LogsMachine is one machine's calibration.
type LogsMachine struct {
	ID           int     `json:"id"`
	Rate         string  `json:"rate"`
	Ticks        int     `json:"ticks"`
	MeanInterval float64 `json:"mean_interval_s"`
	// OvershootMean ± OvershootSE (a standard error) is the mean lateness
	// of a tick interval over the period; OvershootSD their spread.
	OvershootMean float64 `json:"overshoot_mean_s"`
	OvershootSE   float64 `json:"overshoot_se_s"`
	OvershootSD   float64 `json:"overshoot_sd_s"`
	// Start is the machine's first tick after the run's earliest.
	Start float64 `json:"start_s"`
}

// LogsValidation is a recorded run's validation as the report shows it.
type LogsValidation struct {
	Scenario string `json:"scenario"`
	Command  string `json:"command"`
	Passed   bool   `json:"passed"`
	// Verdict is PASS or FAIL; Rejected names the comparisons rejected or
	// outside, e.g. "machine 0 clock_slope", of Comparisons.
	Verdict     string          `json:"verdict"`
	Comparisons int             `json:"comparisons"`
	Rejected    []string        `json:"rejected"`
	SimSeeds    stats.SeedRange `json:"sim_seeds"`
	Text        string          `json:"text"`
}

// Summary states the outcome in words, e.g. "FAIL: 6 of 39 comparisons
// rejected (machine 0 clock_slope, machine 0 drift)".
func (v LogsValidation) Summary() string {
	if len(v.Rejected) == 0 {
		return fmt.Sprintf("%s: none of %d comparisons rejected", v.Verdict, v.Comparisons)
	}
	return fmt.Sprintf("%s: %d of %d comparisons rejected (%s)", v.Verdict, len(v.Rejected), v.Comparisons, strings.Join(v.Rejected, ", "))
}

// logsValidation decides a recorded run's validation.
func logsValidation(in LogsValidationInput) LogsValidation {
	d := in.Result.Decide()
	v := LogsValidation{Scenario: in.Scenario, Command: in.Command, Passed: d.Passed(), Verdict: LogsPass,
		Comparisons: len(in.Result.Comparisons), Rejected: []string{}, SimSeeds: in.SimSeeds, Text: in.Text}
	if !v.Passed {
		v.Verdict = LogsFail
	}
	for i, verdict := range d.Verdicts {
		if verdict == stats.VerdictOutside || verdict == stats.VerdictRejected {
			c := in.Result.Comparisons[i]
			v.Rejected = append(v.Rejected, fmt.Sprintf("machine %d %s", c.Machine, c.Metric.Key))
		}
	}
	return v
}

// logsReport converts a recorded run's input.
func logsReport(in LogsInput) LogsReport {
	e := in.Estimate
	r := LogsReport{
		Run: in.Run, Dir: in.Dir, Calibrated: in.Calibrated, Scenario: in.Scenario, CalibrateCommand: in.CalibrateCommand,
		Validation: logsValidation(in.Validation),
		Figure:     in.Figure, FigureCommand: in.FigureCommand, Recorded: in.Recorded,
		DesimFigure: in.DesimFigure, DesimFigureCommand: in.DesimFigureCommand, Simulated: in.Simulated,
		Estimate: LogsEstimate{
			Die: e.Die.R, DieLo: e.Die.Lo, DieHi: e.Die.Hi, DieUnbounded: e.Die.Unbounded, Sends: e.Die.Sends, Free: e.Die.Free,
			Duration: scenarios.FormatDuration(e.Duration), Machines: []LogsMachine{},
		},
	}
	for _, ru := range e.Runs {
		r.Estimate.Span = max(r.Estimate.Span, ru.Span)
	}
	for i, m := range e.Machines {
		r.Estimate.Rates = append(r.Estimate.Rates, m.Rate.String())
		r.Estimate.Machines = append(r.Estimate.Machines, LogsMachine{
			ID: i, Rate: m.Rate.String(), Ticks: m.Ticks, MeanInterval: m.MeanInterval,
			OvershootMean: m.Overshoot.Mean, OvershootSE: m.Overshoot.SE, OvershootSD: m.Overshoot.SD, Start: m.Start,
		})
	}
	if in.Builtin != nil {
		b := logsValidation(*in.Builtin)
		r.Builtin = &b
	} else {
		r.BuiltinNote = fmt.Sprintf("No built-in scenario has rates %s c/s and die %d, so there is no plain built-in to judge the run against.",
			strings.Join(r.Estimate.Rates, ", "), r.Estimate.Die)
	}
	return r
}

// Failures lists what fails the report, one line each: a real-socket
// validation FAILED on the model's metrics (not INCONCLUSIVE), and a
// recorded run that FAILS against its own calibrated scenario. A recorded
// run failing against a plain built-in is expected and not listed.
func (r *Report) Failures() []string {
	var out []string
	for _, v := range r.Validation {
		if v.Verdict == ValidationFailed {
			out = append(out, fmt.Sprintf("the simulator FAILED its validation against real sockets on %s", v.Scenario))
		}
	}
	for _, l := range r.Logs {
		if !l.Validation.Passed {
			out = append(out, fmt.Sprintf("recorded run %s FAILS against its calibrated scenario %s: %d of %d comparisons rejected",
				l.Run, l.Calibrated, len(l.Validation.Rejected), l.Validation.Comparisons))
		}
	}
	return out
}

// logsIntro opens the section of the recorded runs.
const logsIntro = "Each recorded run given to desim reproduce with --logs is calibrated on its own (desim calibrate), " +
	"and judged, as desim validate --logs judges it, against simulated seeds of the calibrated scenario over the run's own duration, " +
	"and against the plain built-in scenario of the same nominal rates and maximum-likelihood die when there is one. " +
	"A run that fails against its calibrated scenario fails the report (desim reproduce exits 1): the timing model, fitted to the run, does not reproduce it. " +
	"A plain built-in has no timing model, its clocks tick exactly at their rates, so it is expected to fail on the fast machines' clock slopes, and that does not fail the report. " +
	"Each run's figure, as desim plot draws its logs, is shown beside desim's seed 1 of the calibrated scenario. " +
	"The commands repeat each step from the directory desim reproduce ran in; the scenario file the first writes is the one beside this report."

// logsMachineList names a run's machines with their rates: "0 (6 c/s),
// 1 (3 c/s) and 2 (2 c/s)".
func logsMachineList(rates []string) string {
	var ms []string
	for i, r := range rates {
		ms = append(ms, fmt.Sprintf("%d (%s c/s)", i, r))
	}
	return andList(ms)
}

// factsText says what a figure's facts are: "over 72.9 s; the clocks end
// at 438, 437 and 439, the longest queues are 2, 2 and 3".
func factsText(f PlotFacts) string {
	var cs, qs []string
	for i := range f.Clocks {
		cs = append(cs, strconv.FormatInt(f.Clocks[i], 10))
		qs = append(qs, strconv.FormatInt(f.MaxQueues[i], 10))
	}
	return fmt.Sprintf("over %.1f s; the clocks end at %s and the longest queues are %s", f.End, andList(cs), andList(qs))
}

// logsAlt and logsDesimAlt say what a recorded run's two figures show,
// for readers who cannot see them, in numbers they can compare.
func logsAlt(l LogsReport) string {
	return fmt.Sprintf("%s as recorded: the logical clock (left) and the message queue length (right) against time of machines %s, %s.",
		l.Run, logsMachineList(l.Estimate.Rates), factsText(l.Recorded))
}

func logsDesimAlt(l LogsReport) string {
	return fmt.Sprintf("desim's seed 1 of %s, the scenario calibrated to %s: the logical clock (left) and the message queue length (right) against time of machines %s, %s.",
		l.Scenario, l.Run, logsMachineList(l.Estimate.Rates), factsText(l.Simulated))
}

// logsRun says what a recorded run is, in one sentence.
func logsRun(l LogsReport) string {
	return fmt.Sprintf("%d machines, %.3f s from the earliest first tick to the latest tick", len(l.Estimate.Machines), l.Estimate.Span)
}

// logsDie states the die's estimate, e.g. "R̂ = 10, 99 % interval [9, 11]
// (412 sends among 1376 free ticks)".
func logsDie(e LogsEstimate) string {
	s := fmt.Sprintf("R̂ = %d, 99 %% interval [%d, %d]", e.Die, e.DieLo, e.DieHi)
	if e.DieUnbounded {
		s += " (the upper end is the largest die desim accepts)"
	}
	return s + fmt.Sprintf(" (%d sends among %d free ticks); duration %s", e.Sends, e.Free, e.Duration)
}

// us and ms format seconds in µs and ms for the estimates' table.
func us(s float64) string { return strconv.FormatFloat(s*1e6, 'f', 1, 64) }
func ms(s float64) string { return strconv.FormatFloat(s*1e3, 'f', 2, 64) }

// overshootText is a machine's overshoot in µs, "230.1 ± 4.0".
func overshootText(m LogsMachine) string { return us(m.OvershootMean) + " ± " + us(m.OvershootSE) }

// builtinHeading is the line over the built-in's validation.
func builtinHeading(l LogsReport) string {
	b := l.Builtin
	s := fmt.Sprintf("Against the plain built-in %s: %s", b.Scenario, b.Summary())
	if !b.Passed {
		s += "; expected without a timing model, and not a failure of the report"
	}
	return s
}
