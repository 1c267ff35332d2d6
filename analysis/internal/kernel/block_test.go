package kernel

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"desim/sim"
)

// stateBits is every field of a State as bits, so that two states
// compare equal only if they are the same bit for bit (0 and −0 differ).
func stateBits(s State) [10]uint64 {
	return [10]uint64{
		math.Float64bits(s.sx), math.Float64bits(s.sxx),
		math.Float64bits(s.sc), math.Float64bits(s.sxc),
		math.Float64bits(s.sq), math.Float64bits(s.sxq),
		uint64(s.last), uint64(s.maxJump), uint64(s.maxQueue), s.lanes,
	}
}

// checkBlock adds blk to a copy of start both by addBlock (the kernel where
// there is one) and by addBlockGo, and fails unless the two agree bit for
// bit. Where there is a kernel it also checks that the kernel takes the
// block exactly when want says so, and that a declined block changes
// nothing. It returns the state after the block.
func checkBlock(t *testing.T, what string, start State, blk []sim.Record, t0 int64, want bool) State {
	t.Helper()
	viaGo := start
	viaGo.addBlockGo(blk, t0)
	got := start
	got.addBlock(blk, t0)
	if stateBits(got) != stateBits(viaGo) {
		t.Fatalf("%s: addBlock gives %+v, the Go loop %+v", what, got, viaGo)
	}
	if useKernel {
		k := start
		if took := addBlockKernel(&k, blk, t0); took != want {
			t.Fatalf("%s: kernel took the block: %v, want %v", what, took, want)
		} else if took && stateBits(k) != stateBits(viaGo) {
			t.Fatalf("%s: kernel gives %+v, the Go loop %+v", what, k, viaGo)
		} else if !took && stateBits(k) != stateBits(start) {
			t.Fatalf("%s: a declined block changed the state to %+v", what, k)
		}
	}
	return viaGo
}

// engineRun is an engine configuration whose records the tests add.
type engineRun struct {
	name    string
	rates   []string
	die     int
	seconds int64
	seed    uint64
	latency int64 // ns
	jitter  int64 // ns
	starts  []int64
}

// engineRuns are the runs of the Accumulator's tests (package analysis):
// paper-like runs and one with odd rates, starts and jitter.
var engineRuns = []engineRun{
	{name: "A2-like 6,1,1 die 10 600s", rates: []string{"6", "1", "1"}, die: 10, seconds: 600, seed: 1, latency: 100_000},
	{name: "A1-like 6,6,6 die 10 600s", rates: []string{"6", "6", "6"}, die: 10, seconds: 600, seed: 2, latency: 100_000},
	{name: "A3-like 6,6,1 die 10 600s", rates: []string{"6", "6", "1"}, die: 10, seconds: 600, seed: 3, latency: 100_000},
	{name: "B4-like 6,5,4 die 4 300s", rates: []string{"6", "5", "4"}, die: 4, seconds: 300, seed: 4, latency: 100_000},
	{
		name: "odd rates, starts and jitter, 4 machines", rates: []string{"2.5", "1/3", "7", "6"}, die: 6, seconds: 400, seed: 5,
		latency: 1_000_000, jitter: 300_000_000, starts: []int64{0, 500_000_000, 123_456_789, 999_999_999},
	},
}

// recorder is a sim.Sink that keeps a copy of every record, per machine.
type recorder [][]sim.Record

func (r recorder) Records(machine int, b []sim.Record) error {
	r[machine] = append(r[machine], b...)
	return nil
}

// record runs the configuration and returns every machine's records.
func (e engineRun) record(tb testing.TB) [][]sim.Record {
	tb.Helper()
	cfg := sim.Config{Seed: e.seed, Duration: e.seconds * 1e9, Die: e.die, Latency: e.latency, Jitter: e.jitter}
	for i, r := range e.rates {
		m := sim.MachineConfig{Rate: sim.MustRate(r)}
		if i < len(e.starts) {
			m.Start = e.starts[i]
		}
		cfg.Machines = append(cfg.Machines, m)
	}
	eng, err := sim.New(cfg)
	if err != nil {
		tb.Fatalf("%s: %v", e.name, err)
	}
	rec := make(recorder, len(e.rates))
	if err := eng.Run(rec); err != nil {
		tb.Fatalf("%s: %v", e.name, err)
	}
	return rec
}

