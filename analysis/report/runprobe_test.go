package report

import (
	"desim/analysis/stats"
	"desim/scenarios"
	"desim/sim"
)

// runProbe runs the probe over seeds r in one goroutine, for the tests of
// this package (the application runs it as experiment.RunProbe, which
// this package cannot import).
func runProbe(s *scenarios.Scenario, r stats.SeedRange, bound int64) ([]stats.ProbeSummary, error) {
	p := stats.NewProbe(s, bound)
	eng, err := sim.New(s.Config(s.Seed))
	if err != nil {
		return nil, err
	}
	for seed := r.From; seed <= r.To; seed++ {
		eng.Reset(seed)
		if err := eng.Run(p); err != nil {
			return nil, err
		}
		p.EndRun(seed)
	}
	return p.Machines(), nil
}
