package sim

// White-box tests: the ticker, the schedule's two modes, the inbox and the
// engine's message path, and the 64-bit uniform draw.

import (
	"cmp"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	_ "desim/internal/golden" // registers -update for "go test ./... -update"
)

// Rule 7: the ticker the schedule uses equals start + Rate.TickTime(k),
// stepping from k = 0 and from k near 10^12.
func TestTickerMatchesTickTime(t *testing.T) {
	rates := []string{"6", "1", "2.5", "1/3", "7.77", "0.001", "1000000", "999999.999999999", "6.000001",
		"3/7", "123456.789", "1/999999999", "13", "0.3"}
	for _, rs := range rates {
		r := MustRate(rs)
		pn, pd := new(big.Int).SetUint64(r.periodNum), new(big.Int).SetUint64(r.periodDen)
		const steps = 20000
		kmax := new(big.Int).Quo(new(big.Int).Mul(big.NewInt(1<<62), pd), pn) // k·period < 2^62
		for _, start := range []int64{0, 1, 123456789} {
			tk := newTicker(r, start)
			for k := int64(0); k < steps && k <= kmax.Int64(); k++ {
				if want := start + r.TickTime(k); tk.next != want {
					t.Fatalf("rate %s start %d: tick %d at %d, want %d", rs, start, k, tk.next, want)
				}
				tk.advance()
			}
		}
		// From k0 near 10^12 (or the largest k0 whose times still fit in
		// 63 bits): set the ticker's state for k0 with math/big.
		k0 := int64(1e12)
		if kmax.IsInt64() && kmax.Int64()-steps < k0 {
			k0 = kmax.Int64() - steps
		}
		if k0 < 0 {
			continue
		}
		whole, frac := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(k0), pn), pd, new(big.Int))
		const start = 7
		tk := newTicker(r, start)
		tk.whole, tk.frac = whole.Int64(), frac.Uint64()
		tk.next = start + tk.whole
		for k := k0; k < k0+steps; k++ {
			if want := start + r.TickTime(k); tk.next != want {
				t.Fatalf("rate %s: tick %d at %d, want %d", rs, k, tk.next, want)
			}
			tk.advance()
		}
	}
}

// heapSchedule builds the heap-mode schedule of ms by hand: the mode
// newSchedule falls back to when the table would be too large.
func heapSchedule(ms []MachineConfig, nodes []node) schedule {
	s := schedule{machines: ms, nodes: nodes, buf: make([]slot, chunkTicks)}
	s.timing = overshootTables(ms)
	s.reset(1)
	return s
}

// flatten returns the first count ticks of s as (time, machine) pairs.
func flatten(s *schedule, count int) []tickEntry {
	out := make([]tickEntry, 0, count)
	chunk, base := s.chunk, s.base
	for {
		for _, sl := range chunk {
			if len(out) == count {
				return out
			}
			out = append(out, tickEntry{at: base + sl.at, id: int32(sl.nd.m.id)})
		}
		chunk, base = s.next()
	}
}

func nodesFor(n int) []node {
	nodes := make([]node, n)
	for i := range nodes {
		nodes[i].m = NewMachine(i, n)
	}
	return nodes
}

