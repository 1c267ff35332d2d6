package analysis

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
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
