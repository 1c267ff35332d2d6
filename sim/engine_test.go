package sim_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"desim/sim"
)

// Engine tests, one per rule of docs/model.md's tick as the engine applies it,
// plus the window, the tick times, latency and the tie order.

// faceOf returns the die face that a non-receive event of a run of n
// machines must have come from; for an internal event it returns 0,
// meaning "any face above n".
func faceOf(ev sim.Event, n int) int {
	switch {
	case ev == sim.Broadcast:
		return n
	case ev.IsSend():
		return ev.Peer() + 1
	}
	return 0
}

// replayFaces checks recs of machine i against the faces of a fresh die:
// when rollOnReceive is false (the model), the die is rolled on the
// non-receive ticks only. It returns the number of ticks whose event does
// not match its face.
func replayFaces(recs []sim.Record, seed uint64, i, n, faces int, rollOnReceive bool) (mismatches int) {
	d := sim.NewDie(seed, i, faces)
	for _, r := range recs {
		if r.Event == sim.Receive {
			if rollOnReceive {
				d.Roll()
			}
			continue
		}
		f := d.Roll()
		want := faceOf(r.Event, n)
		if want == 0 && f <= n || want != 0 && f != want {
			mismatches++
		}
	}
	return mismatches
}

// Rule 1 in the engine: a tick with a non-empty queue is a receive and
// does not consume a face of the machine's die stream.
func TestEngineDieNotRolledOnReceive(t *testing.T) {
	cases := []struct {
		name string
		cfg  sim.Config
	}{
		{"A2", sim.Config{Duration: 120 * s, Die: 10, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("1", 0)}}},
		{"B2-captioned", sim.Config{Duration: 120 * s, Die: 4, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("1", 0)}}},
		{"B1", sim.Config{Duration: 120 * s, Die: 4, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("6", 0), mc("6", 0)}}},
		{"five-jitter", sim.Config{Duration: 60 * s, Die: 5, Latency: ms, Jitter: 300 * ms,
			Machines: []sim.MachineConfig{mc("10", 0), mc("7.5", 3), mc("3", 0), mc("1/3", 7*ms), mc("12", 0)}}},
		{"two-latency0", sim.Config{Duration: 60 * s, Die: 4,
			Machines: []sim.MachineConfig{mc("5", 0), mc("3", 0)}}},
	}
	for _, c := range cases {
		receives, wrong := 0, 0
		for _, seed := range []uint64{1, 2, 3, 12345} {
			t.Run(fmt.Sprintf("%s/seed%d", c.name, seed), func(t *testing.T) {
				cfg := c.cfg
				cfg.Seed = seed
				n := len(cfg.Machines)
				recs := run(t, cfg)
				for i := range n {
					if m := replayFaces(recs[i], seed, i, n, cfg.Die, false); m != 0 {
						t.Errorf("machine %d: %d ticks do not match the next face of its die", i, m)
					}
					for _, r := range recs[i] {
						if r.Event == sim.Receive {
							receives++
						}
					}
					wrong += replayFaces(recs[i], seed, i, n, cfg.Die, true)
				}
			})
		}
		// The test can fail: had the die been rolled on receive ticks
		// too, the replay would not match.
		if receives == 0 || wrong == 0 {
			t.Errorf("%s: vacuous: %d receives, %d mismatches when rolling on receives", c.name, receives, wrong)
		}
	}
}

// scripted runs a short run whose first faces are forced through
// findSeed and returns its records.
func scripted(t *testing.T, cfg sim.Config, pats map[int][]int) [][]sim.Record {
	t.Helper()
	cfg.Seed = findSeed(t, len(cfg.Machines), cfg.Die, pats)
	return run(t, cfg)
}

