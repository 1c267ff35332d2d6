package experiment

import (
	"context"
	"desim/analysis"
	"desim/analysis/stats"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// The sweeps of these tests: short runs, few seeds, three scenarios that
// drift differently (A2: two slow machines, A3: one, B4: low p).
var (
	testNames    = []string{"A2", "A3", "B4"}
	testDuration = 10 * time.Second
	testSeeds    = stats.SeedRange{From: 11, To: 250} // 240 seeds: 8 chunks, not from 1
)

// TestSameBytesAnyWorkersAndShards is the bit-for-bit guarantee: the JSON,
// CSV and table of a sweep are the same bytes for 1, 2 and 7 workers, and
// when its seeds are split into shards, each run into its own state,
// written, read back and merged (in any order).
func TestSameBytesAnyWorkersAndShards(t *testing.T) {
	scs := builtins(t, testDuration, testNames...)
	ref := sweepState(t, scs, testSeeds, nil, 1)
	want := render(t, ref)
	for _, c := range []struct {
		name    string
		workers int
		shards  int // 0: unsharded
	}{
		{"2 workers", 2, 0},
		{"7 workers", 7, 0},
		{"4 shards, 2 workers each", 2, 4},
		{"4 shards, 1 worker each", 1, 4},
		{"3 shards, 7 workers each", 7, 3},
		{"one shard of one", 2, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &SweepState{}
			if c.shards == 0 {
				st = sweepState(t, scs, testSeeds, nil, c.workers)
			} else {
				var files []string
				var states []*SweepState
				for k := range c.shards {
					sh := sweepState(t, scs, testSeeds, &Shard{K: k, N: c.shards}, c.workers)
					f := fmt.Sprintf("shard-%d.json", k)
					back, err := ParseSweepState(f, sh.Marshal())
					if err != nil {
						t.Fatal(err)
					}
					files, states = append(files, f), append(states, back)
				}
				// Merge in a scrambled order: same result.
				perm := rand.New(rand.NewPCG(uint64(c.shards), 0)).Perm(c.shards)
				pf, ps := make([]string, c.shards), make([]*SweepState, c.shards)
				for i, j := range perm {
					pf[i], ps[i] = files[j], states[j]
				}
				var err error
				if st, err = MergeSweeps(pf, ps); err != nil {
					t.Fatal(err)
				}
			}
			if d := sameRendered(want, render(t, st)); d != "" {
				t.Errorf("output differs from 1 worker, unsharded: %s", d)
			}
			// The state itself is the same bytes as the unsharded one.
			if a, b := string(ref.Marshal()), string(st.Marshal()); a != b {
				t.Errorf("state differs: %s", firstDiff(a, b))
			}
		})
	}
}