// Rule 10: the precomputed table and the heap yield the same ticks, and
// both are every machine's start + TickTime(k) in (time, machine) order.
func TestScheduleTableEqualsHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 20))
	rates := []string{"1", "2", "3", "4", "5", "6", "7", "8", "10", "12", "2.5", "0.5", "1/3", "7.5", "12.5", "0.25", "1/6", "2/3"}
	tables := 0
	for trial := range 300 {
		n := 2 + rng.IntN(5)
		ms := make([]MachineConfig, n)
		for i := range ms {
			ms[i].Rate = MustRate(rates[rng.IntN(len(rates))])
			switch rng.IntN(3) {
			case 0: // start 0: ticks of different machines tie
			case 1:
				ms[i].Start = rng.Int64N(3e9)
			case 2:
				ms[i].Start = rng.Int64N(12) * 250e6
			}
		}
		if trial%3 == 1 {
			// One machine starts 1 ns before the latest start T0, so it
			// ticks at T0+H-1, the last instant of the table's cycle.
			t0 := slices.MaxFunc(ms, func(a, b MachineConfig) int { return cmp.Compare(a.Start, b.Start) }).Start
			if i := rng.IntN(n); t0 > 0 && ms[i].Start != t0 {
				ms[i].Start = t0 - 1
			}
		}
		// Sometimes force the heap for the engine too, with a rate whose
		// hyperperiod is huge.
		if trial%10 == 9 {
			ms[0].Rate = MustRate("6.000001")
		}
		nodes := nodesFor(n)
		tab := newSchedule(ms, nodes, 1)
		hp := heapSchedule(ms, nodes)
		if hp.table {
			t.Fatal("heapSchedule built a table")
		}
		if tab.table {
			tables++
		}
		count := 5000
		want := flatten(&hp, count)
		// The heap itself: sorted by (time, machine), and each machine's
		// k-th tick at start + TickTime(k).
		ks := make([]int64, n)
		for j, te := range want {
			if j > 0 && !want[j-1].less(te) {
				t.Fatalf("trial %d: heap order %v then %v", trial, want[j-1], te)
			}
			m := ms[te.id]
			if te.at != m.Start+m.Rate.TickTime(ks[te.id]) {
				t.Fatalf("trial %d: machine %d tick %d at %d, want %d", trial, te.id, ks[te.id], te.at, m.Start+m.Rate.TickTime(ks[te.id]))
			}
			ks[te.id]++
		}
		got := flatten(&tab, count)
		if !slices.Equal(got, want) {
			j := 0
			for got[j] == want[j] {
				j++
			}
			t.Fatalf("trial %d (table %v, rates %v): tick %d is %v, heap says %v", trial, tab.table, ms, j, got[j], want[j])
		}
		// After a reset both start over.
		tab.reset(2)
		if got := flatten(&tab, count); !slices.Equal(got, want) {
			t.Fatalf("trial %d: after reset the table differs", trial)
		}
	}
	if tables < 200 {
		t.Errorf("vacuous: only %d of 300 schedules used the table", tables)
	}
}

// Rule 10 end to end: an engine forced onto the heap schedule logs the
// same records as one on the table.
func TestEngineHeapScheduleSameRun(t *testing.T) {
	cfgs := []Config{
		{Duration: 300e9, Die: 10, Latency: 100_000,
			Machines: []MachineConfig{{Rate: MustRate("6")}, {Rate: MustRate("1")}, {Rate: MustRate("1")}}},
		{Duration: 100e9, Die: 5, Latency: 0,
			Machines: []MachineConfig{{Rate: MustRate("6")}, {Rate: MustRate("2.5"), Start: 400e6}, {Rate: MustRate("1/3")}, {Rate: MustRate("12")}}},
		{Duration: 100e9, Die: 4, Latency: 1e6, Jitter: 300e6,
			Machines: []MachineConfig{{Rate: MustRate("6")}, {Rate: MustRate("5"), Start: 5}, {Rate: MustRate("4")}}},
	}
	for ci, cfg := range cfgs {
		for _, seed := range []uint64{1, 2} {
			cfg.Seed = seed
			a, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !a.sched.table {
				t.Fatalf("config %d: not in table mode", ci)
			}
			b, _ := New(cfg)
			b.sched = heapSchedule(b.cfg.Machines, b.nodes)
			b.Reset(seed)
			ra, rb := &recorder{}, &recorder{}
			if err := a.Run(ra); err != nil {
				t.Fatal(err)
			}
			if err := b.Run(rb); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ra.recs, rb.recs) || len(ra.recs) == 0 {
				t.Errorf("config %d seed %d: table and heap runs differ (%d vs %d records)", ci, seed, len(ra.recs), len(rb.recs))
			}
			if a.Stats() != b.Stats() {
				t.Errorf("config %d seed %d: stats %+v vs %+v", ci, seed, a.Stats(), b.Stats())
			}
		}
	}
}

