package experiment

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
	"desim/analysis/stats"
	"desim/scenarios"
)

// SweepScenario is the state of one scenario of a sweep: the stats of
// every machine and metric, and the seeds done.
type SweepScenario struct {
	Scenario *scenarios.Scenario
	// Stats[i][k] is machine i's metric analysis.Metrics[k].
	Stats [][]stats.Stat
	Done  Intervals
	// Events counts ticks and deliveries of the runs done in this process
	// (not saved: only for speed reports).
	Events int64
}

// NewSweepScenario returns an empty state for s.
func NewSweepScenario(s *scenarios.Scenario) *SweepScenario {
	return &SweepScenario{Scenario: s, Stats: stats.NewStats(len(s.Machines))}
}

// Fingerprint identifies the scenario as run (everything but the seed,
// duration included): the SHA-256 of its resolved YAML with seed 0.
func Fingerprint(s *scenarios.Scenario) string {
	c := *s
	c.Seed = 0
	return fingerprintOf(scenarios.Marshal(&c))
}

// fingerprintOf is Fingerprint from the scenario's YAML with seed 0.
func fingerprintOf(yaml []byte) string {
	sum := sha256.Sum256(yaml)
	return hex.EncodeToString(sum[:8])
}

// reset empties the stats, keeping their storage.
func (st *SweepScenario) reset() {
	for i := range st.Stats {
		clear(st.Stats[i])
	}
	st.Done = st.Done[:0]
	st.Events = 0
}

// merge adds t's stats and done seeds to st.
func (st *SweepScenario) merge(t *SweepScenario) error {
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

// SweepOptions control a sweep's execution; they do not change its
// result.
type SweepOptions struct {
	// Workers is the number of goroutines running seeds (default: the
	// number of CPUs).
	Workers int
	// Progress, if set, is called after each chunk of runs with the number
	// of runs just completed. It is called from worker goroutines.
	Progress func(runs int)
}

// chunk is the number of seeds a worker claims at a time.
const chunk = 32

// ErrInterrupted is returned by Sweep when its context was cancelled; the
// state then holds exactly the runs that completed. It matches
// context.Canceled.
var ErrInterrupted = fmt.Errorf("sweep interrupted: %w", context.Canceled)

// Sweep runs every seed of [from, to] that st has not done yet, adding each
// run's metrics to st. Sums over seeds are exact (see stats.Stat), so the
// result is the same bit for bit whatever the number of workers, the order
// in which runs finish, an interruption and resume, or a split into shards
// merged later; memory does not grow with the number of seeds. When ctx is
// cancelled, the workers stop at their next run and Sweep returns
// ErrInterrupted with st holding exactly the completed runs (a partial
// result that a later Sweep completes).
func Sweep(ctx context.Context, st *SweepScenario, from, to uint64, opt SweepOptions) error {
	todo := st.Done.Missing(from, to)
	if len(todo) == 0 {
		return nil
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
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
	fail := func(err error) {
		mu.Lock()
		firstEr = errors.Join(firstEr, err)
		mu.Unlock()
		stop.Store(true)
	}
	for w := uint64(0); w < min(uint64(workers), todo.Count()); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if err := recovered(recover()); err != nil {
					fail(err)
				}
			}()
			x, err := NewSimulator(st.Scenario)
			if err != nil {
				fail(err)
				return
			}
			local := NewSweepScenario(st.Scenario)
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
					ms, err := x.Run(seed, nil)
					if err != nil {
						fail(err)
						break
					}
					events += x.Stats().Events()
					for i := range ms {
						s := local.Stats[i]
						for k, m := range analysis.Metrics {
							s[k].Add(m.Value(&ms[i]), seed)
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