// Rules 2 and 3 end to end: each face of each sender reaches the machine
// PeerID says (or every other machine on face N), and the receiver's clock
// shows the value sent was the sender's clock before its tick.
func TestEnginePeerOrderAndSendValue(t *testing.T) {
	for _, n := range []int{2, 3, 4, 5} {
		for sender := range n {
			for face := 1; face <= n; face++ {
				t.Run(fmt.Sprintf("n%d/sender%d/face%d", n, sender, face), func(t *testing.T) {
					// The sender ticks at 0, 1 and 2 ms: two internal
					// events, then the face (with clock 2). Everyone else
					// ticks once, at 3 ms.
					cfg := sim.Config{Duration: 3*ms + 1, Die: n + 1, Latency: 100_000}
					for i := range n {
						if i == sender {
							cfg.Machines = append(cfg.Machines, mc("1000", 0))
						} else {
							cfg.Machines = append(cfg.Machines, mc("1", 3*ms))
						}
					}
					recs := scripted(t, cfg, map[int][]int{sender: {internalFace, internalFace, face}})
					m := sim.NewMachine(sender, n)
					want := map[int]bool{}
					if face == n {
						for j := range n {
							want[j] = j != sender
						}
					} else {
						want[m.PeerID(face-1)] = true
					}
					sr := recs[sender]
					if len(sr) != 4 || sr[2].Event != faceEvent(face, n) || sr[2].Clock != 3 {
						t.Fatalf("sender's ticks %v", sr)
					}
					for j := range n {
						if j == sender {
							continue
						}
						if len(recs[j]) != 1 {
							t.Fatalf("machine %d has %d ticks, want 1", j, len(recs[j]))
						}
						r := recs[j][0]
						if got := r.Event == sim.Receive; got != want[j] {
							t.Errorf("machine %d received: %v, want %v (record %+v)", j, got, want[j], r)
						}
						if want[j] && r.Clock != 3 {
							// max(0, 2) + 1: the value sent was 2, the clock
							// before the sender's third tick.
							t.Errorf("machine %d: clock %d after receiving, want 3", j, r.Clock)
						}
					}
				})
			}
		}
	}
}

func faceEvent(face, n int) sim.Event {
	m := sim.NewMachine(0, n)
	ev := m.Tick(face).Event
	return ev
}

// Rule 4 end to end: with die = N every roll sends, and the number of
// message copies is one per single send and N-1 per broadcast.
func TestEngineBroadcastCopies(t *testing.T) {
	for _, n := range []int{2, 3, 4, 5} {
		cfg := sim.Config{Seed: 7, Duration: 30 * s, Die: n, Latency: 100_000}
		for i := range n {
			cfg.Machines = append(cfg.Machines, mc(fmt.Sprint(2+i), 0))
		}
		e, err := sim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := newCollector(n)
		if err := e.Run(c); err != nil {
			t.Fatal(err)
		}
		var copies, ticks, bcast int64
		for i := range n {
			for _, r := range c.recs[i] {
				copies += int64(r.Event.Copies(n))
				ticks++
				if r.Event == sim.Internal {
					t.Fatalf("n %d: internal event with die = N", n)
				}
				if r.Event == sim.Broadcast {
					bcast++
				}
			}
		}
		st := e.Stats()
		if st.Sent != copies || st.Ticks != ticks || st.Events() != st.Ticks+st.Deliveries {
			t.Errorf("n %d: stats %+v, want %d sent and %d ticks", n, st, copies, ticks)
		}
		if bcast == 0 {
			t.Errorf("n %d: no broadcast in %d ticks", n, ticks)
		}
	}
}

// Rule 5 end to end: three messages wait when the receiver first ticks;
// it logs queue lengths 2, 1, 0 (after each pop). Any tick that is not a
// receive logs 0.
func TestEngineQueueLengthAfterPop(t *testing.T) {
	// With N = 2 and die 2 every roll sends: machine 0 sends its clock at
	// 0, 1 and 2 ms; machine 1 ticks at 2.5, 2.6 and 2.7 ms.
	cfg := sim.Config{Seed: 1, Duration: 2750_000, Die: 2, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("1000", 0), mc("10000", 2500_000)}}
	recs := run(t, cfg)
	want := []sim.Record{
		{At: 2500_000, Clock: 1, Queue: 2, Event: sim.Receive},
		{At: 2600_000, Clock: 2, Queue: 1, Event: sim.Receive},
		{At: 2700_000, Clock: 3, Queue: 0, Event: sim.Receive},
	}
	if !slices.Equal(recs[1], want) {
		t.Errorf("receiver's records\n got %+v\nwant %+v", recs[1], want)
	}
	// A long run with growing queues: non-receives always log 0, and a
	// receive logs one less than the queue had, so consecutive receives
	// never log a drop of more than one.
	cfg = sim.Config{Seed: 3, Duration: 200 * s, Die: 4, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("1", 0)}}
	recs = run(t, cfg)
	maxQ := int64(0)
	for i, rs := range recs {
		for k, r := range rs {
			if r.Event != sim.Receive && r.Queue != 0 {
				t.Fatalf("machine %d tick %d: %q with queue %d", i, k, r.Event.Name(3), r.Queue)
			}
			if k > 0 && r.Queue < rs[k-1].Queue-1 {
				t.Fatalf("machine %d tick %d: queue fell from %d to %d in one tick", i, k, rs[k-1].Queue, r.Queue)
			}
			maxQ = max(maxQ, r.Queue)
		}
	}
	if maxQ < 10 {
		t.Errorf("vacuous: the longest queue is %d", maxQ)
	}
}

