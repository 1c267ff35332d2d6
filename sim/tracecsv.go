package sim

import (
	"encoding/binary"
	"io"
)

// MessagesHeader is the header line of a message trace, messages.csv.
const MessagesHeader = "seq,from,to,send_time,value,queue_time,state,receive_time,receive_clock\n"

// MessageWriter writes a run's messages as messages.csv: the header line
// MessagesHeader, then one line per message copy, in the order the
// tracer hands them over (see Engine.RunTraced):
//
//	seq,from,to,send_time,value,queue_time,state,receive_time,receive_clock
//	0,0,1,0.000000000,0,0.000100000,received,0.166666666,2
//	57,2,1,59.500000000,290,59.500100000,queued,,
//
// Times are in seconds since the start of the run with exactly 9
// decimals, like the logs; state is "received", "queued" or "in_flight"
// (see MessageState), and receive_time and receive_clock are empty unless
// the message was received. Lines are formatted with integer arithmetic
// into a 64 KiB buffer. It implements MessageSink; call Flush at the end.
type MessageWriter struct {
	w   io.Writer
	buf []byte
}

// NewMessageWriter returns a MessageWriter to w, its header buffered.
func NewMessageWriter(w io.Writer) *MessageWriter {
	m := &MessageWriter{w: w, buf: make([]byte, 0, logBufSize)}
	m.buf = append(m.buf, MessagesHeader...)
	return m
}

// maxMessageLine bounds a line's length: six integers of up to 20 digits,
// three times of up to 30 characters, the state (9 at most), 8 commas and
// the newline.
const maxMessageLine = 6*20 + 3*30 + 9 + 9

// Messages implements MessageSink.
func (m *MessageWriter) Messages(b []Message) error {
	buf := m.buf
	for i := range b {
		if cap(buf)-len(buf) < maxMessageLine {
			if _, err := m.w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		buf = AppendMessage(buf, &b[i])
	}
	m.buf = buf
	return nil
}

// Flush writes out everything buffered.
func (m *MessageWriter) Flush() error {
	if len(m.buf) > 0 {
		if _, err := m.w.Write(m.buf); err != nil {
			return err
		}
	}
	m.buf = m.buf[:0]
	return nil
}

// AppendMessage appends the line of messages.csv for msg, with its
// newline. The line is formatted right to left into a small array, two
// digits at a time, and appended at once, as AppendLine does.
func AppendMessage(dst []byte, msg *Message) []byte {
	var b [maxMessageLine]byte
	i := len(b) - 1
	b[i] = '\n'
	if msg.State == MessageReceived {
		i = putUintM(&b, i, uint64(msg.Clock))
		i--
		b[i] = ','
		i = putSecondsM(&b, i, uint64(msg.Received))
	} else {
		i--
		b[i] = ','
	}
	i--
	b[i] = ','
	st := messageStates[0]
	if int(msg.State) < len(messageStates) {
		st = messageStates[msg.State]
	}
	i -= len(st)
	copy(b[i:], st)
	i--
	b[i] = ','
	i = putSecondsM(&b, i, uint64(msg.Queued))
	i--
	b[i] = ','
	i = putUintM(&b, i, uint64(msg.Value))
	i--
	b[i] = ','
	i = putSecondsM(&b, i, uint64(msg.Sent))
	i--
	b[i] = ','
	i = putUintM(&b, i, uint64(msg.To))
	i--
	b[i] = ','
	i = putUintM(&b, i, uint64(msg.From))
	i--
	b[i] = ','
	i = putUintM(&b, i, uint64(msg.Seq))
	return append(dst, b[i:]...)
}

// putSecondsM is putSeconds for a message line, four digits at a time
// from digits4: three times per line make this the line's largest cost.
func putSecondsM(b *[maxMessageLine]byte, i int, ns uint64) int {
	f := uint32(ns % 1e9)
	hi, lo := f/100000, f%100000 // 4 and 5 decimals
	i -= 10
	b[i] = '.'
	binary.LittleEndian.PutUint32(b[i+1:], digits4[hi])
	binary.LittleEndian.PutUint32(b[i+5:], digits4[lo/10])
	b[i+9] = byte('0' + lo%10)
	return putUintM(b, i, ns/1e9)
}

// putUintM is putUint for a message line, four digits at a time.
func putUintM(b *[maxMessageLine]byte, i int, v uint64) int {
	for v >= 10000 {
		i -= 4
		binary.LittleEndian.PutUint32(b[i:], digits4[v%10000])
		v /= 10000
	}
	if v >= 100 {
		d := v % 100 * 2
		v /= 100
		i -= 2
		b[i], b[i+1] = digits2[d], digits2[d+1]
	}
	if v >= 10 {
		i -= 2
		b[i], b[i+1] = digits2[v*2], digits2[v*2+1]
	} else {
		i--
		b[i] = byte('0' + v)
	}
	return i
}

// digits4 holds "0000" to "9999" as little-endian words (40 KB).
var digits4 = func() *[10000]uint32 {
	var t [10000]uint32
	for v := range t {
		t[v] = uint32('0'+v/1000) | uint32('0'+v/100%10)<<8 | uint32('0'+v/10%10)<<16 | uint32('0'+v%10)<<24
	}
	return &t
}()
