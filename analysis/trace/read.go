package trace

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"desim/analysis"
	"desim/sim"
)

// maxLine is the longest line either reader accepts, in bytes: a valid
// line of messages.csv is under 220 bytes, a log line under 100 (for
// fewer than 10^8 machines).
const maxLine = 1024

// lineReader reads the lines of one file for the readers below: each line
// must end in "\n" (a file that does not is truncated), and none may be
// longer than maxLine.
type lineReader struct {
	br   *bufio.Reader
	name string
	line int
}

func newLineReader(r io.Reader, name string) lineReader {
	return lineReader{br: bufio.NewReaderSize(r, 64<<10), name: name}
}

// next returns the next line without its newline, or io.EOF at the end.
func (l *lineReader) next() ([]byte, error) {
	b, err := l.br.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull) || len(b) > maxLine:
		l.line++
		return nil, l.errf("line is longer than %d bytes", maxLine)
	case err == io.EOF && len(b) == 0:
		return nil, io.EOF
	case err == io.EOF:
		l.line++
		return nil, l.errf("the last line has no newline: the file is truncated")
	default:
		return nil, fmt.Errorf("%s:%d: %w", l.name, l.line+1, err)
	}
	l.line++
	if len(b) > maxLine {
		return nil, l.errf("line is longer than %d bytes", maxLine)
	}
	return b[:len(b)-1], nil
}

// errf returns a *analysis.LogError at the current line.
func (l *lineReader) errf(format string, args ...any) error {
	return &analysis.LogError{File: l.name, Line: l.line, Msg: fmt.Sprintf(format, args...)}
}

// fields splits b at commas into exactly len(dst) fields, and reports
// whether there were exactly that many.
func fields(b []byte, dst [][]byte) (int, bool) {
	n := 0
	for n < len(dst)-1 {
		i := bytes.IndexByte(b, ',')
		if i < 0 {
			dst[n] = b
			return n + 1, false
		}
		dst[n], b = b[:i], b[i+1:]
		n++
	}
	dst[n] = b
	if bytes.IndexByte(b, ',') >= 0 {
		return n + 1 + bytes.Count(b, []byte{','}), false
	}
	return n + 1, true
}

const maxInt64 = uint64(1<<63 - 1)

// parseInt parses a non-negative integer in canonical decimal: digits
// only, no leading zero (but "0"), below 2^63.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 1 && b[0] == '0' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || v > (maxInt64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return int64(v), true
}

// parseSeconds parses a time as desim writes it: seconds in canonical
// decimal, a point and exactly 9 decimals, below 2^63 ns.
func parseSeconds(b []byte) (int64, bool) {
	k := len(b) - 10
	if k < 1 || b[k] != '.' {
		return 0, false
	}
	sec, ok := parseInt(b[:k])
	if !ok || sec > int64(maxInt64/1e9) {
		return 0, false
	}
	var frac int64
	for _, c := range b[k+1:] {
		d := int64(c - '0')
		if uint64(d) > 9 {
			return 0, false
		}
		frac = frac*10 + d
	}
	ns := uint64(sec)*1e9 + uint64(frac)
	if ns > maxInt64 {
		return 0, false
	}
	return int64(ns), true
}

func quote(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40])) + "..."
	}
	return strconv.Quote(string(b))
}

func seconds(ns int64) string { return string(sim.AppendSeconds(nil, ns)) }

// MessageReader reads a message trace, messages.csv in the format of
// sim.MessageWriter, one message at a time, and checks everything that
// the file alone can tell:
//
//   - the header line is sim.MessagesHeader, and every line after it has
//     the nine columns, each in the exact form desim writes (canonical
//     integers, times with 9 decimals, a state name);
//   - from and to are different machines below n;
//   - times are in order: send_time ≤ queue_time, and for a received
//     message queue_time ≤ receive_time; receive_time and receive_clock
//     are given exactly when the state is "received", and the receiver's
//     clock after the receive exceeds the value;
//   - lines are in the order of the trace: the received messages by
//     receive time and then receiver (a machine receives at most one
//     message per tick), then the others by sequence number.
//
// What only the logs can tell, Scan and Check check. Every problem is an
// *analysis.LogError naming the file and line.
type MessageReader struct {
	lr     lineReader
	n      int
	header bool
	prev   sim.Message
	any    bool
}

