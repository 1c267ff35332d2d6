// Package sweep runs scenarios over many seeds and aggregates the per-run
// metrics of summary.json: count, mean, standard deviation, 95% confidence
// interval, extremes and the seeds that gave them, beside the mean-field
// prediction.
//
// Sums over seeds are exact (package exact), so a sweep's result is the
// same bit for bit whatever the number of workers, the order in which runs
// finish, an interruption and resume, or a split into shards run as
// separate processes and merged. Memory does not grow with the number of
// seeds: each run's metrics are folded into the sums as soon as it ends.
package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"desim/analysis"
	"desim/scenarios"
	"desim/sim"
)

// Metrics lists the per-run metrics aggregated, in summary.json's order
// (rate, a constant, is reported per machine instead).
var Metrics = analysis.Metrics

// Scenario is the state of one scenario of a sweep: the stats of every
// machine and metric, and the seeds done.
type Scenario struct {
	Scenario *scenarios.Scenario
	// Stats[i][k] is machine i's metric Metrics[k].
	Stats [][]Stat
	Done  Intervals
	// Events counts ticks and deliveries of the runs done in this process
	// (not saved: only for speed reports).
	Events int64
}

// NewScenario returns an empty state for s.
func NewScenario(s *scenarios.Scenario) *Scenario {
	st := &Scenario{Scenario: s, Stats: make([][]Stat, len(s.Machines))}
	for i := range st.Stats {
		st.Stats[i] = make([]Stat, len(Metrics))
	}
	return st
}

// Fingerprint identifies the scenario as run (everything but the seed,
// duration included): the SHA-256 of its resolved YAML with seed 0.
func Fingerprint(s *scenarios.Scenario) string {
	c := *s
	c.Seed = 0
	sum := sha256.Sum256(scenarios.Marshal(&c))
	return hex.EncodeToString(sum[:8])
}

// reset empties the stats, keeping their storage.
func (st *Scenario) reset() {
	for i := range st.Stats {
		clear(st.Stats[i])
	}
	st.Done = st.Done[:0]
	st.Events = 0
}

// merge adds t's stats and done seeds to st.
func (st *Scenario) merge(t *Scenario) error {
	for i := range st.Stats {
		for k := range st.Stats[i] {
			st.Stats[i][k].Merge(&t.Stats[i][k])
		}
	}
	for _, iv := range t.Done {
		if err := st.Done.Add(iv[0], iv[1]); err != nil {
			return err
		}
	}
	return nil
}

// Options control a sweep's execution; they do not change its result.
type Options struct {
	// Workers is the number of goroutines running seeds (default: the
	// number of CPUs).
	Workers int
	// Progress, if set, is called after each chunk of runs with the number
	// of runs just completed. It is called from worker goroutines.
	Progress func(runs int)
}

// chunk is the number of seeds a worker claims at a time.
const chunk = 32

// ErrInterrupted is returned by Run when its context was cancelled; the
// state then holds exactly the runs that completed.
var ErrInterrupted = errors.New("sweep interrupted")

// Run runs every seed of [from, to] that st has not done yet, adding each
// run's metrics to st. When ctx is cancelled, the workers stop at their
// next run and Run returns ErrInterrupted with st holding exactly the
// completed runs (a partial result that a later Run completes).
func Run(ctx context.Context, st *Scenario, from, to uint64, opt Options) error {
	todo := st.Done.Missing(from, to)
	if len(todo) == 0 {
		return nil
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	cfg := st.Scenario.Config(0)
	rates := st.Scenario.Rates()
	// Chunks of up to chunk seeds are claimed in order from the intervals
	// to do; only the intervals are held, so memory does not grow with the
	// number of seeds, and no arithmetic passes the end of an interval (the
	// top seed 2^64-1 included).
	var claimMu sync.Mutex
	ivIndex, cursor := 0, todo[0][0]
	claim := func() (a, b uint64, ok bool) {
		claimMu.Lock()
		defer claimMu.Unlock()
		if ivIndex == len(todo) {
			return 0, 0, false
		}
		end := todo[ivIndex][1]
		a = cursor
		b = a + min(chunk-1, end-a)
		if b == end {
			ivIndex++
			if ivIndex < len(todo) {
				cursor = todo[ivIndex][0]
			}
		} else {
			cursor = b + 1
		}
		return a, b, true
	}
	var (
		stop    atomic.Bool
		mu      sync.Mutex
		firstEr error
		wg      sync.WaitGroup
	)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			stop.Store(true)
		case <-done:
		}
	}()
	for w := uint64(0); w < min(uint64(workers), todo.Count()); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			eng, err := sim.New(cfg)
			if err != nil {
				mu.Lock()
				firstEr = errors.Join(firstEr, err)
				mu.Unlock()
				stop.Store(true)
				return
			}
			acc := analysis.NewAccumulator(len(rates))
			ms := make([]analysis.MachineMetrics, len(rates))
			local := NewScenario(st.Scenario)
			for !stop.Load() {
				if ctx.Err() != nil { // checked per chunk; stop per run
					stop.Store(true)
					return
				}
				a, b, ok := claim()
				if !ok {
					return
				}
				var done uint64 // seeds completed in this chunk: a .. a+done-1
				var events int64
				for seed := a; !stop.Load(); seed++ {
					eng.Reset(seed)
					acc.Reset()
					if err := eng.Run(acc); err != nil {
						mu.Lock()
						firstEr = errors.Join(firstEr, fmt.Errorf("%s seed %d: %w", st.Scenario.Name, seed, err))
						mu.Unlock()
						stop.Store(true)
						break
					}
					events += eng.Stats().Events()
					acc.MetricsTo(ms, rates)
					for i := range ms {
						s := local.Stats[i]
						for k := range s {
							s[k].Add(Metrics[k].Value(&ms[i]), seed)
						}
					}
					done++
					if seed == b {
						break
					}
				}
				if done > 0 {
					mu.Lock()
					err := st.merge(local)
					if err == nil {
						err = st.Done.Add(a, a+done-1)
					}
					st.Events += events
					if err != nil {
						firstEr = errors.Join(firstEr, err)
					}
					mu.Unlock()
					if opt.Progress != nil {
						opt.Progress(int(done))
					}
					local.reset()
				}
			}
		}()
	}
	wg.Wait()
	if firstEr != nil {
		return firstEr
	}
	if ctx.Err() != nil && len(st.Done.Missing(from, to)) > 0 {
		return ErrInterrupted
	}
	return nil
}
