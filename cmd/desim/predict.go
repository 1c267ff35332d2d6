package main

import (
	"github.com/spf13/cobra"

	"desim/analysis"
)

func newPredictCmd(e *env) *cobra.Command {
	var asJSON bool
	var dur string
	c := e.command("predict SCENARIO", "predict each machine's load, queue growth and clock drift from theory",
		args(1, 1, "need exactly one SCENARIO"),
		func(c *cobra.Command, a []string) error {
			s, err := loadScenario(a[0], "", dur)
			if err != nil {
				return err
			}
			return analysis.WritePredict(e.stdout, s, dur != "", asJSON)
		})
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	c.Flags().StringVar(&dur, "duration", "", "the expected metrics over a run of this virtual time, e.g. 60s (default: the long-run rates)")
	return c
}