// NewMessageReader returns a reader of the messages.csv in r of a run of n
// machines; name names the file in errors.
func NewMessageReader(r io.Reader, name string, n int) *MessageReader {
	return &MessageReader{lr: newLineReader(r, name), n: n}
}

// Line returns the line number of the message read last (the header is
// line 1).
func (r *MessageReader) Line() int { return r.lr.line }

// Name returns the file name used in errors.
func (r *MessageReader) Name() string { return r.lr.name }

// Next reads the next message into m. It returns io.EOF after the last.
func (r *MessageReader) Next(m *sim.Message) error {
	if !r.header {
		b, err := r.lr.next()
		if err == io.EOF {
			r.lr.line = 1
			return r.lr.errf("empty file: no header line %q", sim.MessagesHeader[:len(sim.MessagesHeader)-1])
		}
		if err != nil {
			return err
		}
		if string(b) != sim.MessagesHeader[:len(sim.MessagesHeader)-1] {
			return r.lr.errf("header is %s, want %q", quote(b), sim.MessagesHeader[:len(sim.MessagesHeader)-1])
		}
		r.header = true
	}
	b, err := r.lr.next()
	if err != nil {
		return err
	}
	if msg := r.parse(b, m); msg != "" {
		return r.lr.errf("%s", msg)
	}
	if r.any {
		if msg := order(&r.prev, m); msg != "" {
			return r.lr.errf("%s", msg)
		}
	}
	r.prev, r.any = *m, true
	return nil
}

var columns = [9]string{"seq", "from", "to", "send_time", "value", "queue_time", "state", "receive_time", "receive_clock"}

// parse parses one line into m and returns "" or what is wrong with it.
func (r *MessageReader) parse(b []byte, m *sim.Message) string {
	var f [9][]byte
	if k, ok := fields(b, f[:]); !ok {
		return fmt.Sprintf("%d fields, want 9 (%s)", k, sim.MessagesHeader[:len(sim.MessagesHeader)-1])
	}
	var v [9]int64
	for _, c := range []int{0, 1, 2, 4} {
		x, ok := parseInt(f[c])
		if !ok {
			return fmt.Sprintf("%s %s is not a non-negative integer below 2^63 in canonical form", columns[c], quote(f[c]))
		}
		v[c] = x
	}
	for _, c := range []int{3, 5} {
		x, ok := parseSeconds(f[c])
		if !ok {
			return fmt.Sprintf("%s %s is not a time in seconds with 9 decimals", columns[c], quote(f[c]))
		}
		v[c] = x
	}
	var st sim.MessageState
	switch string(f[6]) {
	case "received":
		st = sim.MessageReceived
	case "queued":
		st = sim.MessageQueued
	case "in_flight":
		st = sim.MessageInFlight
	default:
		return fmt.Sprintf("state %s is not received, queued or in_flight", quote(f[6]))
	}
	if st == sim.MessageReceived {
		x, ok := parseSeconds(f[7])
		if !ok {
			return fmt.Sprintf("receive_time %s is not a time in seconds with 9 decimals", quote(f[7]))
		}
		y, ok := parseInt(f[8])
		if !ok {
			return fmt.Sprintf("receive_clock %s is not a non-negative integer below 2^63 in canonical form", quote(f[8]))
		}
		v[7], v[8] = x, y
	} else if len(f[7]) != 0 || len(f[8]) != 0 {
		return fmt.Sprintf("a message %s has no receive_time or receive_clock", st)
	}
	*m = sim.Message{Seq: v[0], Sent: v[3], Value: v[4], Queued: v[5], State: st, Received: v[7], Clock: v[8]}
	switch {
	case v[1] >= int64(r.n) || v[2] >= int64(r.n):
		return fmt.Sprintf("from %d or to %d is not a machine of a run of %d", v[1], v[2], r.n)
	case v[1] == v[2]:
		return fmt.Sprintf("from and to are the same machine %d", v[1])
	case m.Queued < m.Sent:
		return fmt.Sprintf("queue_time %s s is before send_time %s s", seconds(m.Queued), seconds(m.Sent))
	case st == sim.MessageReceived && m.Received < m.Queued:
		return fmt.Sprintf("receive_time %s s is before queue_time %s s", seconds(m.Received), seconds(m.Queued))
	case st == sim.MessageReceived && m.Clock <= m.Value:
		return fmt.Sprintf("receive_clock %d is not above the value %d", m.Clock, m.Value)
	}
	m.From, m.To = int(v[1]), int(v[2])
	return ""
}

