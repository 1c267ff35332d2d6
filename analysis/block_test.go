package analysis

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"desim/sim"
)

// stateBits is every field of a blockState as bits, so that two states
// compare equal only if they are the same bit for bit (0 and −0 differ).
func stateBits(s blockState) [10]uint64 {
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
func checkBlock(t *testing.T, what string, start blockState, blk []sim.Record, t0 int64, want bool) blockState {
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

// TestBlockKernelMatchesGoOnEngineRuns adds the records of engine runs in
// the engine's batches of 128 and in one block per machine.
func TestBlockKernelMatchesGoOnEngineRuns(t *testing.T) {
	for _, run := range accRuns {
		for _, recs := range run.record(t) {
			for _, size := range []int{128, maxBlock} {
				var s blockState
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
	start := blockState{sx: 1.5, sxx: 1e30, sc: -3, sxc: 7e20, sq: 0.25, sxq: 1e-3, last: 5, maxJump: 2, maxQueue: 1, lanes: 3 << 16}
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
		start := blockState{sx: rng.Float64() * 1e20, sxx: rng.Float64() * 1e40, sc: rng.Float64() * 1e9, sxc: rng.Float64() * 1e30, last: rng.Int64N(1 << bits)}
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
		checkBlock(t, "fuzz", blockState{}, blk, t0, want)
	})
}