// statsOfDone returns the stats of a fresh sweep of scenario i of st
// over exactly the seeds done, as JSON.
func statsOfDone(t *testing.T, st *SweepState, i int) string {
	t.Helper()
	sc, err := st.Scenario(i)
	if err != nil {
		t.Fatal(err)
	}
	fresh := NewSweepScenario(sc.Scenario)
	for _, iv := range sc.Done {
		if err := Sweep(context.Background(), fresh, iv[0], iv[1], SweepOptions{Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
	var s string
	for m := range fresh.Stats {
		for k := range fresh.Stats[m] {
			s += statJSON(t, &fresh.Stats[m][k]) + "\n"
		}
	}
	return s
}

// statsJSON returns the stats of scenario i of st, as JSON.
func statsJSON(t *testing.T, st *SweepState, i int) string {
	var s string
	for m := range st.Scenarios[i].Stats {
		for k := range st.Scenarios[i].Stats[m] {
			s += statJSON(t, &st.Scenarios[i].Stats[m][k]) + "\n"
		}
	}
	return s
}

// interrupt runs st with a context cancelled from the Progress callback
// after the given number of callbacks, and checks that Run reports the
// interruption.
func interrupt(t *testing.T, st *SweepState, workers, after int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int64
	err := runInto(t, ctx, st, SweepOptions{Workers: workers, Progress: func(int) {
		if calls.Add(1) >= int64(after) {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run: %v, want ErrInterrupted (did the sweep end before the cancellation took effect?)", err)
	}
	st.Complete = false
}

// TestInterruptAndResume cancels a sweep from its Progress callback: the
// state holds exactly the completed runs (the same stats as a sweep of
// just those seeds), survives being written and read back, and a second
// Run (and a third, after a second interruption) completes it to the same
// bytes as an uninterrupted sweep.
func TestInterruptAndResume(t *testing.T) {
	scs := builtins(t, testDuration, testNames...)
	seeds := stats.SeedRange{From: 1, To: 600} // 19 chunks per scenario
	want := render(t, sweepState(t, scs, seeds, nil, 2))
	for _, c := range []struct {
		name    string
		workers int
		after   []int // progress callbacks before each interruption
	}{
		{"1 worker, after 1 chunk", 1, []int{1}},
		{"2 workers, after 3 chunks", 2, []int{3}},
		{"7 workers, after 2 chunks", 7, []int{2}},
		{"2 workers, interrupted twice", 2, []int{2, 4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := NewSweepState(scs, seeds, nil)
			for n, after := range c.after {
				interrupt(t, st, c.workers, after)
				total := uint64(0)
				for i := range st.Scenarios {
					done := st.Scenarios[i].Done.Count()
					total += done
					for m := range st.Scenarios[i].Stats {
						for k, s := range st.Scenarios[i].Stats[m] {
							if uint64(s.N) != done {
								t.Fatalf("interruption %d: scenario %d machine %d %s counts %d runs, %d seeds done", n+1, i, m, analysis.Metrics[k], s.N, done)
							}
						}
					}
					if got, want := statsJSON(t, st, i), statsOfDone(t, st, i); got != want {
						t.Fatalf("interruption %d: scenario %d: the partial stats are not those of the seeds done (%s)", n+1, i, st.Scenarios[i].Done)
					}
				}
				if total == 0 || total >= uint64(len(scs))*seeds.Count() {
					t.Fatalf("interruption %d: %d runs done of %d", n+1, total, uint64(len(scs))*seeds.Count())
				}
				// Through the file, as --resume reads it.
				back, err := ParseSweepState("partial.json", st.Marshal())
				if err != nil {
					t.Fatalf("the partial state does not read back: %v", err)
				}
				if back.Complete {
					t.Errorf("a partial state reads as complete")
				}
				st = back
			}
			if err := runInto(t, context.Background(), st, SweepOptions{Workers: c.workers}); err != nil {
				t.Fatal(err)
			}
			if d := sameRendered(want, render(t, st)); d != "" {
				t.Errorf("resumed output differs from an uninterrupted sweep: %s", d)
			}
		})
	}
}

// TestRunCancelledBeforeStart: a context cancelled before Run leaves the
// state consistent (counts equal to the seeds done) and resumable.
func TestRunCancelledBeforeStart(t *testing.T) {
	scs := builtins(t, testDuration, "A2")
	seeds := stats.SeedRange{From: 1, To: 300}
	want := render(t, sweepState(t, scs, seeds, nil, 2))
	st := NewSweepState(scs, seeds, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runInto(t, ctx, st, SweepOptions{Workers: 2})
	if err != nil && !errors.Is(err, ErrInterrupted) {
		t.Fatal(err)
	}
	back, err := ParseSweepState("partial.json", st.Marshal())
	if err != nil {
		t.Fatalf("state after a cancelled Run does not read back: %v", err)
	}
	if err := runInto(t, context.Background(), back, SweepOptions{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if d := sameRendered(want, render(t, back)); d != "" {
		t.Errorf("output differs: %s", d)
	}
}

// skeleton replaces every number and hexadecimal sum of a state file by
// "#": what is left is the state's shape.
func skeleton(b []byte) string {
	s := hexStrings.ReplaceAllString(string(b), `"#"`)
	return numbers.ReplaceAllString(s, "#")
}

var (
	hexStrings = regexp.MustCompile(`"-?[0-9a-f]+"`)
	numbers    = regexp.MustCompile(`-?[0-9][0-9eE.+-]*`)
)

// TestStateSizeFlat: a sweep's state does not grow with its seeds. The
// states of 100 and of 10,000 seeds have the same shape (one interval of
// done seeds per scenario, the same fields and stats), and their sizes
// differ only by the digits of the counts and sums (a few %).
func TestStateSizeFlat(t *testing.T) {
	scs := builtins(t, 3*time.Second, "A2")
	small := sweepState(t, scs, stats.SeedRange{From: 1, To: 100}, nil, 2)
	large := sweepState(t, scs, stats.SeedRange{From: 1, To: 10000}, nil, 2)
	for i := range large.Scenarios {
		if n := len(large.Scenarios[i].Done); n != 1 {
			t.Errorf("scenario %d: %d intervals of done seeds, want 1: %v", i, n, large.Scenarios[i].Done)
		}
	}
	a, b := small.Marshal(), large.Marshal()
	if sa, sb := skeleton(a), skeleton(b); sa != sb {
		t.Errorf("the states of 100 and 10,000 seeds differ in shape: %s", firstDiff(sa, sb))
	}
	t.Logf("state sizes: %d bytes for 100 seeds, %d for 10,000", len(a), len(b))
	if ratio := float64(len(b)) / float64(len(a)); ratio > 1.05 || ratio < 0.95 {
		t.Errorf("state of 10,000 seeds is %d bytes, of 100 seeds %d bytes (ratio %.3f)", len(b), len(a), ratio)
	}
}

// allocated returns the bytes allocated by f.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestRunMemoryFlat: the memory Run uses must not grow with the number of
// seeds ("10^6 seeds must not use more memory than 10^3, beyond a fixed
// block buffer"). Run is given an already cancelled context, so it does
// next to no runs: what is measured is its set-up, which must be the same
// for 10^3 and 10^6 (or 10^8) seeds.
//
// Run must not materialise a list of every chunk of seeds before it
// starts (16 bytes per 32 seeds would be 500 MB for 10^9 seeds): it claims
// chunks by walking the few intervals still to do.
func TestRunMemoryFlat(t *testing.T) {
	s := builtin(t, "A2", time.Second)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	measure := func(seeds uint64) uint64 {
		st := NewSweepScenario(s)
		return allocated(func() {
			if err := Sweep(cancelled, st, 1, seeds, SweepOptions{Workers: 1}); err != nil && !errors.Is(err, ErrInterrupted) {
				t.Fatal(err)
			}
		})
	}
	base := measure(1000)
	for _, c := range []struct {
		name  string
		seeds uint64
	}{
		{"10^4 seeds", 10000},
		{"10^6 seeds", 1000000},
		{"10^7 seeds", 10000000},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := measure(c.seeds)
			// A generous margin: Run's own set-up (engine, accumulator,
			// one chunk's stats) is a few tens of KB.
			if got > base+128<<10 {
				t.Errorf("Run over %d seeds allocates %d KB, over 1000 seeds %d KB", c.seeds, got>>10, base>>10)
			}
		})
	}
}