// order returns "" if m may follow p in a trace, or why not.
func order(p, m *sim.Message) string {
	switch {
	case m.State == sim.MessageReceived && p.State != sim.MessageReceived:
		return "a received message after the unreceived ones (received messages come first)"
	case m.State == sim.MessageReceived && (m.Received < p.Received || m.Received == p.Received && m.To <= p.To):
		return fmt.Sprintf("received at %s s by machine %d, after a message received at %s s by machine %d (want the order of receive time, then receiver)",
			seconds(m.Received), m.To, seconds(p.Received), p.To)
	case m.State != sim.MessageReceived && p.State != sim.MessageReceived && m.Seq <= p.Seq:
		return fmt.Sprintf("seq %d after seq %d (unreceived messages come in sequence order)", m.Seq, p.Seq)
	}
	return ""
}

// LogReader reads one machine's log as desim writes it (sim.LogWriter),
// one record at a time, for the streaming passes of this package: the
// original implementation's logs have no trace. Lines must be exactly in
// desim's form (the event's name for the run's machine count, the time
// with 9 decimals, canonical integers), times strictly increasing (a
// machine ticks at most once per nanosecond) and clocks at least 1.
// Every problem is an *analysis.LogError naming the file and line.
type LogReader struct {
	lr    lineReader
	codec *sim.EventCodec
	prev  int64
}

// NewLogReader returns a reader of machine i's log in r for a run of n
// machines; name names the file in errors.
func NewLogReader(r io.Reader, name string, n int) *LogReader {
	return &LogReader{lr: newLineReader(r, name), codec: sim.NewEventCodec(n), prev: -1}
}

// Line returns the line number of the record read last.
func (r *LogReader) Line() int { return r.lr.line }

// Name returns the file name used in errors.
func (r *LogReader) Name() string { return r.lr.name }

// Next reads the next record into rec. It returns io.EOF after the last.
func (r *LogReader) Next(rec *sim.Record) error {
	b, err := r.lr.next()
	if err != nil {
		return err
	}
	var f [4][]byte
	if k, ok := fields(b, f[:]); !ok {
		return r.lr.errf("%d fields, want 4 (event,time,queue_length,logical_clock)", k)
	}
	ev, ok := r.codec.Parse(f[0])
	if !ok {
		return r.lr.errf("unknown event %s for %d machines", quote(f[0]), r.codec.Machines())
	}
	at, ok := parseSeconds(f[1])
	if !ok {
		return r.lr.errf("time %s is not a time in seconds with 9 decimals", quote(f[1]))
	}
	q, ok := parseInt(f[2])
	if !ok {
		return r.lr.errf("queue_length %s is not a non-negative integer below 2^63 in canonical form", quote(f[2]))
	}
	c, ok := parseInt(f[3])
	if !ok || c == 0 {
		return r.lr.errf("logical_clock %s is not a positive integer below 2^63 in canonical form", quote(f[3]))
	}
	if at <= r.prev {
		return r.lr.errf("time %s s is not after the previous line's %s s", seconds(at), seconds(r.prev))
	}
	r.prev = at
	*rec = sim.Record{At: at, Clock: c, Queue: q, Event: ev}
	return nil
}
