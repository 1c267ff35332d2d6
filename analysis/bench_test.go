package analysis

import (
	"testing"

	"desim/sim"
)

// recordCapture keeps every record of a run, per machine.
type recordCapture [][]sim.Record

func (c recordCapture) Records(machine int, b []sim.Record) error {
	c[machine] = append(c[machine], b...)
	return nil
}

// a1Records returns the records of A1 (three 6 c/s machines, die 10) for
// 3600 s, seed 1.
func a1Records(b *testing.B) recordCapture {
	cfg := sim.Config{Seed: 1, Duration: 3600e9, Die: 10, Latency: 100_000}
	for range 3 {
		cfg.Machines = append(cfg.Machines, sim.MachineConfig{Rate: sim.MustRate("6")})
	}
	e, err := sim.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	recs := make(recordCapture, 3)
	if err := e.Run(recs); err != nil {
		b.Fatal(err)
	}
	return recs
}

// BenchmarkAccumulator adds the records of A1 (three 6 c/s machines, die
// 10, 3600 s) in the engine's batches of 128: the accumulator's share of
// sim's BenchmarkA1Metrics, on the same mix of events.
func BenchmarkAccumulator(b *testing.B) {
	recs := a1Records(b)
	a := NewAccumulator(3)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		a.Reset()
		for i, rs := range recs {
			for len(rs) > 0 {
				k := min(len(rs), 128)
				a.Records(i, rs[:k])
				rs = rs[k:]
				n += k
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