// TestBlockKernelMatchesGoOnEngineRuns adds the records of engine runs in
// the engine's batches of 128 and in one block per machine.
func TestBlockKernelMatchesGoOnEngineRuns(t *testing.T) {
	for _, run := range engineRuns {
		for _, recs := range run.record(t) {
			for _, size := range []int{128, maxBlock} {
				var s State
				s.last = recs[0].Clock
				for b := recs; len(b) > 0; {
					blk := b[:min(len(b), size)]
					b = b[len(blk):]
					s.lanes = 0
					s = checkBlock(t, run.name, s, blk, recs[0].At, true)
				}
			}
		}
	}
}

// TestBlockKernelEdges covers the kernel's range check at its bounds and
// the values the Go loop takes that the kernel must decline.
func TestBlockKernelEdges(t *testing.T) {
	const top = 1<<52 - 1 // largest value the kernel converts
	start := State{sx: 1.5, sxx: 1e30, sc: -3, sxc: 7e20, sq: 0.25, sxq: 1e-3, last: 5, maxJump: 2, maxQueue: 1, lanes: 3 << 16}
	rec := func(at, clock, queue int64, ev sim.Event) sim.Record {
		return sim.Record{At: at, Clock: clock, Queue: queue, Event: ev}
	}
	cases := []struct {
		name string
		t0   int64
		blk  []sim.Record
		want bool // the kernel takes it
	}{
		{"empty", 0, nil, true},
		{"one record", 0, []sim.Record{rec(0, 1, 0, sim.Internal)}, true},
		{"every class", 10, []sim.Record{rec(10, 6, 0, sim.Internal), rec(20, 7, 1, sim.Receive), rec(30, 8, 0, sim.Broadcast), rec(40, 9, 0, sim.SendTo(0)), rec(50, 10, 2, sim.SendTo(1))}, true},
		{"sends to far peers count as sends", 0, []sim.Record{rec(0, 1, 0, sim.SendTo(1<<20)), rec(1, 2, 0, sim.Event(math.MaxUint32))}, true},
		{"clock falls (a negative jump)", 0, []sim.Record{rec(0, 100, 0, sim.Internal), rec(1, 3, 0, sim.Internal)}, true},
		{"values at 2^52 − 1", 7, []sim.Record{rec(7, 1, 1, sim.Receive), rec(top+7, top, top, sim.Receive)}, true},
		{"x at 2^52", 0, []sim.Record{rec(0, 1, 0, sim.Internal), rec(top+1, 2, 0, sim.Internal)}, false},
		{"clock at 2^52", 0, []sim.Record{rec(0, top+1, 0, sim.Internal)}, false},
		{"queue at 2^52", 0, []sim.Record{rec(0, 1, top+1, sim.Internal)}, false},
		{"negative clock", 0, []sim.Record{rec(0, -1, 0, sim.Internal)}, false},
		{"negative queue", 0, []sim.Record{rec(0, 1, -1, sim.Internal)}, false},
		{"time before t0", 5, []sim.Record{rec(4, 1, 0, sim.Internal)}, false},
		{"extreme values", math.MinInt64, []sim.Record{rec(math.MaxInt64, math.MaxInt64, math.MaxInt64, sim.Receive), rec(0, math.MinInt64, 0, sim.Broadcast)}, false},
	}
	for _, c := range cases {
		checkBlock(t, c.name, start, c.blk, c.t0, c.want)
	}
}

