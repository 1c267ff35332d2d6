package sim_test

import (
	"container/heap"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"desim/sim"
)

// A reference simulator written straight from docs/model.md and the package
// documentation, as slowly and plainly as possible: one global priority
// queue of events ordered by (time, deliveries before ticks, send sequence
// or machine index), a slice per queue, one message event per copy, the
// die rolled on demand, the jitter drawn by a 64-bit Lemire written here.
// The engine must produce exactly its records and counts. Only Machine's
// rules are not re-used: the reference has its own clocks and queues.

type refEvent struct {
	at    int64
	tick  bool  // a tick (else a delivery)
	key   int64 // delivery: send sequence number; tick: machine index
	to    int   // delivery: receiver
	value int64 // delivery: clock value carried
	k     int64 // tick: index k of the machine's tick
}

type refQueue []refEvent

func (q refQueue) Len() int { return len(q) }
func (q refQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.tick != b.tick {
		return !a.tick // deliveries first
	}
	return a.key < b.key
}
func (q refQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *refQueue) Push(x any)   { *q = append(*q, x.(refEvent)) }
func (q *refQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// lemire64 draws a uniform integer in [0, n) from src: the high word of
// x·n, rejecting x while the low word is below (2^64 - n) mod n.
func lemire64(src *rand.PCG, n uint64) uint64 {
	for {
		hi, lo := bits.Mul64(src.Uint64(), n)
		if lo >= (-n)%n {
			return hi
		}
	}
}

// refTickTimes returns the tick times of machine i of cfg, k ↦ time of
// tick k, written from MachineConfig's documentation: without a timing
// model Start + TickTime(k); with one, the timing stream
// StreamSeed(seed, PurposeTiming, i, 0) first draws the start offset
// (uniform in [0, StartSpread) by a 64-bit Lemire, no draw for a spread of
// 0), then tick k+1 = tick k + (TickTime(k+1) − TickTime(k)) + o_k with
// one overshoot drawn per interval, in order.
func refTickTimes(cfg sim.Config, i int) func(k int64) int64 {
	m := cfg.Machines[i]
	if m.Overshoot.Mean == 0 && m.StartSpread == 0 {
		return func(k int64) int64 { return m.Start + m.Rate.TickTime(k) }
	}
	src := rand.NewPCG(sim.StreamSeed(cfg.Seed, sim.PurposeTiming, i, 0))
	start := m.Start
	if m.StartSpread > 0 {
		start += int64(lemire64(src, uint64(m.StartSpread)))
	}
	tab := refTables[m.Overshoot]
	if tab == nil {
		tab = sim.NewOvershootTable(m.Overshoot)
		refTables[m.Overshoot] = tab
	}
	times := []int64{start}
	return func(k int64) int64 {
		for int64(len(times)) <= k {
			j := int64(len(times)) - 1
			times = append(times, times[j]+m.Rate.TickTime(j+1)-m.Rate.TickTime(j)+tab.Draw(src))
		}
		return times[k]
	}
}

// refTables are the overshoot tables refTickTimes built (tests run
// sequentially here).
var refTables = map[sim.Overshoot]*sim.OvershootTable{}

// timingOvershoots are the overshoots of timingConfigs: the original's
// (400 µs ± 120 µs), constant ones, large and heavy-tailed ones, the
// smallest shape allowed (sd = 10·mean), a shape above 10^4 (sd =
// mean/1000), and a mean of 0 with an sd (no overshoot).
var timingOvershoots = []sim.Overshoot{
	{Mean: 400_000, SD: 120_000}, {Mean: 1}, {Mean: 7 * ms}, {Mean: 50 * ms, SD: 20 * ms},
	{Mean: 200 * ms, SD: 300 * ms}, {Mean: 3 * ms, SD: 30 * ms}, {Mean: 100 * ms, SD: 100_000},
	{Mean: 0, SD: 5 * ms}, {Mean: 1_000, SD: 1_000},
}

// timingConfigs are random configurations in which some machines have a
// timing model: overshoots constant or drawn, large (near a period) and
// small, start spreads from 1 ns to 2 s, with latency 0, latencies that
// tie, and jitter.
func timingConfigs() map[string]sim.Config {
	cases := map[string]sim.Config{}
	rng := rand.New(rand.NewPCG(12, 12))
	rates := []string{"1", "2", "5", "6", "10", "2.5", "1/3", "12.5", "40", "6.000001"}
	for k := range 120 {
		n := 2 + rng.IntN(5)
		cfg := sim.Config{Seed: rng.Uint64(), Duration: 1 + rng.Int64N(30*s), Die: n + rng.IntN(8), Latency: 100_000}
		for j := range n {
			m := mc(rates[rng.IntN(len(rates))], 0)
			if rng.IntN(3) == 0 {
				m.Start = rng.Int64N(2*s) / ms * ms
			}
			if j == 0 || rng.IntN(3) > 0 {
				if k := rng.IntN(len(timingOvershoots) + 1); k < len(timingOvershoots) {
					m.Overshoot = timingOvershoots[k]
				}
				if rng.IntN(2) == 0 {
					m.StartSpread = 1 + rng.Int64N([]int64{2, ms, 60 * ms, 2 * s}[rng.IntN(4)])
				}
			}
			cfg.Machines = append(cfg.Machines, m)
		}
		switch k % 4 {
		case 1:
			cfg.Latency = 0
		case 2:
			cfg.Latency, cfg.Jitter = ms, 1+rng.Int64N(800*ms)
		case 3:
			cfg.Latency = []int64{100 * ms, 250 * ms, s}[rng.IntN(3)]
		}
		cases[fmt.Sprintf("timing%d", k)] = cfg
	}
	return cases
}

// The engine equals the reference with timing models too: the heap path,
// re-seeded tick times, start offsets that make machines start apart.
func TestEngineMatchesReferenceTiming(t *testing.T) {
	for name, cfg := range timingConfigs() {
		t.Run(name, func(t *testing.T) {
			want := refRun(cfg)
			e, err := sim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Run another seed first: Reset must re-seed the timing.
			e.Reset(cfg.Seed + 1)
			if err := e.Run(nil); err != nil {
				t.Fatal(err)
			}
			e.Reset(cfg.Seed)
			col := newCollector(len(cfg.Machines))
			if err := e.Run(col); err != nil {
				t.Fatal(err)
			}
			if !equalRecs(col.recs, want.recs) {
				for i := range cfg.Machines {
					got, w := col.recs[i], want.recs[i]
					for k := range min(len(got), len(w)) {
						if got[k] != w[k] {
							t.Fatalf("config %+v\nmachine %d tick %d: got %+v, want %+v", cfg, i, k, got[k], w[k])
						}
					}
					if len(got) != len(w) {
						t.Fatalf("machine %d: %d ticks, want %d", i, len(got), len(w))
					}
				}
			}
			st := e.Stats()
			if st.Ticks != want.ticks || st.Sent != want.sent || st.Deliveries != want.delivers {
				t.Errorf("stats %+v, want ticks %d sent %d deliveries %d", st, want.ticks, want.sent, want.delivers)
			}
		})
	}
}

type refResult struct {
	recs                  [][]sim.Record
	ticks, sent, delivers int64
}

func refRun(cfg sim.Config) refResult {
	n := len(cfg.Machines)
	end := cfg.Duration
	clocks := make([]int64, n)
	queues := make([][]int64, n)
	dice := make([]sim.Die, n)
	links := make([][]*rand.PCG, n)
	last := make([][]int64, n)
	res := refResult{recs: make([][]sim.Record, n)}
	q := &refQueue{}
	ticks := make([]func(k int64) int64, n)
	for i := range cfg.Machines {
		dice[i] = sim.NewDie(cfg.Seed, i, cfg.Die)
		links[i] = make([]*rand.PCG, n)
		last[i] = make([]int64, n)
		for j := range n {
			links[i][j] = rand.NewPCG(sim.StreamSeed(cfg.Seed, sim.PurposeJitter, i, j))
		}
		ticks[i] = refTickTimes(cfg, i)
		heap.Push(q, refEvent{at: ticks[i](0), tick: true, key: int64(i)})
	}
	// peers lists machine i's peers in index order.
	peers := func(i int) []int {
		var p []int
		for j := range n {
			if j != i {
				p = append(p, j)
			}
		}
		return p
	}
	var seq int64
	for q.Len() > 0 {
		ev := heap.Pop(q).(refEvent)
		if ev.at >= end {
			break
		}
		if !ev.tick {
			queues[ev.to] = append(queues[ev.to], ev.value)
			res.delivers++
			continue
		}
		i := int(ev.key)
		var e sim.Event
		var dests []int
		if len(queues[i]) > 0 {
			clocks[i] = max(clocks[i], queues[i][0])
			queues[i] = queues[i][1:]
			e = sim.Receive
		} else {
			f := dice[i].Roll()
			switch {
			case f >= 1 && f <= n-1:
				e = sim.SendTo(f - 1)
				dests = []int{peers(i)[f-1]}
			case f == n:
				e = sim.Broadcast
				dests = peers(i)
			default:
				e = sim.Internal
			}
		}
		for _, j := range dests {
			at := ev.at + cfg.Latency
			if cfg.Jitter > 0 {
				at += int64(lemire64(links[i][j], uint64(cfg.Jitter)+1))
				at = max(at, last[i][j])
				last[i][j] = at
			}
			heap.Push(q, refEvent{at: at, key: seq, to: j, value: clocks[i]})
			seq++
			res.sent++
		}
		clocks[i]++
		res.recs[i] = append(res.recs[i], sim.Record{At: ev.at, Clock: clocks[i], Queue: int64(len(queues[i])), Event: e})
		res.ticks++
		heap.Push(q, refEvent{at: ticks[i](ev.k + 1), tick: true, key: int64(i), k: ev.k + 1})
	}
	return res
}

// The engine equals the reference on the paper's experiments and on many
// random configurations: with and without jitter, latency 0 (many ties),
// latencies equal to tick spacings, start offsets, 2 to 6 machines.
func TestEngineMatchesReference(t *testing.T) {
	type tc struct {
		name string
		cfg  sim.Config
	}
	var cases []tc
	paper := map[string][]string{
		"A1": {"6", "6", "6"}, "A2": {"6", "1", "1"}, "A3": {"6", "6", "1"}, "A4": {"6", "2", "1"},
		"A5": {"6", "4", "2"}, "B1": {"6", "6", "6"}, "B2": {"6", "5", "5"}, "B3": {"6", "6", "5"},
		"B4": {"6", "5", "4"},
	}
	for _, name := range []string{"A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4"} {
		die := 10
		if name[0] == 'B' {
			die = 4
		}
		cfg := sim.Config{Seed: 1, Duration: 300 * s, Die: die, Latency: 100_000}
		for _, r := range paper[name] {
			cfg.Machines = append(cfg.Machines, mc(r, 0))
		}
		cases = append(cases, tc{name, cfg})
	}
	rng := rand.New(rand.NewPCG(7, 7))
	rates := []string{"1", "2", "3", "4", "5", "6", "10", "2.5", "7.77", "1/3", "0.5", "12.5", "40", "100", "6.000001"}
	for k := range 200 {
		n := 2 + rng.IntN(7)
		cfg := sim.Config{Seed: rng.Uint64(), Duration: 1 + rng.Int64N(40*s), Die: n + rng.IntN(8)}
		for range n {
			start := int64(0)
			if rng.IntN(2) == 0 {
				start = rng.Int64N(2*s) / ms * ms // often on a tick of another machine
			}
			cfg.Machines = append(cfg.Machines, mc(rates[rng.IntN(len(rates))], start))
		}
		switch k % 4 {
		case 0: // latency 0: a message can be received at the instant it is sent
		case 1: // a latency that is a tick spacing: arrivals tie with ticks
			cfg.Latency = []int64{100 * ms, 250 * ms, 500 * ms, s}[rng.IntN(4)]
		case 2: // large jitter: reordering across links, FIFO per link
			cfg.Latency, cfg.Jitter = ms, 1+rng.Int64N(800*ms)
		case 3: // small jitter: many deliveries tie
			cfg.Latency, cfg.Jitter = rng.Int64N(3), 1+rng.Int64N(3)
		}
		cases = append(cases, tc{fmt.Sprintf("random%d", k), cfg})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := refRun(c.cfg)
			e, err := sim.New(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			col := newCollector(len(c.cfg.Machines))
			if err := e.Run(col); err != nil {
				t.Fatal(err)
			}
			for i := range c.cfg.Machines {
				got, w := col.recs[i], want.recs[i]
				for k := range min(len(got), len(w)) {
					if got[k] != w[k] {
						t.Fatalf("config %+v\nmachine %d tick %d: got %+v, want %+v", c.cfg, i, k, got[k], w[k])
					}
				}
				if len(got) != len(w) {
					t.Fatalf("machine %d: %d ticks, want %d", i, len(got), len(w))
				}
			}
			st := e.Stats()
			if st.Ticks != want.ticks || st.Sent != want.sent || st.Deliveries != want.delivers {
				t.Errorf("stats %+v, want ticks %d sent %d deliveries %d", st, want.ticks, want.sent, want.delivers)
			}
		})
	}
}
