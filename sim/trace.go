package sim

import (
	"cmp"
	"errors"
	"slices"
	"strconv"
)

// MessageState is what had become of a message when its run ended.
type MessageState uint8

const (
	// MessageReceived: a receive tick of the receiver took the message out
	// of its queue.
	MessageReceived MessageState = iota
	// MessageQueued: the message entered the receiver's queue before the
	// end and was still there.
	MessageQueued
	// MessageInFlight: the message was due in the receiver's queue at or
	// after the end of the run, so it never entered it.
	MessageInFlight
)

// messageStates are the states' names in messages.csv, by MessageState.
var messageStates = [...]string{"received", "queued", "in_flight"}

// String returns the state's name in messages.csv: "received", "queued"
// or "in_flight".
func (s MessageState) String() string {
	if int(s) < len(messageStates) {
		return messageStates[s]
	}
	return "MessageState(" + strconv.Itoa(int(s)) + ")"
}

// Message is one message copy of a run, as the message trace reports it
// (see Engine.RunTraced). Times are in ns since the start of the run.
type Message struct {
	// Seq is the send sequence number: the per-run counter of copies sent,
	// from 0, in the order the copies were sent (a broadcast sends to
	// peer 0 first). It is the order of deliveries that tie.
	Seq int64
	// From and To are the sending and the receiving machine.
	From, To int
	// Sent is the time of the sending tick.
	Sent int64
	// Value is the clock value carried: the sender's clock before the
	// sending tick's increment, its logged clock minus one.
	Value int64
	// Queued is the time at which the message entered the receiver's
	// queue: Sent + latency + jitter, raised to the link's previous
	// message's time. For a message in flight at the end it is the time
	// at which it would have entered, at or after the end.
	Queued int64
	// State says whether a receive took it out, or it was still queued or
	// in flight at the end.
	State MessageState
	// Received is the time of the receive tick that took the message out
	// of the queue, and Clock the receiver's clock after that tick; both
	// are 0 unless State is MessageReceived.
	Received, Clock int64
}

// MessageSink receives the messages of a traced run in batches. A batch is
// valid only during the call. An error stops the run.
type MessageSink interface {
	Messages(batch []Message) error
}

// msgBatch is the number of messages the tracer buffers before handing
// them to the sink.
const msgBatch = 256

// RunTraced is Run with a message trace: besides every record to sink, it
// hands every message copy of the run to msgs (see Message), as soon as
// its fate is known, so that the trace streams: a message when the
// receive tick that takes it out of the queue happens, in the engine's
// order of ticks (by time, then by machine index), and at the end those
// still queued or in flight, by sequence number. The records are exactly
// those of Run.
//
// The tracer keeps only the messages sent and not yet received, as the
// engine itself does. With msgs nil, RunTraced is Run; Run itself never
// traces and pays nothing for the possibility.
func (e *Engine) RunTraced(sink Sink, msgs MessageSink) error {
	if msgs == nil {
		return e.Run(sink)
	}
	if e.ran {
		return errRunTwice
	}
	e.ran = true
	if e.tr == nil {
		e.tr = &tracer{pend: make([]pendq, e.n)}
	}
	t := e.tr
	t.reset(msgs)
	e.sink = sink
	err := e.runTraced(t)
	e.sink = nil
	t.sink = nil
	return err
}

// errTraceDesync reports a tracer that lost step with the engine: a bug.
var errTraceDesync = errors.New("sim: the message trace lost step with the engine (a bug)")

// runTraced is run with the tracer's two hooks: after a tick that sent,
// and after a receive. It must stay run's copy in every other respect
// (TestRunTracedMatchesReference compares their records on many
// configurations); it is a copy so that run, the path of every untraced
// run, has no test of whether it traces.
func (e *Engine) runTraced(t *tracer) error {
	end := e.cfg.Duration
	chunk, base := e.sched.chunk, e.sched.base
	for {
		last := len(chunk) == 0 || base+chunk[len(chunk)-1].at >= end
		if last {
			k, _ := slices.BinarySearchFunc(chunk, end-base, func(s slot, t int64) int { return cmp.Compare(s.at, t) })
			chunk = chunk[:k]
		}
		for _, te := range chunk {
			at := base + te.at
			nd := te.nd
			if nd.due <= at {
				nd.deliver(at)
			}
			if nd.m.QueueLen() > MaxQueue {
				return ErrQueueLimit
			}
			face := 0
			if nd.m.NeedsRoll() {
				face = nd.die.Roll()
			}
			ev, v := nd.m.tick(face)
			nd.next = base + te.next
			if ev >= Broadcast {
				seq := e.sent
				e.send(nd, ev, v, at)
				t.sent(e, nd, ev, seq, v, at)
			} else if ev == Receive {
				if err := t.received(nd.m.ID(), at, v, nd.m.Clock()); err != nil {
					return err
				}
			}
			r := &nd.recs[nd.nrec&(recBatch-1)]
			r.At, r.Clock, r.Queue, r.Event = at, nd.m.Clock(), int64(nd.m.QueueLen()), ev
			nd.nrec++
			if nd.nrec == recBatch {
				if err := e.flush(nd); err != nil {
					return err
				}
			}
		}
		if last {
			break
		}
		chunk, base = e.sched.next()
	}
	for i := range e.nodes {
		e.nodes[i].deliver(end - 1)
	}
	for i := range e.nodes {
		if err := e.flush(&e.nodes[i]); err != nil {
			return err
		}
	}
	return t.finish(end)
}