// wantTicks is the number of k ≥ 0 with start + floor(k·1e9/rate) < T:
// floor(x) < m ⇔ x < m for an integer m, so it is ceil((T-start)·rate/1e9)
// when T > start, computed with math/big.
func wantTicks(rate string, start, T int64) int64 {
	if T <= start {
		return 0
	}
	r, _ := new(big.Rat).SetString(rate)
	x := new(big.Rat).Mul(r, big.NewRat(T-start, 1e9))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

// Rule 6: exactly the ticks in [0, T) happen.
func TestEngineTickCountInWindow(t *testing.T) {
	cases := []struct {
		rate     string
		start, T int64
		want     int64
	}{
		{"6", 0, s, 6}, // the tick at exactly 1 s does not happen
		{"6", 0, s + 1, 7},
		{"6", 0, s - 1, 6},
		{"6", 0, 833333333, 5}, // tick 5 is at 833333333 exactly
		{"6", 0, 833333334, 6},
		{"6", 500 * ms, s, 3}, // 0.5, 0.666, 0.833; 1.0 is out
		{"6", 500 * ms, s + 1, 4},
		{"6", s, s, 0},
		{"6", s - 1, s, 1},
		{"6", 2 * s, s, 0}, // starts after the end
		{"1", 0, 1, 1},
		{"2.5", 0, s, 3}, // 0, 0.4, 0.8
		{"2.5", 0, 2 * s, 5},
		{"2.5", 0, 2*s + 1, 6},
		{"1/3", 0, 9 * s, 3}, // 0, 3, 6
		{"1/3", 0, 9*s + 1, 4},
		{"1/3", s, 10 * s, 3},
		{"7.77", 0, 100 * s, 777}, // tick 777 is at exactly 100 s
		{"7.77", 0, 100*s + 1, 778},
		{"7.77", 0, 100*s - 1, 777},
		{"0.001", 0, 1000 * s, 1},
		{"0.001", 0, 1000*s + 1, 2},
		{"0.001", 0, 2500 * s, 3},
		{"0.001", 1, 1000*s + 1, 1},
		{"1000000", 0, 10 * ms, 10_000},
		{"1000000", 0, 10*ms + 1, 10_001},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("rate%s/start%d/T%d", c.rate, c.start, c.T), func(t *testing.T) {
			if w := wantTicks(c.rate, c.start, c.T); w != c.want {
				t.Fatalf("table and formula disagree: %d vs %d", c.want, w)
			}
			cfg := sim.Config{Seed: 1, Duration: c.T, Die: 10, Latency: 100_000,
				Machines: []sim.MachineConfig{mc(c.rate, c.start), mc(c.rate, c.start)}}
			e, err := sim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			cl := newCollector(2)
			if err := e.Run(cl); err != nil {
				t.Fatal(err)
			}
			for i, rs := range cl.recs {
				if int64(len(rs)) != c.want {
					t.Errorf("machine %d: %d ticks, want %d", i, len(rs), c.want)
				}
				for _, r := range rs {
					if r.At < c.start || r.At >= c.T {
						t.Errorf("machine %d: tick at %d outside [%d, %d)", i, r.At, c.start, c.T)
					}
				}
			}
			if st := e.Stats(); st.Ticks != 2*c.want {
				t.Errorf("Stats().Ticks = %d, want %d", st.Ticks, 2*c.want)
			}
		})
	}
	// Random rates, starts and windows against the formula.
	rng := rand.New(rand.NewPCG(1, 2))
	rates := []string{"1", "2", "3", "6", "7", "2.5", "7.77", "1/3", "2/7", "0.3", "13.125", "99.9", "1000"}
	for range 60 {
		cfg := sim.Config{Seed: rng.Uint64(), Duration: 1 + rng.Int64N(20*s), Die: 7, Latency: rng.Int64N(ms)}
		for range 2 + rng.IntN(4) {
			cfg.Machines = append(cfg.Machines, mc(rates[rng.IntN(len(rates))], rng.Int64N(3*s)))
		}
		recs := run(t, cfg)
		for i, m := range cfg.Machines {
			if got, want := int64(len(recs[i])), wantTicks(m.Rate.String(), m.Start, cfg.Duration); got != want {
				t.Errorf("rate %s start %d T %d: %d ticks, want %d", m.Rate, m.Start, cfg.Duration, got, want)
			}
		}
	}
}

