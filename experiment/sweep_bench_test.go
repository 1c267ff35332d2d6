package experiment

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/scenarios"
	"desim/sim"
)

// paper returns the built-in scenario with the given duration.
func paper(b *testing.B, name string, d time.Duration) *scenarios.Scenario {
	s, err := scenarios.Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	s.Duration = d
	return s
}

// sweepOnce runs every scenario over seeds 1..seeds and returns the events.
func sweepOnce(b *testing.B, scs []*scenarios.Scenario, seeds uint64, workers int) int64 {
	var events int64
	for _, s := range scs {
		st := NewSweepScenario(s)
		if err := Sweep(context.Background(), st, 1, seeds, SweepOptions{Workers: workers}); err != nil {
			b.Fatal(err)
		}
		events += st.Events
	}
	return events
}

// BenchmarkSuiteSweep is the paper's nine scenarios A1–B4, seeds 1–10000,
// 60 s each (90,000 runs, about 106 M events), with one worker per CPU.
// Target: under 1 s per suite (ns/op) on the 2-core CI machine.
func BenchmarkSuiteSweep(b *testing.B) {
	var scs []*scenarios.Scenario
	for _, n := range []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4"} {
		scs = append(scs, paper(b, n, 60*time.Second))
	}
	var events int64
	for b.Loop() {
		events += sweepOnce(b, scs, 10000, runtime.NumCPU())
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/suite")
}

// machines returns n machines at 6 c/s with the die scaled to keep
// p(internal) = 7/10: R = 10n/3.
func machines(n int, d time.Duration) *scenarios.Scenario {
	s := &scenarios.Scenario{Name: fmt.Sprintf("N%d", n), Duration: d, Die: 10 * n / 3, Latency: scenarios.DefaultLatency}
	for range n {
		s.Machines = append(s.Machines, scenarios.Machine{Rate: sim.MustRate("6")})
	}
	return s
}

// BenchmarkSweepMachines compares events/s with 3 and 300 machines (all at
// 6 c/s, p(internal) = 7/10), one worker. Target: 300 machines within 3x of
// 3 machines.
func BenchmarkSweepMachines(b *testing.B) {
	for _, c := range []struct {
		n     int
		seeds uint64
	}{{3, 1000}, {300, 10}} {
		b.Run(fmt.Sprint(c.n), func(b *testing.B) {
			s := machines(c.n, 60*time.Second)
			var events int64
			for b.Loop() {
				events += sweepOnce(b, []*scenarios.Scenario{s}, c.seeds, 1)
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkSweepScaling shows that the cost per event stays the same when
// the number of seeds or the duration grows tenfold (A3, one worker).
func BenchmarkSweepScaling(b *testing.B) {
	for _, c := range []struct {
		seeds uint64
		d     time.Duration
	}{{1000, 60 * time.Second}, {10000, 60 * time.Second}, {1000, 600 * time.Second}} {
		b.Run(fmt.Sprintf("seeds=%d/duration=%s", c.seeds, c.d), func(b *testing.B) {
			s := paper(b, "A3", c.d)
			var events int64
			for b.Loop() {
				events += sweepOnce(b, []*scenarios.Scenario{s}, c.seeds, 1)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
		})
	}
}
