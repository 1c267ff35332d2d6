package sim_test

import (
	"fmt"
	"testing"

	"desim/sim"
)

// Tests of the pure Machine, one per rule of docs/model.md's tick. The engine
// half of each rule is in engine_test.go.

// withClock returns machine id of n whose clock is c and whose queue holds
// q, reached through the public API only (c internal ticks, then
// deliveries).
func withClock(id, n int, c int64, q ...int64) sim.Machine {
	m := sim.NewMachine(id, n)
	for range c {
		m.Tick(n + 1) // a face above N is internal
	}
	for _, v := range q {
		m.Deliver(v)
	}
	return m
}

// Rule 1: if the queue is not empty the tick is a receive of its head,
// whatever face is handed in.
func TestMachineReceiveHasPrecedence(t *testing.T) {
	cases := []struct {
		n     int
		clock int64
		queue []int64
		face  int
	}{
		{3, 0, []int64{5}, 0},
		{3, 0, []int64{5}, 1},  // would send to peer 0
		{3, 0, []int64{5}, 2},  // would send to peer 1
		{3, 0, []int64{5}, 3},  // would broadcast
		{3, 4, []int64{1}, 10}, // would be internal
		{3, 2, []int64{7, 8, 9}, 1},
		{2, 0, []int64{0}, 2},
		{5, 9, []int64{3, 30}, 5},
		{4, 1, []int64{2}, -7},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("n%d/clock%d/q%v/face%d", c.n, c.clock, c.queue, c.face), func(t *testing.T) {
			m := withClock(1, c.n, c.clock, c.queue...)
			if m.NeedsRoll() {
				t.Fatal("NeedsRoll is true with a non-empty queue")
			}
			s := m.Tick(c.face)
			ev, v := s.Event, s.Value
			if ev != sim.Receive {
				t.Errorf("event = %v (%q), want Receive", ev, ev.Name(c.n))
			}
			if v != c.queue[0] {
				t.Errorf("value = %d, want the head %d", v, c.queue[0])
			}
			if got, want := m.Clock(), max(c.clock, c.queue[0])+1; got != want {
				t.Errorf("clock = %d, want %d", got, want)
			}
			if got, want := m.QueueLen(), len(c.queue)-1; got != want {
				t.Errorf("queue length = %d, want %d", got, want)
			}
		})
	}
	// With an empty queue the face decides.
	m := sim.NewMachine(0, 3)
	if !m.NeedsRoll() {
		t.Error("NeedsRoll is false with an empty queue")
	}
	if ev := m.Tick(1).Event; ev != sim.SendTo(0) {
		t.Errorf("empty queue, face 1: event %q, want send 0", ev.Name(3))
	}
}

// Rule 1, FIFO part: receives pop the queue in delivery order.
func TestMachineQueueIsFIFO(t *testing.T) {
	for _, q := range [][]int64{{1, 2, 3}, {3, 2, 1}, {5, 5, 0, 9, 1}} {
		m := withClock(0, 3, 0, q...)
		for i, want := range q {
			if s := m.Tick(1); s.Event != sim.Receive || s.Value != want {
				t.Errorf("queue %v: receive %d = (%q, %d), want (receive, %d)", q, i, s.Event.Name(3), s.Value, want)
			}
		}
		if !m.NeedsRoll() {
			t.Errorf("queue %v: not empty after %d receives", q, len(q))
		}
	}
	// Far more messages than the initial capacity, with pops in between so
	// that the ring wraps around while it grows.
	m := sim.NewMachine(0, 2)
	next, want := int64(0), int64(0)
	for round := 0; round < 50; round++ {
		for range 37 {
			m.Deliver(next)
			next++
		}
		for range 20 {
			if v := m.Tick(0).Value; v != want {
				t.Fatalf("round %d: popped %d, want %d", round, v, want)
			}
			want++
		}
	}
	if got := int64(m.QueueLen()); got != next-want {
		t.Errorf("queue length %d, want %d", got, next-want)
	}
}