// Rule 7: tick k of machine i is logged at start_i + Rate.TickTime(k),
// and TickTime(k) = floor(k·1e9/rate) exactly.
func TestEngineTickTimes(t *testing.T) {
	cases := []struct {
		name string
		cfg  sim.Config
	}{
		{"paper", sim.Config{Duration: 60 * s, Die: 10, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("4", 0), mc("2", 0)}}},
		{"fractional", sim.Config{Duration: 100 * s, Die: 4, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("2.5", 0), mc("1/3", 123), mc("7.77", 500*ms), mc("0.001", 1)}}},
		{"fast", sim.Config{Duration: 50 * ms, Die: 9, Latency: 0, Jitter: 10_000,
			Machines: []sim.MachineConfig{mc("999.999999999", 0), mc("1000000", 5), mc("3/7", 0), mc("12345.678", 999)}}},
		{"heap-schedule", sim.Config{Duration: 20 * s, Die: 6, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6.000001", 0), mc("5.999999", 17), mc("7", 0), mc("1/7", 0)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.Seed = 5
			recs := run(t, cfg)
			for i, m := range cfg.Machines {
				for k, r := range recs[i] {
					want := m.Start + m.Rate.TickTime(int64(k))
					if r.At != want {
						t.Fatalf("machine %d tick %d: at %d, want %d", i, k, r.At, want)
					}
					if k >= 2000 {
						continue // TestRateTickTime covers TickTime further
					}
					if bt := bigTickTime(m.Rate.String(), int64(k)); m.Rate.TickTime(int64(k)) != bt {
						t.Fatalf("rate %s: TickTime(%d) = %d, want %d", m.Rate, k, m.Rate.TickTime(int64(k)), bt)
					}
				}
				if got, want := int64(len(recs[i])), wantTicks(m.Rate.String(), m.Start, cfg.Duration); got != want {
					t.Errorf("machine %d: %d ticks, want %d", i, got, want)
				}
			}
		})
	}
}

// bigTickTime is floor(k·1e9/rate) with math/big.
func bigTickTime(rate string, k int64) int64 {
	r, ok := new(big.Rat).SetString(rate)
	if !ok {
		panic(rate)
	}
	kns := new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(k), big.NewInt(1e9)))
	x := new(big.Rat).Quo(kns, r)
	return new(big.Int).Quo(x.Num(), x.Denom()).Int64() // x ≥ 0: Quo is floor
}

