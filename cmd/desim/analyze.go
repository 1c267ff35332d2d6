package main

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"desim/analysis"
	"desim/experiment"
	"desim/scenarios"
	"desim/sim"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "analyze RUN...",
		Short:   "print the per-machine metrics of any run's logs, desim's or the original's",
		Long:    help("analyze"),
		Example: examples("analyze"),
		Args:    args(1, -1, "need a run directory or log files"),
		RunE: e.run(func(c *cobra.Command, a []string) error {
			r, err := experiment.ReadRun(a...)
			if err != nil {
				return err
			}
			sum := r.Summary()
			s := r.Scenario
			if s == nil {
				fmt.Fprintf(e.stderr, "desim analyze: no scenario.yaml, so the rates are estimated from the logs as (ticks - 1) / (last - first time)\n")
			}
			if asJSON {
				_, err := e.stdout.Write(sum.Marshal())
				return err
			}
			l := r.Log
			if s != nil {
				fmt.Fprintf(e.stdout, "%s, seed %d, %s of virtual time\n", s.Name, s.Seed, scenarios.FormatDuration(s.Duration))
			} else {
				fmt.Fprintf(e.stdout, "%s: %d machines, %ss from the earliest line to the latest", sum.Scenario, len(l.Machines), sim.AppendSeconds(nil, l.Duration()))
				if l.Offset != 0 {
					fmt.Fprintf(e.stdout, " (the earliest at %ss)", sim.AppendSeconds(nil, l.Offset))
				}
				fmt.Fprintf(e.stdout, "; rates estimated\n")
			}
			ms := sum.Machines
			if s == nil {
				// Estimated rates to 4 significant digits, for the
				// table's alignment; --json has them in full.
				ms = slices.Clone(ms)
				for i := range ms {
					ms[i].Rate, _ = strconv.ParseFloat(strconv.FormatFloat(ms[i].Rate, 'g', 4, 64), 64)
				}
			}
			analysis.WriteTable(e.stdout, ms)
			return nil
		}),
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the metrics as summary.json's JSON instead of a table")
	return c
}
