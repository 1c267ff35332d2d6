package sim

// Machine is one machine of the model: a Lamport clock and an unbounded
// FIFO queue of received clock values. It is pure: see the package
// documentation.
type Machine struct {
	id, n int
	clock int64
	queue fifo
}

// NewMachine returns machine id of n machines (0 ≤ id < n < 2^31), its
// clock 0 and queue empty.
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

// Deliver appends a received clock value to the tail of the queue.
func (m *Machine) Deliver(v int64) { m.queue.push(v) }

// tryDeliver is Deliver when the queue has room, and reports whether it
// delivered. It is the engine's fast path: Deliver may grow the queue and
// does not inline, tryDeliver does.
func (m *Machine) tryDeliver(v int64) bool { return m.queue.tryPush(v) }

// NeedsRoll reports whether the next tick rolls the die: it does exactly
// when the queue is empty.
func (m *Machine) NeedsRoll() bool { return m.queue.n == 0 }

// Step is what one tick did: its event, the value it sent or received,
// and the machines it sent that value to.
type Step struct {
	// Event is the tick's event, the one its log line names.
	Event Event
	// Value is the clock value sent (the clock before the increment) for
	// a send or a broadcast, the value popped for a receive, and the clock
	// before the increment for an internal event.
	Value int64
	// To is where the tick sent Value: one machine for a single send,
	// every other machine for a broadcast, none otherwise.
	To Targets
}

// Targets is the list of machines a tick sends its value to, in index
// order and never including the sending machine itself: the one peer of a
// single send, every other machine for a broadcast (peer 0 first, so that
// copies are sent in the order the model requires), and none for a
// receive or an internal event. Its zero value is the empty list. A driver
// sends the value to each of them in this order:
//
//	for k := range s.To.Len() {
//		send(s.To.At(k), s.Value)
//	}
type Targets struct {
	lo, hi int32 // the peers lo..hi-1
	self   int32 // the sender, whose peers they are
}

// Len returns the number of machines in the list: 0, 1, or N-1 for a
// broadcast (it equals the event's Copies).
func (t Targets) Len() int { return int(t.hi - t.lo) }

// At returns the machine index of the k-th target, 0 ≤ k < Len(): the
// machine index of peer lo+k (see Machine.PeerID).
func (t Targets) At(k int) int {
	p := int(t.lo) + k
	if p >= int(t.self) {
		p++
	}
	return p
}

// Tick performs one tick with increment 1 and returns what it did. face is
// the die's face when NeedsRoll is true, and is ignored otherwise: faces
// 1..N-1 send to peer face-1, face N broadcasts, and any other value is an
// internal event (a die with R ≥ N faces never shows one below 1). The
// Step gives the event, the value and the machines to send the value to;
// after the tick, Clock and QueueLen give the values to log.
func (m *Machine) Tick(face int) Step {
	ev, v := m.tick(face)
	return Step{Event: ev, Value: v, To: m.targets(ev)}
}

// TickBy is Tick with step 3 adding inc (≥ 1) to the clock instead of 1, as
// the original implementation did when a step overran its period (it added
// the number of whole periods the step took). The simulator always uses
// Tick; a wall-clock driver uses TickBy after an overrun.
func (m *Machine) TickBy(face int, inc int64) Step {
	s := m.Tick(face)
	m.clock += inc - 1
	return s
}

// tick is Tick without building the Step: it decides the tick, for Tick
// and for the engine, and returns the event and the value. It exists as
// the engine's fast path: tick is just within the compiler's inlining
// budget (cost 79 of 80), while Tick, which also fills in the targets, is
// not, and calling Tick once per tick slowed the engine by 2 % on A1 and
// 7 % on the receive-heavy A2. The engine inlines tick and asks targets
// for the recipients only when the tick sent something.
func (m *Machine) tick(face int) (ev Event, value int64) {
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

// targets returns the machines that a tick with event ev sends to.
func (m *Machine) targets(ev Event) Targets {
	switch {
	case ev == Broadcast:
		return Targets{lo: 0, hi: int32(m.n - 1), self: int32(m.id)}
	case ev.IsSend():
		p := int32(ev.Peer())
		return Targets{lo: p, hi: p + 1, self: int32(m.id)}
	}
	return Targets{self: int32(m.id)}
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
