package trace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"desim/analysis"
	"desim/sim"
)

// Files names a traced run's files: its logs in machine order and its
// message trace.
type Files struct {
	Logs     []string // machine i's log, machine-<i>.csv
	Messages string   // messages.csv
}

// Options choose what Scan computes and checks beyond the logs and the
// trace themselves.
type Options struct {
	// Vector computes every tick's vector timestamp (Tick.VC).
	Vector bool
	// Duration is the run's length in ns, when known (0 otherwise): a
	// message is then checked to be queued exactly when its queue_time is
	// before it, and in flight otherwise.
	Duration int64
}

// Tick is one tick of a traced run as Scan hands it over: the log's
// record, with the message it received or the messages it sent. Its
// slices belong to Scan and are valid during the call only.
type Tick struct {
	Machine int
	sim.Record
	// Index is the tick's number on its machine, from 0.
	Index int64
	// Msg is, for a receive, the message that the tick took out of the
	// queue (its line of messages.csv); nil otherwise.
	Msg *sim.Message
	// Seq and To are, for a send or a broadcast, the sequence number of
	// the first copy sent and the machines the copies went to, in order
	// (copy k has sequence number Seq+k); To is empty otherwise.
	Seq int64
	To  []int
	// VC is the machine's vector timestamp after the tick, with
	// Options.Vector: element i counts the events of machine i that
	// happened before or at this one. A tick increments its own element;
	// a receive first takes the element-wise maximum with SentVC.
	VC []int64
	// SentVC is, for a receive with Options.Vector, the sender's vector
	// timestamp at the send of the message received.
	SentVC []int64
}

// Handler receives what Scan reads. Tick is called for every tick in the
// engine's order: by time, then by machine index; Unreceived (if not nil)
// for every message never received, after the last tick, by sequence
// number, with the sender's vector timestamp at the send (with
// Options.Vector). A handler that returns ErrStop ends the scan without
// an error; any other error ends it with that error.
type Handler struct {
	Tick       func(t *Tick) error
	Unreceived func(m *sim.Message, sentVC []int64) error
}

// ErrStop, returned by a Handler, stops Scan early; Scan then returns nil.
var ErrStop = errors.New("trace: stop")

// pending is a message sent and not yet received, as the logs tell it.
type pending struct {
	from, to int
	sent     int64
	value    int64
	vc       []int64 // the send's vector timestamp, shared by its copies
}

// cursor is one machine's log as Scan walks it: the next record ahead.
type cursor struct {
	r     *LogReader
	f     *os.File
	rec   sim.Record
	ok    bool  // rec holds the next record
	index int64 // the next record's tick number
	clock int64 // clock after the previous tick
}

// Scan reads a traced run, its logs and its messages.csv, together in
// one streaming pass in the engine's order of ticks, and hands every tick
// to h with the message it received or the copies it sent (and, with
// opt.Vector, its vector timestamp). It keeps in memory only the messages
// sent and not yet received (with their vector timestamps), so that its
// memory does not grow with the length of the run.
//
// As it goes it checks the trace against the logs: every receive tick
// takes out the next received message of messages.csv, received by that
// machine at that time with the clock the log gives; that message was
// sent by a send or broadcast tick of its sender, with the sequence
// number that tick's copies had, at that time and carrying the sender's
// logged clock minus one; the receiver's clock is the maximum of its
// previous clock and the value, plus one; every other tick adds one to
// the clock and leaves the queue empty; messages on each link are
// received in the order they were sent; the messages never received are
// exactly those sent and not received, queued or in flight as
// opt.Duration says. A log or trace that breaks any of these is an
// *analysis.LogError naming the file and line, so is any malformed line
// (see LogReader and MessageReader).
func Scan(files Files, opt Options, h Handler) error {
	n := len(files.Logs)
	if n < 2 {
		return fmt.Errorf("trace: need the logs of at least 2 machines, have %d", n)
	}
	mf, err := os.Open(files.Messages)
	if err != nil {
		return err
	}
	defer mf.Close()
	cur := make([]cursor, n)
	defer func() {
		for i := range cur {
			if cur[i].f != nil {
				cur[i].f.Close()
			}
		}
	}()
	for i, p := range files.Logs {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		cur[i] = cursor{r: NewLogReader(f, p, n), f: f}
	}
	s := &scanner{n: n, opt: opt, h: h, cur: cur, mr: NewMessageReader(mf, files.Messages, n), pend: map[int64]pending{}}
	err = s.run()
	if err == ErrStop {
		return nil
	}
	return err
}

