package sim_test

import (
	"io"
	"testing"

	"desim/analysis"
	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/sim"
)

// paperConfig is a paper-like configuration: the given rates, die faces,
// seconds of virtual time and the default 100 µs latency.
func paperConfig(rates []string, die int, seconds int64) sim.Config {
	cfg := sim.Config{Seed: 1, Duration: seconds * 1e9, Die: die, Latency: 100_000}
	for _, r := range rates {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate(r)})
	}
	return cfg
}

// benchRuns runs cfg with seeds 1, 2, ... and reports events per second
// (an event is a tick or a message delivery) and, with lines, log lines
// per second.
func benchRuns(b *testing.B, cfg sim.Config, sink func(n int) (sim.Sink, func()), lines bool) {
	e, err := sim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s, reset := sink(len(cfg.Machines))
	var events, ticks int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Reset(uint64(i + 1))
		reset()
		if err := e.Run(s); err != nil {
			b.Fatal(err)
		}
		st := e.Stats()
		events += st.Events()
		ticks += st.Ticks
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if lines {
		b.ReportMetric(float64(ticks)/b.Elapsed().Seconds(), "lines/s")
	}
}

func metricsSink(n int) (sim.Sink, func()) {
	acc := analysis.NewAccumulator(n)
	return acc, acc.Reset
}

// BenchmarkA1Metrics is A1 (three 6 c/s machines, die 10) for 3600 s of
// virtual time with only the per-run metrics computed. Target: at least
// 80 M events/s on one core.
func BenchmarkA1Metrics(b *testing.B) {
	benchRuns(b, paperConfig([]string{"6", "6", "6"}, 10, 3600), metricsSink, false)
}

// BenchmarkA1Bare is A1 with no sink at all: the engine alone.
func BenchmarkA1Bare(b *testing.B) {
	benchRuns(b, paperConfig([]string{"6", "6", "6"}, 10, 3600), func(int) (sim.Sink, func()) { return nil, func() {} }, false)
}

// BenchmarkA1Logs is A1 for 3600 s writing every CSV log line to
// io.Discard (through the buffered LogWriter). Target: at least 20 M
// lines/s.
func BenchmarkA1Logs(b *testing.B) {
	benchRuns(b, paperConfig([]string{"6", "6", "6"}, 10, 3600), func(n int) (sim.Sink, func()) {
		ws := make([]io.Writer, n)
		for i := range ws {
			ws[i] = io.Discard
		}
		lw := sim.NewLogWriter(ws)
		return lw, func() {}
	}, true)
}

// BenchmarkA2Metrics is A2 (6, 1, 1 c/s), whose slow machines' queues grow
// without bound: the receive-heavy path.
func BenchmarkA2Metrics(b *testing.B) {
	benchRuns(b, paperConfig([]string{"6", "1", "1"}, 10, 3600), metricsSink, false)
}

// timingConfig is A3's rates (6, 6, 1 c/s, die 10) with the timing model
// of the original implementation's runs: every tick period 400 µs ± 120 µs
// late (gamma), machines started up to 60 ms apart.
func timingConfig(seconds int64) sim.Config {
	cfg := paperConfig([]string{"6", "6", "1"}, 10, seconds)
	for i := range cfg.Machines {
		cfg.Machines[i].Overshoot = sim.Overshoot{Mean: 400_000, SD: 120_000}
		cfg.Machines[i].StartSpread = 60_000_000
	}
	return cfg
}

// BenchmarkTimingBare is the timing scenario of timingConfig for 3600 s
// with no sink: the engine's general (heap) path with an overshoot drawn
// per tick. Target: at least 30 M events/s on one core.
func BenchmarkTimingBare(b *testing.B) {
	benchRuns(b, timingConfig(3600), func(int) (sim.Sink, func()) { return nil, func() {} }, false)
}

// BenchmarkTimingMetrics is BenchmarkTimingBare with the per-run metrics
// computed, as a sweep does.
func BenchmarkTimingMetrics(b *testing.B) {
	benchRuns(b, timingConfig(3600), metricsSink, false)
}

// BenchmarkA3Bare is A3 without timing, for comparison: the precomputed
// tick table.
func BenchmarkA3Bare(b *testing.B) {
	benchRuns(b, paperConfig([]string{"6", "6", "1"}, 10, 3600), func(int) (sim.Sink, func()) { return nil, func() {} }, false)
}