// tracer follows every message of a traced run from its send to the tick
// that receives it. A receiver's queue is FIFO and its messages enter it
// in (Queued, Seq) order, so the k-th receive of a machine takes out the
// k-th message in that order: pend[j] holds machine j's messages sent and
// not yet received, in that order.
type tracer struct {
	sink  MessageSink
	pend  []pendq
	batch [msgBatch]Message
	nb    int
}

func (t *tracer) reset(sink MessageSink) {
	t.sink = sink
	t.nb = 0
	for i := range t.pend {
		t.pend[i].reset()
	}
}

// sent records the copies that the tick of nd at time at just sent (its
// event ev, value v), the first with sequence number seq, reading their
// delivery times from the engine as send left them.
func (t *tracer) sent(e *Engine, nd *node, ev Event, seq, v, at int64) {
	i := nd.m.ID()
	to := nd.m.targets(ev)
	for k := range to.Len() {
		j := to.At(k)
		q := at + e.cfg.Latency
		if e.links != nil {
			q = e.links[i*e.n+j].last
		}
		t.pend[j].push(pmsg{seq: seq + int64(k), from: int32(i), sent: at, value: v, queued: q})
	}
}

// received takes machine j's next message out of its pending list: the
// receive tick at time at popped value v and left the clock at clock.
func (t *tracer) received(j int, at, v, clock int64) error {
	p := &t.pend[j]
	if p.n == 0 {
		return errTraceDesync
	}
	m := &p.buf[p.head]
	p.head = (p.head + 1) & p.mask
	p.n--
	if m.value != v || m.queued > at {
		return errTraceDesync
	}
	b := &t.batch[t.nb]
	b.Seq, b.From, b.To, b.Sent, b.Value = m.seq, int(m.from), j, m.sent, m.value
	b.Queued, b.State, b.Received, b.Clock = m.queued, MessageReceived, at, clock
	t.nb++
	if t.nb == msgBatch {
		return t.flush()
	}
	return nil
}

func (t *tracer) flush() error {
	k := t.nb
	t.nb = 0
	if k == 0 {
		return nil
	}
	return t.sink.Messages(t.batch[:k])
}

// finish hands over the messages never received, by sequence number:
// queued if they entered their queue before end, else in flight.
func (t *tracer) finish(end int64) error {
	var left []Message
	for j := range t.pend {
		p := &t.pend[j]
		for p.n > 0 {
			m := p.pop()
			st := MessageQueued
			if m.queued >= end {
				st = MessageInFlight
			}
			left = append(left, Message{Seq: m.seq, From: int(m.from), To: j, Sent: m.sent, Value: m.value, Queued: m.queued, State: st})
		}
	}
	slices.SortFunc(left, func(a, b Message) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, m := range left {
		t.batch[t.nb] = m
		t.nb++
		if t.nb == msgBatch {
			if err := t.flush(); err != nil {
				return err
			}
		}
	}
	return t.flush()
}

// pmsg is a message sent and not yet received.
type pmsg struct {
	seq, sent, value, queued int64
	from                     int32
}

// pendq is a ring of pending messages sorted by (queued, seq), like the
// engine's inbox: a message is inserted from the tail after every message
// due no later than it (and so sent before it).
type pendq struct {
	buf        []pmsg
	head, n    int
	mask       int
	lastQueued int64
}

func (p *pendq) reset() { p.head, p.n = 0, 0 }

func (p *pendq) push(m pmsg) {
	if p.n == len(p.buf) {
		c := max(16, 2*len(p.buf))
		nb := make([]pmsg, c)
		for i := 0; i < p.n; i++ {
			nb[i] = p.buf[(p.head+i)&p.mask]
		}
		p.buf, p.head, p.mask = nb, 0, c-1
	}
	i := p.head + p.n
	if p.n > 0 && m.queued < p.lastQueued {
		for i > p.head && p.buf[(i-1)&p.mask].queued > m.queued {
			p.buf[i&p.mask] = p.buf[(i-1)&p.mask]
			i--
		}
	}
	p.buf[i&p.mask] = m
	p.n++
	p.lastQueued = p.buf[(p.head+p.n-1)&p.mask].queued
}

func (p *pendq) pop() pmsg {
	m := p.buf[p.head]
	p.head = (p.head + 1) & p.mask
	p.n--
	return m
}