type scanner struct {
	n    int
	opt  Options
	h    Handler
	cur  []cursor
	heap []int // machines with a record ahead, by (time, machine)
	mr   *MessageReader
	msg  sim.Message
	// more says msg holds the next line of messages.csv.
	more bool
	pend map[int64]pending
	// lastSeq is, per link from*n+to, the sequence number of the link's
	// latest message received, -1 for none.
	lastSeq map[int64]int64
	seq     int64 // the next copy's sequence number
	tick    Tick
	vc      [][]int64 // per machine, with opt.Vector
	slab    []int64   // storage for the sends' vector timestamps
}

func (s *scanner) run() error {
	for i := range s.cur {
		if err := s.advance(i); err != nil {
			return err
		}
		if s.cur[i].ok {
			s.push(i)
		}
	}
	if err := s.readMsg(); err != nil {
		return err
	}
	s.lastSeq = map[int64]int64{}
	if s.opt.Vector {
		s.vc = make([][]int64, s.n)
		for i := range s.vc {
			s.vc[i] = make([]int64, s.n)
		}
	}
	for len(s.heap) > 0 {
		i := s.heap[0]
		c := &s.cur[i]
		rec := c.rec
		if err := s.step(i, c, rec); err != nil {
			return err
		}
		c.index++
		c.clock = rec.Clock
		if err := s.advance(i); err != nil {
			return err
		}
		if c.ok {
			s.down(0)
		} else {
			s.pop()
		}
	}
	return s.rest()
}

// advance reads machine i's next record.
func (s *scanner) advance(i int) error {
	c := &s.cur[i]
	err := c.r.Next(&c.rec)
	switch {
	case err == io.EOF: // an empty log is a machine that never ticked
		c.ok = false
		return nil
	case err != nil:
		return err
	}
	c.ok = true
	return nil
}

func (s *scanner) readMsg() error {
	err := s.mr.Next(&s.msg)
	if err == io.EOF {
		s.more = false
		return nil
	}
	s.more = err == nil
	return err
}

// logErr returns an error at machine i's current line.
func (s *scanner) logErr(i int, format string, args ...any) error {
	c := &s.cur[i]
	return &analysis.LogError{File: c.r.Name(), Line: c.r.Line(), Msg: fmt.Sprintf(format, args...)}
}

// msgErr returns an error at messages.csv's current line.
func (s *scanner) msgErr(format string, args ...any) error {
	return &analysis.LogError{File: s.mr.Name(), Line: s.mr.Line(), Msg: fmt.Sprintf(format, args...)}
}

// step checks and hands over machine i's tick rec.
func (s *scanner) step(i int, c *cursor, rec sim.Record) error {
	t := &s.tick
	*t = Tick{Machine: i, Record: rec, Index: c.index, To: t.To[:0]}
	var own []int64
	if s.opt.Vector {
		own = s.vc[i]
	}
	switch ev := rec.Event; {
	case ev == sim.Receive:
		if !s.more || s.msg.State != sim.MessageReceived || s.msg.To != i || s.msg.Received != rec.At {
			return s.logErr(i, "a receive at %s s, but %s", seconds(rec.At), s.expected())
		}
		m := &s.msg
		p, sent := s.pend[m.Seq]
		switch {
		case !sent:
			return s.msgErr("message %d was not sent by a send of the logs, or was received already", m.Seq)
		case p.from != m.From || p.to != m.To || p.sent != m.Sent || p.value != m.Value:
			return s.msgErr("message %d is from %d to %d sent at %s s with value %d, but the logs send it from %d to %d at %s s with value %d (the sender's clock minus one)",
				m.Seq, m.From, m.To, seconds(m.Sent), m.Value, p.from, p.to, seconds(p.sent), p.value)
		case rec.Clock != max(c.clock, m.Value)+1 || m.Clock != rec.Clock:
			return s.logErr(i, "clock %d after receiving value %d with clock %d before, and %d in messages.csv line %d: want %d",
				rec.Clock, m.Value, c.clock, m.Clock, s.mr.Line(), max(c.clock, m.Value)+1)
		}
		link := int64(m.From)*int64(s.n) + int64(m.To)
		if last, ok := s.lastSeq[link]; ok && last > m.Seq {
			return s.msgErr("message %d from %d to %d received after message %d of the same link: a link is FIFO", m.Seq, m.From, m.To, last)
		}
		s.lastSeq[link] = m.Seq
		delete(s.pend, m.Seq)
		t.Msg = m
		if own != nil {
			for k, x := range p.vc {
				own[k] = max(own[k], x)
			}
			t.SentVC = p.vc
		}
	default:
		if rec.Clock != c.clock+1 {
			return s.logErr(i, "clock %d after %d: a tick that does not receive adds one", rec.Clock, c.clock)
		}
		if rec.Queue != 0 {
			return s.logErr(i, "queue length %d after a tick that did not receive: it only happens with an empty queue", rec.Queue)
		}
	}
	if own != nil {
		own[i]++
		t.VC = own
	}
	if ev := rec.Event; ev == sim.Broadcast || ev.IsSend() {
		var vc []int64
		if own != nil {
			if len(s.slab) < s.n {
				s.slab = make([]int64, max(4096, s.n))
			}
			vc, s.slab = s.slab[:s.n:s.n], s.slab[s.n:]
			copy(vc, own)
		}
		t.Seq = s.seq
		for p := range ev.Copies(s.n) {
			j := p
			if ev.IsSend() {
				j = ev.Peer()
			}
			if j >= i {
				j++
			}
			t.To = append(t.To, j)
			s.pend[s.seq] = pending{from: i, to: j, sent: rec.At, value: rec.Clock - 1, vc: vc}
			s.seq++
		}
	}
	if s.h.Tick != nil {
		if err := s.h.Tick(t); err != nil {
			return err
		}
	}
	if t.Msg != nil {
		return s.readMsg()
	}
	return nil
}