// Rule 8, jitter 0: every message reaches its receiver's queue exactly
// latency after it was sent: a tick at send+latency-1 does not see it, a
// tick at send+latency does (rule 9: deliveries before ticks).
func TestEngineLatencyExact(t *testing.T) {
	for _, lat := range []int64{0, 1, 100_000, 1 * ms, 250 * ms, 7 * s} {
		for _, off := range []int64{-1, 0, 1} {
			if lat+off < 0 {
				continue
			}
			t.Run(fmt.Sprintf("latency%d/offset%d", lat, off), func(t *testing.T) {
				// Machine 0 sends its clock 0 at time 0 (N = 2, die 2: every
				// roll sends); machine 1 first ticks at lat+off.
				start := lat + off
				cfg := sim.Config{Seed: 1, Duration: start + 1, Die: 2, Latency: lat,
					Machines: []sim.MachineConfig{mc("0.001", 0), mc("0.001", start)}}
				recs := run(t, cfg)
				if len(recs[0]) != 1 || !recs[0][0].Event.IsSend() && recs[0][0].Event != sim.Broadcast {
					t.Fatalf("machine 0: %+v, want one send", recs[0])
				}
				r := recs[1][0]
				if got, want := r.Event == sim.Receive, off >= 0; got != want {
					t.Errorf("tick at send+latency%+d: received %v, want %v", off, got, want)
				}
			})
		}
	}
}

// Rule 9: the tie order.
func TestEngineTieOrder(t *testing.T) {
	t.Run("ticks at one time in machine order", func(t *testing.T) {
		// Latency 0, both tick at 0: machine 0 rolls and sends first, so
		// machine 1's tick at 0 receives it.
		cfg := sim.Config{Seed: 1, Duration: 1, Die: 2,
			Machines: []sim.MachineConfig{mc("1", 0), mc("1", 0)}}
		recs := run(t, cfg)
		if ev := recs[0][0].Event; ev == sim.Receive || ev == sim.Internal {
			t.Fatalf("machine 0 at 0: %q, want a send", ev.Name(2))
		}
		if got, want := recs[1][0], (sim.Record{At: 0, Clock: 1, Queue: 0, Event: sim.Receive}); got != want {
			t.Errorf("machine 1 at 0: %+v, want %+v", got, want)
		}
		// The other way round: machine 2 sends to machine 0 at 0 with
		// latency 0, but machine 0 has already ticked at 0; it receives at
		// its next tick.
		cfg = sim.Config{Duration: s + 1, Die: 4,
			Machines: []sim.MachineConfig{mc("1", 0), mc("1", s), mc("1", 0)}}
		// Machine 0: internal at 0; machine 2: face 1 = peer 0 = machine 0.
		recs = scripted(t, cfg, map[int][]int{0: {internalFace}, 2: {1}})
		if got := events(recs[0]); !slices.Equal(got, []sim.Event{sim.Internal, sim.Receive}) {
			t.Errorf("machine 0: %q, want internal then receive", names(got, 3))
		}
	})
	t.Run("delivery before tick at the same time", func(t *testing.T) {
		// Covered for many latencies by TestEngineLatencyExact; here with
		// jitter, where the delivery time is drawn: a receiver that ticks
		// exactly at the drawn time receives.
		for seed := uint64(1); seed <= 20; seed++ {
			cfg := sim.Config{Seed: seed, Duration: 1, Die: 2, Latency: 5, Jitter: 10,
				Machines: []sim.MachineConfig{mc("1", 0), mc("1", 0)}}
			hi, lo := sim.StreamSeed(seed, sim.PurposeJitter, 0, 1)
			u := rand.New(rand.NewPCG(hi, lo)).Uint64N(11) // 11 is not a power of two
			at := 5 + int64(u)
			for _, off := range []int64{-1, 0} {
				cfg.Machines[1].Start = at + off
				cfg.Duration = at + off + 1
				recs := run(t, cfg)
				if got, want := recs[1][0].Event == sim.Receive, off == 0; got != want {
					t.Errorf("seed %d: due at %d, tick at %d: received %v, want %v", seed, at, at+off, got, want)
				}
			}
		}
	})
	t.Run("same-time deliveries in send order", func(t *testing.T) {
		// Machines 0 and 1 both send to machine 2 at 4 ms, machine 0 with
		// clock 4 (after four internal ticks), machine 1 with clock 0.
		// Machine 2 pops machine 0's message first: clocks 5 then 6 (the
		// other order would give 1 then 5).
		for _, c := range []struct {
			name   string
			f0, f1 int
		}{
			{"single sends", 2, 2}, // face 2 = peer 1 = machine 2 for both
			{"broadcasts", 3, 3},
			{"broadcast and send", 3, 2},
			{"send and broadcast", 2, 3},
		} {
			cfg := sim.Config{Duration: 4200_000, Die: 4, Latency: 50_000,
				Machines: []sim.MachineConfig{mc("1000", 0), mc("1000", 4*ms), mc("10000", 4050_000)}}
			pats := map[int][]int{
				0: {internalFace, internalFace, internalFace, internalFace, c.f0},
				1: {c.f1},
			}
			recs := scripted(t, cfg, pats)
			want := []sim.Record{
				{At: 4050_000, Clock: 5, Queue: 1, Event: sim.Receive},
				{At: 4150_000, Clock: 6, Queue: 0, Event: sim.Receive},
			}
			if !slices.Equal(recs[2], want) {
				t.Errorf("%s: machine 2\n got %+v\nwant %+v", c.name, recs[2], want)
			}
		}
	})
	t.Run("one sender's messages in send order", func(t *testing.T) {
		// A receiver that starts late finds ten messages of one sender
		// waiting and pops the oldest first. (Messages of one link due at
		// the same time arise with jitter; reference_test.go covers them.)
		cfg := sim.Config{Seed: 1, Duration: 10*ms + 1, Die: 2, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("1000", 0), mc("1000", 10*ms)}}
		recs := run(t, cfg)
		// Machine 0 sent clocks 0..9 at 0..9 ms, and received nothing.
		if r := recs[1][0]; r.Event != sim.Receive || r.Clock != 1 || r.Queue != 9 {
			t.Errorf("machine 1 first tick %+v, want receive of 0 (clock 1) with 9 left", r)
		}
	})
}

