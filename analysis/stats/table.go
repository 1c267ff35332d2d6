package stats

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"desim/analysis"
	"desim/scenarios"
)

// ZMark is the |z| from which a row of the table is marked: the mean and
// the prediction differ by more than the run-to-run noise explains (with
// a correct model, |z| ≥ 4 happens by chance in about 1 row in 16,000).
const ZMark = 4

// TableOptions choose the table's columns.
type TableOptions struct {
	// Wide adds sd, the extremes and their seeds, and the rate; without it
	// every line fits 100 columns.
	Wide bool
	// Command is how to run desim in the printed replay commands
	// ("desim" by default); Quote quotes a word for the shell (nil: as is).
	Command string
	Quote   func(string) string
}

// fmtValue formats a value of metric m for reading: integers for the
// integer metrics' extremes, one decimal for their means, and fixed
// decimals for slopes and ratios — 4, or as many as the value needs to
// show 3 significant digits, up to 9 — never an exponent. A value that
// rounds to zero shows without a sign.
func fmtValue(v float64, m *analysis.Metric, integer bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	dec := 4
	switch {
	case m.Kind.Integer() && integer:
		dec = 0
	case m.Kind.Integer():
		dec = 1
	case v != 0 && math.Abs(v) < 1e-2:
		dec = min(9, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if strings.Trim(s, "-0.") == "" { // rounds to zero: no sign, no long tail
		s = strconv.FormatFloat(0, 'f', min(dec, 4), 64)
	}
	return s
}

// WriteTableOptions writes an aligned table per scenario: for every
// machine and metric the mean ± its 95% CI, the prediction and z (only
// where the model predicts the metric), a "!" on rows with |z| ≥ ZMark, a
// "~" on the predictions of machines flagged approximate,
// and with Wide the sd, the extremes and the seeds that gave them. Under
// each scenario it prints the commands that replay the runs with the
// smallest and the largest final queue of its most loaded machine.
func WriteTableOptions(w io.Writer, o *Output, opt TableOptions) error {
	cmd, quote := opt.Command, opt.Quote
	if cmd == "" {
		cmd = "desim"
	}
	if quote == nil {
		quote = func(s string) string { return s }
	}
	marked, approx := false, false
	for si, s := range o.Scenarios {
		if si > 0 {
			fmt.Fprintln(w)
		}
		dur := time.Duration(math.Round(s.DurationS * 1e9))
		fmt.Fprintf(w, "%s: %d runs (seeds %d-%d), %s of virtual time each\n", s.Scenario, s.Runs, s.Seeds.From, s.Seeds.To, scenarios.FormatDuration(dur))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		head := "machine\tmetric\tmean\t± ci95\tpredicted\tz\t\t"
		if opt.Wide {
			head = "machine\trate\tmetric\tmean\t± ci95\tsd\tmin\t(seed)\tmax\t(seed)\tpredicted\tz\t\t"
		}
		fmt.Fprintln(tw, head)
		for _, m := range s.Machines {
			for k, v := range m.Metrics {
				met := analysis.Metrics[k]
				pred, z, mark := "-", "-", ""
				if v.Predicted != nil {
					pred = fmtValue(*v.Predicted, met, false)
				}
				if v.Z != nil {
					z = strconv.FormatFloat(*v.Z, 'f', 1, 64)
					if Departs(met, v) {
						mark, marked = "!", true
					}
				}
				if m.Approximate && v.Predicted != nil {
					mark, approx = mark+"~", true
				}
				mean, ci := fmtValue(v.Mean, met, false), fmtValue(v.CI95, met, false)
				if opt.Wide {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t\n", m.ID, num(m.Rate), met.Key, mean, ci,
						fmtValue(v.SD, met, false), fmtValue(v.Min, met, true), v.MinSeed, fmtValue(v.Max, met, true), v.MaxSeed, pred, z, mark)
				} else {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", m.ID, met.Key, mean, ci, pred, z, mark)
				}
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if i := mostLoaded(s); i >= 0 {
			q := s.Machines[i].Metric(analysis.FinalQueue)
			for _, e := range []struct {
				what string
				seed uint64
				v    float64
			}{{"smallest", q.MinSeed, q.Min}, {"largest", q.MaxSeed, q.Max}} {
				fmt.Fprintf(w, "  %s final queue of machine %d (%g): %s run %s --seed %d --duration %s\n",
					e.what, i, e.v, cmd, quote(s.Scenario), e.seed, scenarios.FormatDuration(dur))
			}
		}
	}
	fmt.Fprintln(w, "\npredicted: the model's expectation over a run of this length (desim predict --duration D);")
	fmt.Fprintln(w, "z = (mean − predicted)/(sd/√n), shown where the model predicts the metric.")
	if marked {
		fmt.Fprintf(w, "!: |z| ≥ %d and off by more than the model's resolution: the model and the simulation part.\n", ZMark)
	}
	if approx {
		fmt.Fprintf(w, "~: a load near 1 (%g < ρ < %g): the prediction is approximate there.\n", analysis.ApproxLow, analysis.ApproxHigh)
	}
	if !opt.Wide {
		fmt.Fprintln(w, "--wide adds sd, the extremes and the seeds that gave them.")
	}
	return nil
}

// Departs reports whether a prediction and the mean over seeds part: |z| ≥
// ZMark, and the difference beyond the model's resolution
// (analysis.Tolerance: 1 for a count or level, 0.001/s for a slope, 0.2 %
// of the mean for mean_jump), which a mean over many seeds can resolve
// finer than the model is meant to.
func Departs(m *analysis.Metric, v Summary) bool {
	if v.Z == nil || v.Predicted == nil || math.Abs(*v.Z) < ZMark {
		return false
	}
	se := v.SD / math.Sqrt(float64(v.N))
	return math.Abs(v.Mean-*v.Predicted) > analysis.Tolerance(m, v.Mean, se)
}

// mostLoaded returns the machine with the largest mean final queue, or -1.
func mostLoaded(s ScenarioOutput) int {
	best, bestQ := -1, math.Inf(-1)
	for i, m := range s.Machines {
		if q := m.Metric(analysis.FinalQueue).Mean; q > bestQ {
			best, bestQ = i, q
		}
	}
	return best
}
