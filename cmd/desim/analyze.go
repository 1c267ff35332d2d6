package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"desim/experiment"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	var asJSON, strict bool
	c := e.command("analyze RUN...", "print the per-machine metrics of any run's logs, desim's or the original's",
		args(1, -1, "need a run directory or log files"),
		func(c *cobra.Command, a []string) error {
			r, err := experiment.StreamRun(a...)
			if err == nil && strict {
				err = r.ClockError()
			}
			if err != nil {
				return err
			}
			for _, w := range r.Warnings() {
				fmt.Fprintf(e.stderr, "desim analyze: warning: %s\n", w)
			}
			sum := r.Summary()
			if r.Scenario == nil {
				fmt.Fprintf(e.stderr, "desim analyze: no scenario.yaml, so the rates are estimated from the logs as (ticks - 1) / (last - first time)\n")
			}
			if asJSON {
				_, err := e.stdout.Write(sum.Marshal())
				return err
			}
			fmt.Fprint(e.stdout, r.Heading())
			r.WriteTable(e.stdout, sum)
			return nil
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print the metrics as summary.json's JSON instead of a table")
	c.Flags().BoolVar(&strict, "strict", false, "make a logical clock that decreases within a log (a model violation, otherwise a warning) an error: exit status 2")
	return c
}