type recorder struct{ recs []Record }

func (r *recorder) Records(m int, b []Record) error {
	for _, x := range b {
		x.Queue = x.Queue<<8 | int64(m) // keep the machine
		r.recs = append(r.recs, x)
	}
	return nil
}

// The inbox keeps messages sorted by delivery time, and those due at the
// same time in the order they were pushed, whatever the push order of
// times and however it wraps and grows.
func TestInboxOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		var b inbox
		type msg struct{ at, v int64 }
		var pending []msg
		next := int64(0)
		for range 300 {
			if rng.IntN(3) > 0 || len(pending) == 0 {
				at := rng.Int64N(20)
				if trial%2 == 0 {
					at += next / 4 // mostly increasing
				}
				b.push(at, next)
				pending = append(pending, msg{at, next})
				next++
			} else {
				// The head must be the earliest message, first pushed
				// among equals.
				j := 0
				for i, m := range pending {
					if m.at < pending[j].at {
						j = i
					}
				}
				if b.headTime() != pending[j].at {
					t.Fatalf("trial %d: head due %d, want %d", trial, b.headTime(), pending[j].at)
				}
				if v := b.pop(); v != pending[j].v {
					t.Fatalf("trial %d: popped %d, want %d", trial, v, pending[j].v)
				}
				pending = slices.Delete(pending, j, j+1)
			}
		}
		if b.n != len(pending) {
			t.Fatalf("trial %d: %d in the inbox, want %d", trial, b.n, len(pending))
		}
	}
	var b inbox
	if b.headTime() != maxTime {
		t.Error("empty inbox has a head time")
	}
}

// sentCopy is one message copy as a test expects it to arrive.
type sentCopy struct {
	seq, from, to int
	sentAt, due   int64
	v             int64
}

// sendMany drives e.send directly with count random sends of random
// machines at increasing times and returns the copies in send order,
// with the delivery times the documentation promises: latency plus the
// link's uniform draw in [0, jitter], raised to the link's previous
// delivery time; draws are recomputed here from the link's own stream.
func sendMany(t *testing.T, e *Engine, rng *rand.Rand, count int, maxGap int64) []sentCopy {
	t.Helper()
	n := e.n
	links := make([]*rand.PCG, n*n)
	last := make([]int64, n*n)
	for i := range links {
		links[i] = rand.NewPCG(StreamSeed(e.cfg.Seed, PurposeJitter, i/n, i%n))
	}
	var out []sentCopy
	now := int64(0)
	for k := range count {
		now += rng.Int64N(maxGap)
		i := rng.IntN(n)
		ev := Broadcast
		if p := rng.IntN(n); p < n-1 {
			ev = SendTo(p)
		}
		v := int64(k)
		e.send(&e.nodes[i], ev, v, now)
		for j := range n {
			if j == i || ev != Broadcast && j != e.nodes[i].m.PeerID(ev.Peer()) {
				continue
			}
			due := now + e.cfg.Latency
			if e.cfg.Jitter > 0 {
				l := i*n + j
				due += int64(uniform(links[l], uint64(e.cfg.Jitter)+1))
				due = max(due, last[l])
				last[l] = due
			}
			out = append(out, sentCopy{seq: len(out), from: i, to: j, sentAt: now, due: due, v: v})
		}
	}
	if e.sent != int64(len(out)) {
		t.Fatalf("engine counted %d copies sent, want %d", e.sent, len(out))
	}
	return out
}

