package experiment

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"desim/analysis/stats"
	"desim/scenarios"
)

// RunProbe runs s in the simulator (see Simulator) for every seed of r and returns the
// probe's summaries per machine (see Probe), the queue bound being bound.
// workers goroutines share the seeds (0: one per CPU); the result is the
// same bits for any number of them.
func RunProbe(ctx context.Context, s *scenarios.Scenario, r stats.SeedRange, bound int64, workers int) ([]stats.ProbeSummary, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = int(min(uint64(workers), r.Count()))
	total := stats.NewProbe(s, bound)
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if perr := recovered(recover()); perr != nil {
					mu.Lock()
					errs = errors.Join(errs, perr)
					mu.Unlock()
				}
			}()
			p := stats.NewProbe(s, bound)
			x, err := NewSimulator(s)
			// Seeds r.From+w, r.From+w+workers, ...: no arithmetic past r.To.
			for k := uint64(w); err == nil && k < r.Count(); k += uint64(workers) {
				if err = ctx.Err(); err != nil {
					break
				}
				seed := r.From + k
				if _, err = x.Run(seed, p); err == nil {
					p.EndRun(seed)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = errors.Join(errs, err)
				return
			}
			total.Merge(p)
		}()
	}
	wg.Wait()
	if errs != nil {
		return nil, errs
	}
	return total.Machines(), nil
}