// Rule 2: the value sent is the clock before the increment, and a tick
// adds 1 (after taking the max with a received value).
func TestMachineSendValueAndIncrement(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		for _, clock := range []int64{0, 1, 7, 1000} {
			for face := 1; face <= n+2; face++ {
				m := withClock(n-1, n, clock)
				s := m.Tick(face)
				ev, v := s.Event, s.Value
				if v != clock {
					t.Errorf("n %d clock %d face %d (%q): value %d, want the clock before the tick %d", n, clock, face, ev.Name(n), v, clock)
				}
				if m.Clock() != clock+1 {
					t.Errorf("n %d clock %d face %d: clock after %d, want %d", n, clock, face, m.Clock(), clock+1)
				}
			}
		}
	}
	recv := []struct{ clock, msg, want int64 }{
		{0, 0, 1},
		{0, 5, 6}, // received value ahead
		{5, 0, 6}, // received value behind
		{5, 5, 6}, // equal
		{9, 10, 11},
		{10, 9, 11},
		{1 << 40, 1<<40 + 3, 1<<40 + 4},
	}
	for _, c := range recv {
		m := sim.NewMachine(0, 3)
		for range c.clock % 50 { // only small clocks through ticks
			m.Tick(4)
		}
		if c.clock >= 50 { // large clocks through a receive
			m.Deliver(c.clock - 1)
			m.Tick(0)
		}
		if m.Clock() != c.clock {
			t.Fatalf("set-up: clock %d, want %d", m.Clock(), c.clock)
		}
		m.Deliver(c.msg)
		s := m.Tick(0)
		ev, v := s.Event, s.Value
		if ev != sim.Receive || v != c.msg || m.Clock() != c.want {
			t.Errorf("clock %d receives %d: (%q, %d) clock %d, want (receive, %d) clock %d",
				c.clock, c.msg, ev.Name(3), v, m.Clock(), c.msg, c.want)
		}
	}
}

// Rule 2, the original's overrun: TickBy adds inc instead of 1, after the
// same max on a receive, and still sends the clock before the tick.
func TestMachineTickBy(t *testing.T) {
	cases := []struct {
		queue     []int64
		face      int
		inc       int64
		wantEv    sim.Event
		wantV     int64
		wantClock int64
	}{
		{nil, 1, 1, sim.SendTo(0), 3, 4},
		{nil, 1, 5, sim.SendTo(0), 3, 8},
		{nil, 3, 2, sim.Broadcast, 3, 5},
		{nil, 9, 3, sim.Internal, 3, 6},
		{[]int64{10}, 1, 2, sim.Receive, 10, 12},
		{[]int64{1}, 1, 4, sim.Receive, 1, 7},
	}
	for _, c := range cases {
		m := withClock(0, 3, 3, c.queue...)
		s := m.TickBy(c.face, c.inc)
		ev, v := s.Event, s.Value
		if ev != c.wantEv || v != c.wantV || m.Clock() != c.wantClock {
			t.Errorf("queue %v face %d inc %d: (%q, %d) clock %d, want (%q, %d) clock %d",
				c.queue, c.face, c.inc, ev.Name(3), v, m.Clock(), c.wantEv.Name(3), c.wantV, c.wantClock)
		}
	}
}

// Rule 3: peer p of machine i is machine p if p < i, else p+1.
func TestMachinePeerOrder(t *testing.T) {
	// SPEC's example: for machine 1 of 3, peer 0 = machine 0, peer 1 = machine 2.
	m := sim.NewMachine(1, 3)
	if m.PeerID(0) != 0 || m.PeerID(1) != 2 {
		t.Errorf("machine 1 of 3: peers %d, %d, want 0, 2", m.PeerID(0), m.PeerID(1))
	}
	want := map[int][][]int{
		2: {{1}, {0}},
		3: {{1, 2}, {0, 2}, {0, 1}},
		4: {{1, 2, 3}, {0, 2, 3}, {0, 1, 3}, {0, 1, 2}},
		5: {{1, 2, 3, 4}, {0, 2, 3, 4}, {0, 1, 3, 4}, {0, 1, 2, 4}, {0, 1, 2, 3}},
	}
	for n, byID := range want {
		for id, peers := range byID {
			m := sim.NewMachine(id, n)
			if m.ID() != id {
				t.Errorf("ID = %d, want %d", m.ID(), id)
			}
			for p, w := range peers {
				if got := m.PeerID(p); got != w {
					t.Errorf("n %d machine %d: PeerID(%d) = %d, want %d", n, id, p, got, w)
				}
			}
		}
	}
}

// Rules 3 and 4: faces 1..N-1 send to peer face-1, face N broadcasts to
// every peer, faces above N are internal.
func TestMachineFaces(t *testing.T) {
	for _, n := range []int{2, 3, 4, 5} {
		for face := 1; face <= n+4; face++ {
			var want sim.Event
			switch {
			case face < n:
				want = sim.SendTo(face - 1)
			case face == n:
				want = sim.Broadcast
			default:
				want = sim.Internal
			}
			m := sim.NewMachine(0, n)
			ev := m.Tick(face).Event
			if ev != want {
				t.Errorf("n %d face %d: %q, want %q", n, face, ev.Name(n), want.Name(n))
			}
			wantCopies := map[sim.Event]int{sim.Internal: 0, sim.Broadcast: n - 1}[want]
			if want.IsSend() {
				wantCopies = 1
				if ev.Peer() != face-1 {
					t.Errorf("n %d face %d: peer %d, want %d", n, face, ev.Peer(), face-1)
				}
			}
			if got := ev.Copies(n); got != wantCopies {
				t.Errorf("n %d face %d: %d copies, want %d", n, face, got, wantCopies)
			}
			if ev == sim.Broadcast && ev.IsSend() {
				t.Errorf("n %d: a broadcast reports IsSend", n)
			}
		}
	}
	if sim.Receive.Copies(3) != 0 || sim.Receive.IsSend() || sim.Internal.IsSend() {
		t.Error("receive or internal counted as a send")
	}
}