// drain empties machine j's inbox into its queue through the engine's own
// delivery path, checking the due times, and returns what was delivered.
func drain(t *testing.T, e *Engine, j int) (dues, vals []int64) {
	t.Helper()
	nd := &e.nodes[j]
	for nd.inbox.n > 0 {
		if nd.due != nd.inbox.headTime() {
			t.Fatalf("machine %d: due %d, inbox head %d", j, nd.due, nd.inbox.headTime())
		}
		at := nd.due
		before := nd.m.QueueLen()
		nd.deliver(at) // everything due at or before at
		if nd.m.QueueLen() == before {
			t.Fatalf("machine %d: deliver(%d) delivered nothing due at %d", j, at, at)
		}
		for range nd.m.QueueLen() - before {
			dues = append(dues, at)
		}
	}
	if nd.due != maxTime {
		t.Fatalf("machine %d: empty inbox but due %d", j, nd.due)
	}
	for nd.m.QueueLen() > 0 {
		v := nd.m.Tick(0).Value
		vals = append(vals, v)
	}
	return dues, vals
}

// Rule 8: with jitter, every link delivers in send order (as TCP would),
// each copy within [sent+latency, sent+latency+jitter], while copies on
// different links do overtake each other; copies due at the same time
// reach the queue in send order.
func TestJitterKeepsLinkFIFO(t *testing.T) {
	cases := []struct {
		n               int
		latency, jitter int64
	}{
		{2, 1e6, 500e6},
		{3, 1e6, 500e6},
		{5, 1e6, 500e6},
		{4, 0, 3}, // tiny jitter: many equal due times
		{3, 100_000, 1},
		{6, 7, 1 << 40},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("n%d/lat%d/jit%d", c.n, c.latency, c.jitter), func(t *testing.T) {
			cfg := Config{Seed: 42, Duration: 1e9, Die: c.n, Latency: c.latency, Jitter: c.jitter}
			for range c.n {
				cfg.Machines = append(cfg.Machines, MachineConfig{Rate: MustRate("1000")})
			}
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Sends are on average 1 ms apart, or closer than the jitter.
			sent := sendMany(t, e, rand.New(rand.NewPCG(uint64(c.n), 9)), 3000, min(2e6, 2*c.jitter+2))
			raised, overtaken := 0, 0
			for j := range c.n {
				var want []sentCopy
				for _, m := range sent {
					if m.to == j {
						want = append(want, m)
					}
				}
				// The promised order: by due time, then send sequence.
				slices.SortStableFunc(want, func(a, b sentCopy) int { return cmp.Compare(a.due, b.due) })
				dues, vals := drain(t, e, j)
				if len(vals) != len(want) || len(dues) != len(want) {
					t.Fatalf("machine %d: %d delivered, want %d", j, len(vals), len(want))
				}
				lastOnLink := map[int]sentCopy{}
				for k, w := range want {
					if dues[k] != w.due || vals[k] != w.v {
						t.Fatalf("machine %d delivery %d: (due %d, value %d), want (due %d, value %d) from machine %d",
							j, k, dues[k], vals[k], w.due, w.v, w.from)
					}
					if w.due < w.sentAt+c.latency || w.due > w.sentAt+c.latency+c.jitter {
						t.Fatalf("due %d outside [%d, %d]", w.due, w.sentAt+c.latency, w.sentAt+c.latency+c.jitter)
					}
					if p, ok := lastOnLink[w.from]; ok {
						if p.seq > w.seq {
							t.Fatalf("link %d→%d: message %d delivered after message %d", w.from, j, p.seq, w.seq)
						}
						if p.due == w.due {
							raised++
						}
					}
					if k > 0 && want[k-1].from != w.from && want[k-1].seq > w.seq {
						overtaken++
					}
					lastOnLink[w.from] = w
				}
			}
			if raised == 0 {
				t.Error("vacuous: no two messages of a link were due at the same time")
			}
			if c.n > 2 && c.jitter > 2e6 && overtaken == 0 {
				t.Error("vacuous: jitter never reordered messages of different links")
			}
		})
	}
}

