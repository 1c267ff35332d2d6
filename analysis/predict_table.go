package analysis

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// NearOneLow and NearOneHigh bound the band of loads around ρ = 1 (symmetric in log ρ: 1/1.25 = 0.8) in
// which the table marks the prediction as approximate: there the queue of a
// real run wanders like a random walk for a long time before it settles
// (ρ < 1) or grows (ρ ≥ 1).
const (
	NearOneLow  = 0.8
	NearOneHigh = 1.25
)

// WritePrediction prints the prediction of scenario name (die faces die,
// machines' rates as written in rates) as an aligned table: the load and
// a verdict first, "DRIFTS" for ρ ≥ 1, with a "*" for loads in
// (NearOneLow, NearOneHigh).
func WritePrediction(w io.Writer, name string, die int, rates []string, ms []MachinePrediction) {
	fmt.Fprintf(w, "%s: mean-field prediction, die %d (q = 2/%d per peer per free tick)\n", name, die, die)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine\trate\tLOAD ρ\t\tarrival_rate\treceive_rate\tsend_rate\tinternal_rate\tqueue_slope\tclock_slope\tdrift\t")
	near := false
	for _, m := range ms {
		verdict := "keeps up"
		if m.Load >= 1 {
			verdict = "DRIFTS"
		}
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
	fmt.Fprintln(w, "ρ >= 1: the queue never empties, grows by queue_slope per second, and the clock drifts.")
	if near {
		fmt.Fprintf(w, "*: near ρ = 1 (%g < ρ < %g) the queue wanders like a random walk; the fluid prediction is only approximate there.\n", NearOneLow, NearOneHigh)
	} else {
		fmt.Fprintln(w, "Near ρ = 1 the queue wanders like a random walk; the fluid prediction is only approximate there.")
	}
}
