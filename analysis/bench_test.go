package analysis

import (
	"testing"

	"desim/sim"
)

func BenchmarkAccumulator(b *testing.B) {
	recs := make([]sim.Record, 128)
	for i := range recs {
		recs[i] = sim.Record{At: int64(i) * 166666666, Clock: int64(i), Queue: int64(i % 3), Event: sim.Event(i % 5)}
	}
	a := NewAccumulator(3)
	b.ReportAllocs()
	for b.Loop() {
		a.Records(1, recs)
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}