// Rule 8, jitter 0: every copy is due exactly latency after it was sent
// and a receiver gets its copies in send order.
func TestNoJitterExactLatency(t *testing.T) {
	for _, lat := range []int64{0, 1, 100_000, 3e9} {
		for _, n := range []int{2, 3, 5} {
			cfg := Config{Seed: 3, Duration: 1e9, Die: n, Latency: lat}
			for range n {
				cfg.Machines = append(cfg.Machines, MachineConfig{Rate: MustRate("6")})
			}
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			sent := sendMany(t, e, rand.New(rand.NewPCG(1, uint64(lat))), 500, 3)
			for j := range n {
				var want []sentCopy
				for _, m := range sent {
					if m.to == j {
						want = append(want, m)
					}
				}
				dues, vals := drain(t, e, j)
				if len(vals) != len(want) {
					t.Fatalf("latency %d machine %d: %d delivered, want %d", lat, j, len(vals), len(want))
				}
				for k, w := range want {
					if dues[k] != w.sentAt+lat || vals[k] != w.v {
						t.Fatalf("latency %d machine %d delivery %d: (due %d, value %d), want (%d, %d)",
							lat, j, k, dues[k], vals[k], w.sentAt+lat, w.v)
					}
				}
			}
		}
	}
}

// Rule 11: uniform is math/rand/v2's Uint64N for every n that is not a
// power of two (math/rand/v2 masks powers of two instead).
func TestUniformMatchesRandV2(t *testing.T) {
	ns := []uint64{3, 5, 6, 7, 10, 11, 1e9 + 1, 500e6 + 1, 1<<32 + 1, 1<<63 + 1, 1<<63 - 1, 1<<64 - 1, 3 << 62, 1<<62 + 1<<61}
	rng := rand.New(rand.NewPCG(8, 8))
	for range 50 {
		n := rng.Uint64() >> rng.UintN(63)
		if n > 2 && n&(n-1) != 0 {
			ns = append(ns, n)
		}
	}
	for _, n := range ns {
		for seed := uint64(1); seed <= 3; seed++ {
			src := rand.NewPCG(seed, n)
			ref := rand.New(rand.NewPCG(seed, n))
			for k := range 2000 {
				got, want := uniform(src, n), ref.Uint64N(n)
				if got != want {
					t.Fatalf("n %d seed %d draw %d: uniform %d, Uint64N %d", n, seed, k, got, want)
				}
			}
			// Both consumed the same number of words.
			if src.Uint64() != ref.Uint64() {
				t.Fatalf("n %d: the streams are out of step", n)
			}
		}
	}
	// n = 1 always gives 0; powers of two use the high bits.
	src := rand.NewPCG(1, 1)
	for range 100 {
		if uniform(src, 1) != 0 {
			t.Fatal("uniform(1) != 0")
		}
	}
	a, b := rand.NewPCG(2, 2), rand.NewPCG(2, 2)
	for range 100 {
		if got, want := uniform(a, 1<<10), b.Uint64()>>54; got != want {
			t.Fatalf("uniform(2^10) = %d, want the top 10 bits %d", got, want)
		}
	}
}

// The engine's fast path, tick and then targets, is Tick: the same event,
// value, targets and machine state, for every face and queue state.
func TestTickFastPathIsTick(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		for id := range n {
			for face := -1; face <= n+2; face++ {
				for _, queue := range [][]int64{nil, {9}, {1, 2}} {
					a, b := NewMachine(id, n), NewMachine(id, n)
					for _, v := range queue {
						a.Deliver(v)
						b.Deliver(v)
					}
					s := a.Tick(face)
					ev, v := b.tick(face)
					if got := (Step{ev, v, b.targets(ev)}); got != s || a.Clock() != b.Clock() || a.QueueLen() != b.QueueLen() {
						t.Errorf("n %d machine %d face %d queue %v: tick gives %+v, Tick %+v", n, id, face, queue, got, s)
					}
				}
			}
		}
	}
}