// TestBlockKernelMatchesGoOnRandomBlocks compares the two on random blocks
// whose values span every magnitude, so that the roundings of the sums and
// products are exercised.
func TestBlockKernelMatchesGoOnRandomBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		n := rng.IntN(300)
		bits := uint(1 + rng.IntN(52)) // values below 2^bits
		t0 := rng.Int64N(1 << 40)
		blk := make([]sim.Record, n)
		at := t0
		for i := range blk {
			at += rng.Int64N(1 << (bits / 2))
			blk[i] = sim.Record{At: at, Clock: rng.Int64N(1 << bits), Queue: rng.Int64N(1 << (bits / 2)), Event: sim.Event(rng.IntN(8))}
		}
		want := n == 0 || blk[n-1].At-t0 < 1<<52
		start := State{sx: rng.Float64() * 1e20, sxx: rng.Float64() * 1e40, sc: rng.Float64() * 1e9, sxc: rng.Float64() * 1e30, last: rng.Int64N(1 << bits)}
		checkBlock(t, fmt.Sprintf("random block %d", trial), start, blk, t0, want)
	}
}

// FuzzBlockKernel compares the kernel and the Go loop on arbitrary
// records: each 32 bytes of input are a record's At, Clock, Queue and
// Event, each word shifted right by its own low 6 bits so that small and
// large values are both common.
func FuzzBlockKernel(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		word := func(b []byte) uint64 {
			w := binary.LittleEndian.Uint64(b)
			return w >> (w & 63)
		}
		var blk []sim.Record
		for ; len(data) >= 32 && len(blk) < maxBlock; data = data[32:] {
			blk = append(blk, sim.Record{
				At:    int64(word(data)),
				Clock: int64(word(data[8:])),
				Queue: int64(word(data[16:])),
				Event: sim.Event(word(data[24:])),
			})
		}
		var t0 int64
		if len(blk) > 0 {
			t0 = blk[0].At
		}
		want := true
		for _, r := range blk {
			for _, v := range []int64{r.At - t0, r.Clock, r.Queue} {
				if v < 0 || v >= 1<<52 {
					want = false
				}
			}
		}
		checkBlock(t, "fuzz", State{}, blk, t0, want)
	})
}

// TestAddSplitsIntoBlocks adds 200,000 records of one machine (more than
// three blocks) at once and in the engine's batches of 128, and checks the
// counts by class, the maxima (the first record's jump is 0) and the
// slopes, and that both ways give the same bits.
func TestAddSplitsIntoBlocks(t *testing.T) {
	const n = 200_000
	recs := make([]sim.Record, n)
	var want [Classes]int64
	for i := range recs {
		ev := sim.Event(i % 7)
		recs[i] = sim.Record{At: 1000 + int64(i)*1e6, Clock: 1e6 + 2*int64(i) + int64(i%3), Queue: int64(i % 11), Event: ev}
		want[min(int(ev), ClassSend)]++
	}
	var whole, batched State
	whole.Add(recs, recs[0].At)
	for b := recs; len(b) > 0; {
		k := min(len(b), 128)
		batched.Add(b[:k], recs[0].At)
		b = b[k:]
	}
	for _, s := range []State{whole, batched} {
		var got [Classes]int64
		for c := range got {
			got[c] = s.Count(c)
		}
		if s.N() != n || got != want || s.Last() != recs[n-1].Clock || s.MaxJump() != 3 || s.MaxQueue() != 10 {
			t.Errorf("n %d, counts %v, last %d, max jump %d, max queue %d; want %d, %v, %d, 3, 10",
				s.N(), got, s.Last(), s.MaxJump(), s.MaxQueue(), n, want, recs[n-1].Clock)
		}
		if c, q := s.ClockSlope(), s.QueueSlope(); math.Abs(c-2e-6) > 1e-12 || math.Abs(q) > 1e-12 {
			t.Errorf("slopes %g, %g per ns; want 2e-6 and about 0", c, q)
		}
	}
	// lanes is scratch: the counts of the last block.
	whole.lanes, batched.lanes = 0, 0
	if stateBits(whole) != stateBits(batched) || whole.counts != batched.counts || whole.n != batched.n {
		t.Errorf("one call gives %+v, batches of 128 %+v", whole, batched)
	}
	var empty State
	empty.Add(nil, 0)
	if empty.N() != 0 || empty.ClockSlope() != 0 || empty.QueueSlope() != 0 {
		t.Errorf("nothing added: %+v", empty)
	}
}