func names(evs []sim.Event, n int) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Name(n)
	}
	return out
}

// Rule 12: determinism. Fresh engines, a Reset engine and engines running
// concurrently all give the same records; a second Run without Reset is an
// error.
func TestEngineDeterminism(t *testing.T) {
	cfgs := []sim.Config{
		{Seed: 1, Duration: 60 * s, Die: 10, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("2", 0), mc("1", 0)}},
		{Seed: 99, Duration: 30 * s, Die: 5, Latency: ms, Jitter: 200 * ms,
			Machines: []sim.MachineConfig{mc("10", 0), mc("2.5", 1), mc("1/3", 0), mc("40", 3*ms)}},
	}
	for ci, cfg := range cfgs {
		want := run(t, cfg)
		if got := run(t, cfg); !equalRecs(got, want) {
			t.Errorf("config %d: two fresh engines differ", ci)
		}
		// One engine, runs with other seeds in between, then Reset back.
		e, err := sim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Run(nil); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(nil); err == nil {
			t.Errorf("config %d: Run twice without Reset gave no error", ci)
		}
		other := cfg
		other.Seed = cfg.Seed + 1
		fresh, err := sim.New(other)
		if err != nil {
			t.Fatal(err)
		}
		oc := newCollector(len(cfg.Machines))
		if err := fresh.Run(oc); err != nil {
			t.Fatal(err)
		}
		otherRecs := oc.recs
		e.Reset(other.Seed)
		c := newCollector(len(cfg.Machines))
		if err := e.Run(c); err != nil {
			t.Fatal(err)
		}
		if !equalRecs(c.recs, otherRecs) {
			t.Errorf("config %d: Reset to seed %d differs from a fresh engine", ci, other.Seed)
		}
		if e.Stats() != fresh.Stats() {
			t.Errorf("config %d: stats after Reset %+v, fresh %+v", ci, e.Stats(), fresh.Stats())
		}
		if equalRecs(c.recs, want) {
			t.Errorf("config %d: seeds %d and %d give the same run", ci, cfg.Seed, other.Seed)
		}
		e.Reset(cfg.Seed)
		if e.Config().Seed != cfg.Seed {
			t.Errorf("Config().Seed = %d after Reset(%d)", e.Config().Seed, cfg.Seed)
		}
		c = newCollector(len(cfg.Machines))
		if err := e.Run(c); err != nil {
			t.Fatal(err)
		}
		if !equalRecs(c.recs, want) {
			t.Errorf("config %d: Reset engine differs from a fresh engine", ci)
		}
		// Concurrent runs share nothing: their logs are the same bytes.
		wantLog := logBytes(cfg)
		got := make([][]byte, 8)
		done := make(chan int)
		for g := range got {
			go func() {
				defer func() { done <- g }()
				got[g] = logBytes(cfg)
			}()
		}
		for range got {
			<-done
		}
		for g := range got {
			if got[g] == nil || !bytes.Equal(got[g], wantLog) {
				t.Errorf("config %d: concurrent run %d logged different bytes", ci, g)
			}
		}
	}
}