// Rule 4: the event names. N = 3 prints SPEC's exact strings; other N
// print "send <p>" padded to 8 characters and "send all". ParseEvent
// inverts Name.
func TestEventNames(t *testing.T) {
	cases := []struct {
		n    int
		ev   sim.Event
		name string
	}{
		{3, sim.Internal, "internal"},
		{3, sim.Receive, "receive "},
		{3, sim.SendTo(0), "send 0  "},
		{3, sim.SendTo(1), "send 1  "},
		{3, sim.Broadcast, "send 0+1"},
		{2, sim.Internal, "internal"},
		{2, sim.Receive, "receive "},
		{2, sim.SendTo(0), "send 0  "},
		{2, sim.Broadcast, "send all"},
		{4, sim.SendTo(0), "send 0  "},
		{4, sim.SendTo(2), "send 2  "},
		{4, sim.Broadcast, "send all"},
		{5, sim.SendTo(3), "send 3  "},
		{5, sim.Broadcast, "send all"},
		{12, sim.SendTo(10), "send 10 "},
		{12, sim.Broadcast, "send all"},
	}
	for _, c := range cases {
		if got := c.ev.Name(c.n); got != c.name {
			t.Errorf("n %d: Name = %q, want %q", c.n, got, c.name)
		}
		got, err := sim.ParseEvent(c.name, c.n)
		if err != nil || got != c.ev {
			t.Errorf("n %d: ParseEvent(%q) = %v, %v; want %v", c.n, c.name, got, err, c.ev)
		}
	}
	// Every event of every N from 2 to 12 round-trips, and names are
	// 8 characters and distinct.
	for n := 2; n <= 12; n++ {
		evs := []sim.Event{sim.Internal, sim.Receive, sim.Broadcast}
		for p := 0; p < n-1; p++ {
			evs = append(evs, sim.SendTo(p))
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			name := ev.Name(n)
			if len(name) != 8 {
				t.Errorf("n %d: %q is not 8 characters", n, name)
			}
			if seen[name] {
				t.Errorf("n %d: name %q used twice", n, name)
			}
			seen[name] = true
			if got, err := sim.ParseEvent(name, n); err != nil || got != ev {
				t.Errorf("n %d: ParseEvent(Name(%d) = %q) = %v, %v", n, ev, name, got, err)
			}
		}
	}
	bad := []struct {
		name string
		n    int
	}{
		{"send all", 3}, // the broadcast of other N
		{"send 0+1", 4}, // the broadcast of N = 3
		{"send 0+1", 2},
		{"send 2  ", 3}, // no peer 2 among 3 machines
		{"send 1  ", 2},
		{"send 0", 3}, // not padded
		{"receive", 3},
		{"internal ", 3},
		{"Internal", 3},
		{"", 3},
		{"send ", 3},
		{"send -1 ", 3},
		{"send 00 ", 3},
	}
	for _, c := range bad {
		if ev, err := sim.ParseEvent(c.name, c.n); err == nil {
			t.Errorf("n %d: ParseEvent(%q) = %v, want an error", c.n, c.name, ev)
		}
	}
}

// Rule 5: the queue length after a tick is the length after the pop.
func TestMachineQueueLengthAfterPop(t *testing.T) {
	for k := 0; k <= 5; k++ {
		q := make([]int64, k)
		m := withClock(2, 3, 0, q...)
		if m.QueueLen() != k {
			t.Fatalf("queue length %d before the tick, want %d", m.QueueLen(), k)
		}
		m.Tick(4)
		if want := max(k-1, 0); m.QueueLen() != want {
			t.Errorf("%d queued: length after the tick %d, want %d", k, m.QueueLen(), want)
		}
	}
}

// Reset returns the machine to clock 0 and an empty queue.
func TestMachineReset(t *testing.T) {
	m := withClock(1, 3, 5, 1, 2, 3)
	m.Reset()
	if m.Clock() != 0 || m.QueueLen() != 0 || !m.NeedsRoll() || m.ID() != 1 {
		t.Errorf("after Reset: clock %d, queue %d, id %d", m.Clock(), m.QueueLen(), m.ID())
	}
	m.Deliver(42)
	if s := m.Tick(0); s.Event != sim.Receive || s.Value != 42 {
		t.Errorf("after Reset and a delivery: (%q, %d), want (receive, 42)", s.Event.Name(3), s.Value)
	}
}
