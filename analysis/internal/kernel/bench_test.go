package kernel

import (
	"testing"

	"desim/sim"
)

// a1Records returns the records of A1 (three 6 c/s machines, die 10) for
// 3600 s, seed 1.
func a1Records(b *testing.B) [][]sim.Record {
	return engineRun{name: "A1 3600s", rates: []string{"6", "6", "6"}, die: 10, seconds: 3600, seed: 1, latency: 100_000}.record(b)
}

// BenchmarkBlock compares the two ways of adding A1's records in blocks of
// 128: State.addBlock (the assembly kernel where there is one) and the Go
// loop.
func BenchmarkBlock(b *testing.B) {
	recs := a1Records(b)
	for _, way := range []struct {
		name string
		add  func(*State, []sim.Record, int64)
	}{
		{"addBlock", (*State).addBlock},
		{"go", (*State).addBlockGo},
	} {
		b.Run(way.name, func(b *testing.B) {
			n := 0
			// One state per machine, outside the loop: a state declared in
			// it would escape to the heap through way.add.
			ss := make([]State, len(recs))
			b.ReportAllocs()
			for b.Loop() {
				for i, rs := range recs {
					s := &ss[i]
					*s = State{}
					t0 := rs[0].At
					for len(rs) > 0 {
						k := min(len(rs), 128)
						way.add(s, rs[:k], t0)
						rs = rs[k:]
						n += k
					}
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
