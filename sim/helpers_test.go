package sim_test

import (
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
	"desim/sim"
)

// Helpers shared by the black-box tests of package sim.

const (
	ms = int64(1e6) // one millisecond in ns
	s  = int64(1e9) // one second in ns
)

// collector is a Sink that keeps every record, per machine, in tick order.
type collector struct{ recs [][]sim.Record }

func newCollector(n int) *collector { return &collector{recs: make([][]sim.Record, n)} }

func (c *collector) Records(m int, b []sim.Record) error {
	c.recs[m] = append(c.recs[m], b...)
	return nil
}

// mc is one machine with the given rate (ParseRate syntax) and start in ns.
func mc(rate string, start int64) sim.MachineConfig {
	return sim.MachineConfig{Rate: sim.MustRate(rate), Start: start}
}

// run runs cfg once and returns every machine's records.
func run(t testing.TB, cfg sim.Config) [][]sim.Record {
	t.Helper()
	e, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := newCollector(len(cfg.Machines))
	if err := e.Run(c); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return c.recs
}

// Face patterns for findSeed: a positive value is that exact face, anyFace
// is any face, internalFace is any face above the number of machines.
const (
	anyFace      = -1
	internalFace = 0
)

// findSeed returns the smallest seed ≥ 1 whose dice, for each machine m in
// pats, show pats[m] as their first faces (n machines, die faces each).
// It lets a test script the first ticks of a run without a second source
// of randomness: the run itself still rolls the real dice.
func findSeed(t testing.TB, n, faces int, pats map[int][]int) uint64 {
	t.Helper()
	for seed := uint64(1); seed < 5_000_000; seed++ {
		ok := true
		for m, pat := range pats {
			d := sim.NewDie(seed, m, faces)
			for _, want := range pat {
				f := d.Roll()
				if want == anyFace || want == internalFace && f > n || want == f {
					continue
				}
				ok = false
				break
			}
			if !ok {
				break
			}
		}
		if ok {
			return seed
		}
	}
	t.Fatalf("no seed gives the face patterns %v", pats)
	return 0
}

// events returns the events of recs.
func events(recs []sim.Record) []sim.Event {
	ev := make([]sim.Event, len(recs))
	for i, r := range recs {
		ev[i] = r.Event
	}
	return ev
}
