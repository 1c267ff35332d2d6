package stats

import (
	"context"

	"desim/scenarios"
	"desim/sim"
)

// RunProbe runs the probe over seeds r with workers goroutines, for the
// tests of this package (the application runs it as experiment.RunProbe,
// on its Simulator): each worker takes every workers-th seed, and the
// probes merge exactly, so the result does not depend on workers.
func RunProbe(ctx context.Context, s *scenarios.Scenario, r SeedRange, bound int64, workers int) ([]ProbeSummary, error) {
	total := NewProbe(s, bound)
	workers = max(1, workers)
	for w := range workers {
		p := NewProbe(s, bound)
		eng, err := sim.New(s.Config(s.Seed))
		if err != nil {
			return nil, err
		}
		for k := uint64(w); k < r.Count(); k += uint64(workers) {
			eng.Reset(r.From + k)
			if err := eng.Run(p); err != nil {
				return nil, err
			}
			p.EndRun(r.From + k)
		}
		total.Merge(p)
	}
	return total.Machines(), ctx.Err()
}
