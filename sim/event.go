package sim

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"sync/atomic"
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

// Name returns the event's name in the log of a run of n machines: it is
// NewEventCodec(n).Name(e), which see.
func (e Event) Name(n int) string { return NewEventCodec(n).Name(e) }

// ParseEvent is the inverse of Name for a run of n machines: it accepts
// exactly the names Name produces for that n, and is
// NewEventCodec(n).Parse with an error that quotes the rejected name.
func ParseEvent(name string, n int) (Event, error) {
	if ev, ok := NewEventCodec(n).Parse([]byte(name)); ok {
		return ev, nil
	}
	return 0, fmt.Errorf("unknown event %q for %d machines", name, n)
}

// AppendToken appends the event's token in the control messages of the
// real mode (package realtime): "i" for Internal, "r" for Receive, "b" for
// Broadcast and "s<p>" for SendTo(p), p in decimal. Unlike a name, a token
// has no spaces and does not depend on the number of machines;
// EventCodec.ParseToken reads it back.
func (e Event) AppendToken(dst []byte) []byte {
	switch {
	case e == Internal:
		return append(dst, 'i')
	case e == Receive:
		return append(dst, 'r')
	case e == Broadcast:
		return append(dst, 'b')
	}
	return strconv.AppendUint(append(dst, 's'), uint64(e.Peer()), 10)
}

// EventCodec is the one table of event names: it converts the events of a
// run of n machines to and from their names in the logs, and reads the
// tokens of the real mode's control messages (see Event.AppendToken). The
// log writer, the log reader of package analysis, Event.Name, ParseEvent
// and package realtime all go through it.
//
// The names are docs/model.md's 8-character strings for n = 3: "internal",
// "receive ", "send 0  ", "send 1  " and "send 0+1". For other n a single
// send to peer p is "send <p>" padded with spaces to 8 characters (longer
// from p = 1000 on, unpadded) and a broadcast is "send all". An
// EventCodec is immutable and safe for concurrent use.
type EventCodec struct {
	n     int
	names []string // by Event
	// words holds each name of 8 bytes as a little-endian word (0 for
	// other lengths), by Event; byWord indexes them when there are more
	// than maxLinearEvents events, byName holds the names of other lengths.
	words  []uint64
	byWord map[uint64]Event
	byName map[string]Event
}

// maxLinearEvents is the most events Parse searches linearly.
const maxLinearEvents = 8

// maxCachedCodec is the largest machine count whose codec NewEventCodec
// keeps once built: every count of a real run (realtime.MaxMachines) and
// any likely simulation, so that Event.Name, ParseEvent and the control
// protocol's parser, which ask for a codec per call, build it only once.
const maxCachedCodec = 256

var (
	codecs    [maxCachedCodec + 1]atomic.Pointer[EventCodec]
	lastLarge atomic.Pointer[EventCodec] // the latest codec of more machines
)

// NewEventCodec returns the codec of a run of n machines (n ≥ 0; the
// events are Internal, Receive, Broadcast and SendTo(p) for p in
// 0..n-2). Codecs of up to 256 machines are built once and shared; of
// larger counts, the latest one built is kept and shared.
func NewEventCodec(n int) *EventCodec {
	if n < 0 || n > maxCachedCodec {
		if c := lastLarge.Load(); c != nil && c.n == n {
			return c
		}
		c := newEventCodec(n)
		lastLarge.Store(c)
		return c
	}
	if c := codecs[n].Load(); c != nil {
		return c
	}
	codecs[n].CompareAndSwap(nil, newEventCodec(n))
	return codecs[n].Load()
}

func newEventCodec(n int) *EventCodec {
	count := int(sendBase) + max(n-1, 0)
	c := &EventCodec{n: n, names: make([]string, count), words: make([]uint64, count)}
	for e := range c.names {
		s := eventName(Event(e), n)
		c.names[e] = s
		if len(s) == 8 {
			c.words[e] = binary.LittleEndian.Uint64([]byte(s))
		} else {
			if c.byName == nil {
				c.byName = make(map[string]Event)
			}
			c.byName[s] = Event(e)
		}
	}
	if count > maxLinearEvents {
		c.byWord = make(map[uint64]Event, count)
		for e, w := range c.words {
			if w != 0 {
				c.byWord[w] = Event(e)
			}
		}
	}
	return c
}

// eventName spells the name of event e among n machines; the codec's table
// is built from it and nothing else spells a name.
func eventName(e Event, n int) string {
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

// Machines returns the number of machines n of the codec's run.
func (c *EventCodec) Machines() int { return c.n }

// Events returns the number of distinct events of the run, n + 2 for
// n ≥ 1: the events are the values 0 to Events()-1.
func (c *EventCodec) Events() int { return len(c.names) }

// Name returns the name of ev in the log. An ev that is not an event of
// the run (a send to a peer ≥ n-1) has no name: Name returns
// "event(<number>)", which Parse rejects.
func (c *EventCodec) Name(ev Event) string {
	if uint(ev) < uint(len(c.names)) {
		return c.names[ev]
	}
	return noName(ev)
}

// noName is the name of an event outside the table; split from Name so
// that Name inlines.
//
//go:noinline
func noName(ev Event) string { return "event(" + strconv.FormatUint(uint64(ev), 10) + ")" }

// Append appends the name of ev to dst, as Name gives it.
func (c *EventCodec) Append(dst []byte, ev Event) []byte { return append(dst, c.Name(ev)...) }

// Parse returns the event whose name is exactly b, trailing spaces
// included, and whether there is one. Names of 8 bytes (every name of
// fewer than 1002 machines) are compared as one 64-bit word, so Parse
// costs a few comparisons and does not allocate.
func (c *EventCodec) Parse(b []byte) (Event, bool) {
	if len(b) != 8 {
		e, ok := c.byName[string(b)]
		return e, ok
	}
	w := binary.LittleEndian.Uint64(b)
	if c.byWord != nil {
		e, ok := c.byWord[w]
		return e, ok
	}
	for e, x := range c.words {
		if w == x {
			return Event(e), true
		}
	}
	return 0, false
}

// ParseToken returns the event whose control-message token (see
// Event.AppendToken) is exactly b, and whether there is one: the peer of a
// send must be in 0..n-2 and written in canonical decimal.
func (c *EventCodec) ParseToken(b []byte) (Event, bool) {
	if len(b) == 1 {
		switch b[0] {
		case 'i':
			return Internal, true
		case 'r':
			return Receive, true
		case 'b':
			return Broadcast, true
		}
		return 0, false
	}
	if len(b) < 2 || b[0] != 's' || len(b) > 11 || b[1] == '0' && len(b) > 2 {
		return 0, false
	}
	var p uint64 // at most 10 digits: no overflow
	for _, d := range b[1:] {
		if d < '0' || d > '9' {
			return 0, false
		}
		p = p*10 + uint64(d-'0')
	}
	if c.n < 2 || p >= uint64(c.n-1) {
		return 0, false
	}
	return SendTo(int(p)), true
}