// expected describes the next line of messages.csv, for an error.
func (s *scanner) expected() string {
	if !s.more {
		return fmt.Sprintf("%s has no more messages", s.mr.Name())
	}
	m := &s.msg
	if m.State != sim.MessageReceived {
		return fmt.Sprintf("the next message of %s (line %d) is %s", s.mr.Name(), s.mr.Line(), m.State)
	}
	return fmt.Sprintf("the next message of %s (line %d) is received by machine %d at %s s", s.mr.Name(), s.mr.Line(), m.To, seconds(m.Received))
}

// rest checks the messages never received against those sent and not
// received, and hands them over.
func (s *scanner) rest() error {
	keys := make([]int64, 0, len(s.pend))
	for k := range s.pend {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !s.more {
			return s.msgErr("ends before message %d, sent at %s s and never received", k, seconds(s.pend[k].sent))
		}
		m := &s.msg
		p := s.pend[k]
		switch {
		case m.State == sim.MessageReceived:
			return s.msgErr("message %d received by machine %d at %s s, when its log has no receive then", m.Seq, m.To, seconds(m.Received))
		case m.Seq != k:
			return s.msgErr("message %d, where the logs leave message %d unreceived next", m.Seq, k)
		case p.from != m.From || p.to != m.To || p.sent != m.Sent || p.value != m.Value:
			return s.msgErr("message %d is from %d to %d sent at %s s with value %d, but the logs send it from %d to %d at %s s with value %d",
				m.Seq, m.From, m.To, seconds(m.Sent), m.Value, p.from, p.to, seconds(p.sent), p.value)
		case s.opt.Duration > 0 && (m.State == sim.MessageQueued) != (m.Queued < s.opt.Duration):
			return s.msgErr("message %d is %s with queue_time %s s in a run of %s s", m.Seq, m.State, seconds(m.Queued), seconds(s.opt.Duration))
		}
		if s.h.Unreceived != nil {
			if err := s.h.Unreceived(m, p.vc); err != nil {
				return err
			}
		}
		if err := s.readMsg(); err != nil {
			return err
		}
	}
	if s.more {
		if s.msg.State == sim.MessageReceived {
			return s.msgErr("message %d received by machine %d at %s s, when its log has no receive then", s.msg.Seq, s.msg.To, seconds(s.msg.Received))
		}
		return s.msgErr("message %d was never sent by the logs", s.msg.Seq)
	}
	return nil
}

// The heap of machines with a record ahead, ordered by (time, machine):
// the engine's order of ticks.

func (s *scanner) less(a, b int) bool {
	x, y := &s.cur[s.heap[a]], &s.cur[s.heap[b]]
	return x.rec.At < y.rec.At || x.rec.At == y.rec.At && s.heap[a] < s.heap[b]
}

func (s *scanner) push(i int) {
	s.heap = append(s.heap, i)
	for k := len(s.heap) - 1; k > 0; {
		p := (k - 1) / 2
		if !s.less(k, p) {
			break
		}
		s.heap[k], s.heap[p] = s.heap[p], s.heap[k]
		k = p
	}
}

func (s *scanner) pop() {
	last := len(s.heap) - 1
	s.heap[0] = s.heap[last]
	s.heap = s.heap[:last]
	if last > 0 {
		s.down(0)
	}
}

func (s *scanner) down(k int) {
	for {
		l := 2*k + 1
		if l >= len(s.heap) {
			return
		}
		m := l
		if r := l + 1; r < len(s.heap) && s.less(r, l) {
			m = r
		}
		if !s.less(m, k) {
			return
		}
		s.heap[k], s.heap[m] = s.heap[m], s.heap[k]
		k = m
	}
}
