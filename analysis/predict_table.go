package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"desim/scenarios"
)

// NearOneLow and NearOneHigh bound the band of loads around ρ = 1 in
// which the table marks the prediction as approximate: there the queue of
// a run wanders like a random walk for a long time before it settles
// (ρ < 1) or grows (ρ > 1). They are the finite-horizon model's band
// (ApproxLow, ApproxHigh), outside which its predictions meet their
// tolerance (docs/statistics.md).
const (
	NearOneLow  = ApproxLow
	NearOneHigh = ApproxHigh
)

// Loads in (ApproxLow, ApproxHigh) are near the critical load ρ = 1,
// where predictions are flagged approximate: the mean-field models treat
// the messages arriving at a machine as independent, while near ρ = 1
// their bunching (a sender's free ticks come in runs) decides how long
// the queue gets.
const (
	ApproxLow  = 0.85
	ApproxHigh = 1.15
)

// Critical reports whether a load is 1, the critical load, to rounding.
func Critical(load float64) bool { return math.Abs(load-1) <= 1e-9 }

// Verdict is the long-run behaviour a load implies: "keeps up" (ρ < 1),
// "critical" (ρ = 1) or "DRIFTS" (ρ > 1).
func Verdict(load float64) string {
	switch {
	case Critical(load):
		return "critical"
	case load > 1:
		return "DRIFTS"
	}
	return "keeps up"
}

// LoadRule is the one-line statement of what the load decides.
const LoadRule = "ρ > 1: the queue grows linearly, by queue_slope per second, and the clock drifts; " +
	"ρ = 1 (critical): the queue keeps emptying but wanders like a random walk and grows like √t; " +
	"ρ < 1: the queue keeps emptying and stays short."

// WritePrediction prints the prediction of scenario name (die faces die,
// machines' rates as written in rates) as an aligned table: the load and
// its Verdict first, with a "*" for loads in (NearOneLow, NearOneHigh).
func WritePrediction(w io.Writer, name string, die int, rates []string, ms []MachinePrediction) {
	fmt.Fprintf(w, "%s: mean-field prediction, die %d (q = 2/%d per peer per free tick)\n", name, die, die)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine\trate\tLOAD ρ\t\tarrival_rate\treceive_rate\tsend_rate\tinternal_rate\tqueue_slope\tclock_slope\tdrift\t")
	near := false
	for _, m := range ms {
		verdict := Verdict(m.Load)
		if m.Load > NearOneLow && m.Load < NearOneHigh {
			verdict += "*"
			near = true
		} else {
			verdict += " "
		}
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t\n",
			m.ID, rates[m.ID], m.Load, verdict, m.ArrivalRate, m.ReceiveRate, m.SendRate, m.InternalRate, m.QueueSlope, m.ClockSlope, m.Drift)
	}
	tw.Flush()
	fmt.Fprintln(w, strings.Replace(LoadRule, "; ", ";\n", -1))
	if near {
		fmt.Fprintf(w, "*: near ρ = 1 (%g < ρ < %g) the queue wanders like a random walk; the fluid prediction is only approximate there.\n", NearOneLow, NearOneHigh)
	} else {
		fmt.Fprintln(w, "Near ρ = 1 the queue wanders like a random walk; the fluid prediction is only approximate there.")
	}
}

// WritePredict prints what "desim predict" prints for scenario s: the
// long-run model's table (WritePrediction), or with finite the expected
// metrics over a run of s.Duration (WriteRunPrediction); with asJSON the
// same as JSON.
//
// A machine with a timing model is predicted at its effective rate
// 1/(1/rate + mean overshoot) (scenarios.Scenario.EffectiveRates), which
// the table shows beside its rate.
func WritePredict(w io.Writer, s *scenarios.Scenario, finite, asJSON bool) error {
	rates := make([]string, len(s.Machines))
	eff := s.EffectiveRates()
	for i, m := range s.Machines {
		rates[i] = m.Rate.String()
		if m.Timing.OvershootMean > 0 {
			rates[i] += " (eff. " + strconv.FormatFloat(eff[i], 'g', 6, 64) + ")"
		}
	}
	if !asJSON {
		if s.Timed() {
			fmt.Fprintln(w, "timing model: predicted at the effective rates 1/(1/rate + mean overshoot), each machine started at start + start_spread/2")
		}
		if finite {
			WriteRunPrediction(w, s.Name, s.Die, rates, PredictRun(s))
		} else {
			WritePrediction(w, s.Name, s.Die, rates, Predict(eff, s.Die))
		}
		return nil
	}
	var v any = struct {
		Scenario string              `json:"scenario"`
		Die      int                 `json:"die"`
		Machines []MachinePrediction `json:"machines"`
	}{s.Name, s.Die, Predict(eff, s.Die)}
	if finite {
		v = struct {
			Scenario string `json:"scenario"`
			Die      int    `json:"die"`
			*RunPrediction
		}{s.Name, s.Die, PredictRun(s)}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteRunPrediction prints the finite-horizon prediction rp of scenario
// name (die faces die, rates as written) as an aligned table: per machine
// the load, and the expectation of every metric the model predicts over a
// run of rp.DurationS, with a "*" on machines flagged approximate.
func WriteRunPrediction(w io.Writer, name string, die int, rates []string, rp *RunPrediction) {
	fmt.Fprintf(w, "%s: expected metrics over a run of %s (finite-horizon model, die %d, mean over seeds)\n", name, formatSeconds(rp.DurationS), die)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "machine\trate\tLOAD ρ\t\t"
	for _, m := range Metrics {
		if m.Predicted() {
			head += m.Key + "\t"
		}
	}
	fmt.Fprintln(tw, head)
	approx := false
	for i := range rp.Machines {
		e := &rp.Machines[i]
		mark := " "
		if e.Approximate {
			mark, approx = "*", true
		}
		line := fmt.Sprintf("%d\t%s\t%.3f\t%s\t", e.ID, rates[e.ID], e.Load, mark)
		for _, m := range Metrics {
			if v, ok := m.Predict(e); ok {
				dec := 2
				if m.Kind == KindSlope || m.Kind == KindRatio {
					dec = 4
				}
				line += unsigned0(strconv.FormatFloat(v, 'f', dec, 64)) + "\t"
			}
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Fprintln(w, "Counts and levels are expectations over runs of this length (ticks exactly), slopes the expected fitted slopes.")
	fmt.Fprintln(w, "max_queue and max_jump: not predicted.")
	if rp.EvolvedS < rp.DurationS {
		fmt.Fprintf(w, "The model was computed tick by tick over the first %s only (too many machines or ticks) and extended beyond.\n",
			scenarios.FormatDuration(time.Duration(math.Round(rp.EvolvedS*1000))*time.Millisecond))
	}
	if approx {
		fmt.Fprintf(w, "*: load near 1 (%g < ρ < %g): approximate; the model's queue there is shorter than a run's.\n", ApproxLow, ApproxHigh)
	}
}

// formatSeconds writes a number of seconds as a scenario writes a
// duration ("60s", "1.5s").
func formatSeconds(s float64) string {
	return scenarios.FormatDuration(time.Duration(math.Round(s * 1e9)))
}

// unsigned0 drops the sign of a formatted number that rounds to zero.
func unsigned0(s string) string {
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}