// logBytes runs cfg on a fresh engine and returns every machine's CSV log,
// concatenated; nil on an error.
func logBytes(cfg sim.Config) []byte {
	e, err := sim.New(cfg)
	if err != nil {
		return nil
	}
	bufs := make([]bytes.Buffer, len(cfg.Machines))
	ws := make([]io.Writer, len(bufs))
	for i := range bufs {
		ws[i] = &bufs[i]
	}
	lw := sim.NewLogWriter(ws)
	if e.Run(lw) != nil || lw.Flush() != nil {
		return nil
	}
	var all []byte
	for i := range bufs {
		all = append(all, bufs[i].Bytes()...)
		all = append(all, 0)
	}
	return all
}

// The engine copies its Config: changing the caller's slice afterwards
// changes nothing.
func TestEngineCopiesConfig(t *testing.T) {
	cfg := sim.Config{Seed: 4, Duration: 10 * s, Die: 4, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("6", 0), mc("3", 0)}}
	want := run(t, cfg)
	e, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Machines[0] = mc("1", 5*s)
	c := newCollector(2)
	if err := e.Run(c); err != nil {
		t.Fatal(err)
	}
	if !equalRecs(c.recs, want) {
		t.Error("changing the Config's machines after New changed the run")
	}
	if got := e.Config().Machines[0].Rate.String(); got != "6" {
		t.Errorf("Config().Machines[0].Rate = %s, want 6", got)
	}
}

func equalRecs(a, b [][]sim.Record) bool {
	return slices.EqualFunc(a, b, func(x, y []sim.Record) bool { return slices.Equal(x, y) })
}

// A sink's error stops the run and is returned; Sinks fans out in order.
func TestEngineSinks(t *testing.T) {
	cfg := sim.Config{Seed: 1, Duration: 600 * s, Die: 10, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("6", 0), mc("6", 0), mc("6", 0)}}
	want := run(t, cfg)
	a, b := newCollector(3), newCollector(3)
	e, _ := sim.New(cfg)
	if err := e.Run(sim.Sinks{a, b}); err != nil {
		t.Fatal(err)
	}
	if !equalRecs(a.recs, want) || !equalRecs(b.recs, want) {
		t.Error("Sinks: a sink did not get every record")
	}
	boom := errors.New("boom")
	calls := 0
	e.Reset(1)
	err := e.Run(sinkFunc(func(int, []sim.Record) error {
		calls++
		if calls == 2 {
			return boom
		}
		return nil
	}))
	if !errors.Is(err, boom) || calls != 2 {
		t.Errorf("Run with a failing sink: %v after %d calls, want boom after 2", err, calls)
	}
	// Batches are consecutive ticks of one machine in time order.
	e.Reset(1)
	last := map[int]int64{0: -1, 1: -1, 2: -1}
	err = e.Run(sinkFunc(func(m int, b []sim.Record) error {
		for _, r := range b {
			if r.At <= last[m] {
				return fmt.Errorf("machine %d: record at %d after %d", m, r.At, last[m])
			}
			last[m] = r.At
		}
		return nil
	}))
	if err != nil {
		t.Error(err)
	}
}

type sinkFunc func(int, []sim.Record) error

func (f sinkFunc) Records(m int, b []sim.Record) error { return f(m, b) }

