package sim

import (
	"encoding/binary"
	"io"
	"math/bits"
	"slices"
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
// newline. The fields are written straight into dst, each integer's
// length counted first and its digits then written four at a time from a
// table, right to left within its place.
func AppendMessage(dst []byte, msg *Message) []byte {
	dst = slices.Grow(dst, maxMessageLine)
	dst = appendUint(dst, uint64(msg.Seq))
	dst = append(dst, ',')
	dst = appendUint(dst, uint64(msg.From))
	dst = append(dst, ',')
	dst = appendUint(dst, uint64(msg.To))
	dst = append(dst, ',')
	dst = appendSec(dst, uint64(msg.Sent))
	dst = append(dst, ',')
	dst = appendUint(dst, uint64(msg.Value))
	dst = append(dst, ',')
	dst = appendSec(dst, uint64(msg.Queued))
	dst = append(dst, ',')
	st := messageStates[0]
	if int(msg.State) < len(messageStates) {
		st = messageStates[msg.State]
	}
	dst = append(dst, st...)
	if msg.State != MessageReceived {
		return append(dst, ",,\n"...)
	}
	dst = append(dst, ',')
	dst = appendSec(dst, uint64(msg.Received))
	dst = append(dst, ',')
	dst = appendUint(dst, uint64(msg.Clock))
	return append(dst, '\n')
}

// appendSec appends ns nanoseconds as seconds with 9 decimals; dst must
// have room for 30 bytes.
func appendSec(dst []byte, ns uint64) []byte {
	dst = appendUint(dst, ns/1e9)
	f := uint32(ns % 1e9)
	hi, lo := f/100000, f%100000 // 4 and 5 decimals
	l := len(dst)
	dst = dst[:l+10]
	dst[l] = '.'
	binary.LittleEndian.PutUint32(dst[l+1:], digits4[hi])
	binary.LittleEndian.PutUint32(dst[l+5:], digits4[lo/10])
	dst[l+9] = byte('0' + lo%10)
	return dst
}

// appendUint appends v in decimal; dst must have room for 20 bytes.
// Numbers below 10^4 (most seconds, values and machine numbers) take one
// table lookup.
func appendUint(dst []byte, v uint64) []byte {
	l := len(dst)
	if v >= 10000 {
		return appendLong(dst, v)
	}
	w := digits4[v]
	switch {
	case v >= 1000:
		dst = dst[:l+4]
		binary.LittleEndian.PutUint32(dst[l:], w)
	case v >= 100:
		dst = dst[:l+3]
		dst[l], dst[l+1], dst[l+2] = byte(w>>8), byte(w>>16), byte(w>>24)
	case v >= 10:
		dst = dst[:l+2]
		dst[l], dst[l+1] = byte(w>>16), byte(w>>24)
	default:
		dst = dst[:l+1]
		dst[l] = byte(w >> 24)
	}
	return dst
}

// appendLong is appendUint for v ≥ 10^4: its length counted first, its
// digits written four at a time right to left.
func appendLong(dst []byte, v uint64) []byte {
	l := len(dst)
	n := decimalLen(v)
	dst = dst[:l+n]
	i := l + n
	for v >= 10000 {
		i -= 4
		binary.LittleEndian.PutUint32(dst[i:], digits4[v%10000])
		v /= 10000
	}
	return appendUint(dst[:l], v)[:l+n]
}

// decimalLen returns the number of decimal digits of v ≥ 1.
func decimalLen(v uint64) int {
	n := (bits.Len64(v) * 1233) >> 12 // floor(log10(2^bits)) or one less
	if v >= pow10u[n] {
		n++
	}
	return n
}

var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// digits4 holds "0000" to "9999" as little-endian words (40 KB).
var digits4 = func() *[10000]uint32 {
	var t [10000]uint32
	for v := range t {
		t[v] = uint32('0'+v/1000) | uint32('0'+v/100%10)<<8 | uint32('0'+v/10%10)<<16 | uint32('0'+v%10)<<24
	}
	return &t
}()
