package sim_test

import (
	"testing"

	"desim/analysis"
	"desim/sim"
)

func paperConfig(rates []string, die int, seconds int64) sim.Config {
	cfg := sim.Config{Seed: 1, Duration: seconds * 1e9, Die: die, Latency: 100_000}
	for _, r := range rates {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate(r)})
	}
	return cfg
}

func BenchmarkA1Metrics(b *testing.B) {
	e, err := sim.New(paperConfig([]string{"6", "6", "6"}, 10, 3600))
	if err != nil {
		b.Fatal(err)
	}
	acc := analysis.NewAccumulator(3)
	var events int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Reset(uint64(i + 1))
		acc.Reset()
		if err := e.Run(acc); err != nil {
			b.Fatal(err)
		}
		events += e.Stats().Events()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkA1Bare(b *testing.B) {
	e, err := sim.New(paperConfig([]string{"6", "6", "6"}, 10, 3600))
	if err != nil {
		b.Fatal(err)
	}
	var events int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Reset(uint64(i + 1))
		if err := e.Run(nil); err != nil {
			b.Fatal(err)
		}
		events += e.Stats().Events()
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