// Rule 12: Validate rejects every bad field, and New returns its error.
func TestConfigValidate(t *testing.T) {
	good := func() sim.Config {
		return sim.Config{Seed: 1, Duration: s, Die: 3, Latency: 100_000,
			Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("1", 0)}}
	}
	if cfg := good(); cfg.Validate() != nil {
		t.Fatalf("the good config is rejected: %v", cfg.Validate())
	}
	cases := []struct {
		name string
		edit func(*sim.Config)
		ok   bool
	}{
		{"no machines", func(c *sim.Config) { c.Machines = nil }, false},
		{"one machine", func(c *sim.Config) { c.Machines = c.Machines[:1] }, false},
		{"too many machines", func(c *sim.Config) {
			c.Machines = make([]sim.MachineConfig, 1<<20+1)
			c.Die = len(c.Machines)
		}, false},
		{"die below N", func(c *sim.Config) { c.Die = 2 }, false},
		{"die 0", func(c *sim.Config) { c.Die = 0 }, false},
		{"die negative", func(c *sim.Config) { c.Die = -3 }, false},
		{"die N", func(c *sim.Config) { c.Die = 3 }, true},
		{"die MaxFaces", func(c *sim.Config) { c.Die = sim.MaxFaces }, true},
		// A die above MaxFaces must be rejected: NewDie requires faces ≤
		// MaxFaces (2^32 faces would divide by zero in Die.Reset).
		{"die MaxFaces+1", func(c *sim.Config) { c.Die = sim.MaxFaces + 1 }, false},
		{"die 2^32 (MaxInt where int has 32 bits)", func(c *sim.Config) { c.Die = int(min(1<<32, uint64(math.MaxInt))) }, false},
		{"duration 0", func(c *sim.Config) { c.Duration = 0 }, false},
		{"duration negative", func(c *sim.Config) { c.Duration = -1 }, false},
		{"duration max", func(c *sim.Config) { c.Duration = sim.MaxDuration }, true},
		{"duration above max", func(c *sim.Config) { c.Duration = sim.MaxDuration + 1 }, false},
		{"latency negative", func(c *sim.Config) { c.Latency = -1 }, false},
		{"latency 0", func(c *sim.Config) { c.Latency = 0 }, true},
		{"latency above max", func(c *sim.Config) { c.Latency = sim.MaxDuration + 1 }, false},
		{"jitter negative", func(c *sim.Config) { c.Jitter = -1 }, false},
		{"jitter above max", func(c *sim.Config) { c.Jitter = sim.MaxDuration + 1 }, false},
		{"jitter max", func(c *sim.Config) { c.Jitter = sim.MaxDuration }, true},
		{"zero rate", func(c *sim.Config) { c.Machines[1].Rate = sim.Rate{} }, false},
		{"start negative", func(c *sim.Config) { c.Machines[2].Start = -1 }, false},
		{"start above max", func(c *sim.Config) { c.Machines[0].Start = sim.MaxDuration + 1 }, false},
		{"start after the end", func(c *sim.Config) { c.Machines[0].Start = 2 * s }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good()
			c.edit(&cfg)
			err := cfg.Validate()
			if (err == nil) != c.ok {
				t.Errorf("Validate() = %v, want ok = %v", err, c.ok)
			}
			if c.ok || len(cfg.Machines) > 100 {
				return
			}
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("New panicked: %v", p)
					}
				}()
				if e, err := sim.New(cfg); err == nil || e != nil {
					t.Errorf("New accepted the config (err %v)", err)
				}
			}()
		})
	}
}

// Messages due before the end of the run reach their queues (and count as
// deliveries); those due at the end or later do not.
func TestEngineDeliveriesAtEnd(t *testing.T) {
	for _, lat := range []int64{0, 1, 100_000, 5 * s} {
		for _, extra := range []int64{0, 1, 2} {
			// Machine 0 sends at 0 (N = 2, die 2); machine 1 never ticks.
			cfg := sim.Config{Seed: 1, Duration: lat + extra, Die: 2, Latency: lat,
				Machines: []sim.MachineConfig{mc("0.001", 0), mc("1", sim.MaxDuration)}}
			if cfg.Duration == 0 {
				continue
			}
			e, err := sim.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Run(nil); err != nil {
				t.Fatal(err)
			}
			want := int64(0)
			if extra > 0 {
				want = 1
			}
			st := e.Stats()
			if st.Sent != 1 || st.Ticks != 1 || st.Deliveries != want || int64(e.Machine(1).QueueLen()) != want {
				t.Errorf("latency %d, end %d: stats %+v, queue %d; want 1 sent, %d delivered",
					lat, cfg.Duration, st, e.Machine(1).QueueLen(), want)
			}
		}
	}
}
