package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"desim/analysis"
	"desim/scenarios"
)

// predictionJSON is the output of "desim predict --json".
type predictionJSON struct {
	Scenario string                       `json:"scenario"`
	Die      int                          `json:"die"`
	Machines []analysis.MachinePrediction `json:"machines"`
}

func newPredictCmd(e *env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "predict SCENARIO",
		Short:   "predict each machine's load, queue growth and clock drift from theory",
		Long:    help("predict"),
		Example: examples("predict"),
		Args:    args(1, 1, "need exactly one SCENARIO"),
		RunE: e.run(func(c *cobra.Command, a []string) error {
			s, err := loadScenario(a[0], "", "")
			if err != nil {
				return err
			}
			p := predictionJSON{Scenario: s.Name, Die: s.Die, Machines: analysis.Predict(s.Rates(), s.Die)}
			if asJSON {
				b, err := json.MarshalIndent(p, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(e.stdout, "%s\n", b)
				return err
			}
			analysis.WritePrediction(e.stdout, s.Name, s.Die, rateNames(s), p.Machines)
			return nil
		}),
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return c
}

// rateNames returns the machines' rates as the scenario writes them.
func rateNames(s *scenarios.Scenario) []string {
	r := make([]string, len(s.Machines))
	for i, m := range s.Machines {
		r[i] = m.Rate.String()
	}
	return r
}
