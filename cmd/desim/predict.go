package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"desim/analysis"
	"desim/scenarios"
)

// predictionJSON is the output of "desim predict --json".
type predictionJSON struct {
	Scenario string                       `json:"scenario"`
	Die      int                          `json:"die"`
	Machines []analysis.MachinePrediction `json:"machines"`
}

var predictCmd = &command{
	name:    "predict",
	summary: "predict each machine's load, queue growth and clock drift from theory",
	usage:   "predict SCENARIO [--json]",
	help: `
Prints the mean-field (fluid) prediction for SCENARIO, machine by machine:
the rate at which messages arrive (arrival_rate, λ), the LOAD ρ = λ/rate,
the rates of receive, send and internal ticks, the growth of the queue
(queue_slope = max(0, λ - rate)) and of the logical clock (clock_slope),
and the drift (clock_slope minus the largest clock_slope).

A machine with load ρ >= 1 (marked DRIFTS) can never empty its queue: its
queue grows linearly and its clock falls behind, however its queue looked
in one short run. Near ρ = 1 the queue of a real run wanders like a random
walk and the fluid prediction is only approximate: the table marks loads
between 0.8 and 1.25 with "*". Start offsets and latency do not enter the
prediction (it describes the steady state).

Examples:
  desim predict A2
  desim predict my.yaml --json | jq '.machines[].load'`,
	setup: func(fs *flag.FlagSet) func(e *env, args []string) error {
		asJSON := fs.Bool("json", false, "print JSON instead of a table")
		return func(e *env, args []string) error {
			if len(args) != 1 {
				return usagef("need exactly one SCENARIO (see \"desim predict -h\")")
			}
			s, err := loadScenario(args[0], "", "")
			if err != nil {
				return err
			}
			p := predictionJSON{Scenario: s.Name, Die: s.Die, Machines: analysis.Predict(s.Rates(), s.Die)}
			if *asJSON {
				b, err := json.MarshalIndent(p, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(e.stdout, "%s\n", b)
				return err
			}
			writePrediction(e, s, p.Machines)
			return nil
		}
	},
}

// The band of loads around ρ = 1 (symmetric in log ρ: 1/1.25 = 0.8) in
// which the table marks the prediction as approximate: there the queue of a
// real run wanders like a random walk for a long time before it settles
// (ρ < 1) or grows (ρ ≥ 1). analysis' test against the simulator allows
// larger deviations in the same band.
const (
	nearOneLow  = 0.8
	nearOneHigh = 1.25
)

// writePrediction prints the prediction as an aligned table: the load and
// a verdict first, "DRIFTS" for ρ ≥ 1, with a "*" for loads in
// (nearOneLow, nearOneHigh).
func writePrediction(e *env, s *scenarios.Scenario, ms []analysis.MachinePrediction) {
	fmt.Fprintf(e.stdout, "%s: mean-field prediction, die %d (q = 2/%d per peer per free tick)\n", s.Name, s.Die, s.Die)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "machine\trate\tLOAD ρ\t\tarrival_rate\treceive_rate\tsend_rate\tinternal_rate\tqueue_slope\tclock_slope\tdrift\t")
	near := false
	for _, m := range ms {
		verdict := "keeps up"
		if m.Load >= 1 {
			verdict = "DRIFTS"
		}
		if m.Load > nearOneLow && m.Load < nearOneHigh {
			verdict += "*"
			near = true
		} else {
			verdict += " "
		}
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t\n",
			m.ID, s.Machines[m.ID].Rate, m.Load, verdict, m.ArrivalRate, m.ReceiveRate, m.SendRate, m.InternalRate, m.QueueSlope, m.ClockSlope, m.Drift)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, "ρ >= 1: the queue never empties, grows by queue_slope per second, and the clock drifts.")
	if near {
		fmt.Fprintf(e.stdout, "*: near ρ = 1 (%g < ρ < %g) the queue wanders like a random walk; the fluid prediction is only approximate there.\n", nearOneLow, nearOneHigh)
	} else {
		fmt.Fprintln(e.stdout, "Near ρ = 1 the queue wanders like a random walk; the fluid prediction is only approximate there.")
	}
}
