package sim

import (
	"fmt"
	"strconv"
)

// Event is what one tick did. Its values are Internal, Receive, Broadcast
// and SendTo(p) for a send to peer p.
type Event uint32

const (
	// Internal is a tick that rolled a face above N: nothing is sent.
	Internal Event = 0
	// Receive is a tick that popped a message from the queue.
	Receive Event = 1
	// Broadcast is a tick that rolled face N and sent to every peer.
	Broadcast Event = 2
	sendBase  Event = 3
)

// SendTo is the event of a tick that sent to peer p only (face p+1).
func SendTo(peer int) Event { return sendBase + Event(peer) }

// IsSend reports whether the tick sent to exactly one peer.
func (e Event) IsSend() bool { return e >= sendBase }

// Peer returns the peer index of a single send; it is meaningful only when
// IsSend is true.
func (e Event) Peer() int { return int(e - sendBase) }

// Copies is the number of messages the tick sent among n machines.
func (e Event) Copies(n int) int {
	switch {
	case e == Broadcast:
		return n - 1
	case e.IsSend():
		return 1
	}
	return 0
}

// Name returns the event's name in the log of a run of n machines. For
// n = 3 these are SPEC.md's exact 8-character strings: "internal",
// "receive ", "send 0  ", "send 1  " and "send 0+1". For other n a single
// send is "send <p>" padded with spaces to 8 characters and a broadcast is
// "send all".
func (e Event) Name(n int) string {
	switch {
	case e == Internal:
		return "internal"
	case e == Receive:
		return "receive "
	case e == Broadcast:
		if n == 3 {
			return "send 0+1"
		}
		return "send all"
	}
	s := "send " + strconv.Itoa(e.Peer())
	for len(s) < 8 {
		s += " "
	}
	return s
}

// ParseEvent is the inverse of Name for a run of n machines: it accepts
// exactly the names Name produces for that n.
func ParseEvent(name string, n int) (Event, error) {
	switch name {
	case "internal":
		return Internal, nil
	case "receive ":
		return Receive, nil
	}
	if name == Broadcast.Name(n) {
		return Broadcast, nil
	}
	if len(name) > 5 && name[:5] == "send " {
		for p := 0; p < n-1; p++ {
			if name == SendTo(p).Name(n) {
				return SendTo(p), nil
			}
		}
	}
	return 0, fmt.Errorf("unknown event %q for %d machines", name, n)
}

// Machine is one machine of the model: a Lamport clock and an unbounded
// FIFO queue of received clock values. It is pure: see the package
// documentation.
type Machine struct {
	id, n int
	clock int64
	queue fifo
}

// NewMachine returns machine id of n machines, its clock 0 and queue empty.
func NewMachine(id, n int) Machine { return Machine{id: id, n: n} }

// Reset sets the clock to 0 and empties the queue, keeping its storage.
func (m *Machine) Reset() {
	m.clock = 0
	m.queue.reset()
}

// ID returns the machine's index.
func (m *Machine) ID() int { return m.id }

// Clock returns the logical clock.
func (m *Machine) Clock() int64 { return m.clock }

// QueueLen returns the number of messages waiting in the queue.
func (m *Machine) QueueLen() int { return m.queue.n }

// PeerID returns the machine index of peer p: p if p < id, else p+1.
func (m *Machine) PeerID(p int) int {
	if p < m.id {
		return p
	}
	return p + 1
}

// Recipients returns the machines that a tick with event ev sends to, as
// the range [lo, hi) of machine indices less the machine itself: the one
// peer of a single send, every other machine for a broadcast (peer 0
// first), none for a receive or an internal event. A driver sends the
// value Tick returned to each of them, in index order.
func (m *Machine) Recipients(ev Event) (lo, hi int) {
	switch {
	case ev == Broadcast:
		return 0, m.n
	case ev.IsSend():
		j := m.PeerID(ev.Peer())
		return j, j + 1
	}
	return 0, 0
}

// Deliver appends a received clock value to the tail of the queue.
func (m *Machine) Deliver(v int64) { m.queue.push(v) }

// tryDeliver is Deliver when the queue has room, for the engine's hot path;
// it reports whether it delivered.
func (m *Machine) tryDeliver(v int64) bool { return m.queue.tryPush(v) }

// NeedsRoll reports whether the next tick rolls the die: it does exactly
// when the queue is empty.
func (m *Machine) NeedsRoll() bool { return m.queue.n == 0 }

// Tick performs one tick with increment 1 and returns what it did. face is
// the die's face when NeedsRoll is true, and is ignored otherwise: faces
// 1..N-1 send to peer face-1, face N broadcasts, and any other value is an
// internal event (a die with R ≥ N faces never shows one below 1). value
// is the clock value sent (the clock before the increment) for a send or a
// broadcast, the value popped for a receive, and the clock before the
// increment for an internal event. After the tick, Clock and QueueLen give
// the values to log.
//
// Tick is small enough for the compiler to inline into a driver's loop.
func (m *Machine) Tick(face int) (ev Event, value int64) {
	value = m.clock
	if q := &m.queue; q.n > 0 {
		value = q.buf[q.head]
		q.head = (q.head + 1) & q.mask
		q.n--
		m.clock = max(m.clock, value)
		ev = Receive
	} else if face == m.n {
		ev = Broadcast
	} else if uint(face-1) < uint(m.n) {
		ev = Event(face) + sendBase - 1 // SendTo(face - 1)
	}
	m.clock++
	return ev, value
}

// TickBy is Tick with step 3 adding inc (≥ 1) to the clock instead of 1, as
// the original implementation did when a step overran its period (it added
// the number of whole periods the step took). The simulator always uses
// Tick; a wall-clock driver uses TickBy after an overrun.
func (m *Machine) TickBy(face int, inc int64) (ev Event, value int64) {
	ev, value = m.Tick(face)
	m.clock += inc - 1
	return ev, value
}

// fifo is an unbounded ring buffer of int64 with power-of-two capacity.
type fifo struct {
	buf  []int64
	head int
	n    int
	mask int // len(buf) - 1
}

func (f *fifo) reset() { f.head, f.n = 0, 0 }

func (f *fifo) push(v int64) {
	if !f.tryPush(v) {
		f.grow()
		f.tryPush(v)
	}
}

// tryPush appends v when there is room, and reports whether it did. Split
// from push so that this common case has no call and inlines.
func (f *fifo) tryPush(v int64) bool {
	if f.n == len(f.buf) {
		return false
	}
	f.buf[(f.head+f.n)&f.mask] = v
	f.n++
	return true
}

//go:noinline
func (f *fifo) grow() {
	c := max(16, 2*len(f.buf))
	nb := make([]int64, c)
	for i := 0; i < f.n; i++ {
		nb[i] = f.buf[(f.head+i)&f.mask]
	}
	f.buf, f.head, f.mask = nb, 0, c-1
}
