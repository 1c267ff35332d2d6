package sim

import "io"

// LogWriter writes records as docs/model.md's log lines, one writer per machine:
//
//	event,time,queue_length,logical_clock
//
// with time in seconds since the start of the run and exactly 9 decimals
// (nanoseconds), e.g. "send 0  ,0.166666666,0,1". Lines are formatted with
// integer arithmetic only, into a 64 KiB buffer per machine. It implements
// Sink; call Flush at the end.
type LogWriter struct {
	ws    []io.Writer
	bufs  [][]byte
	names *EventCodec
}

const logBufSize = 64 << 10

// NewLogWriter returns a LogWriter for a run of len(ws) machines; machine i
// writes to ws[i].
func NewLogWriter(ws []io.Writer) *LogWriter {
	n := len(ws)
	l := &LogWriter{ws: ws, bufs: make([][]byte, n), names: NewEventCodec(n)}
	for i := range l.bufs {
		l.bufs[i] = make([]byte, 0, logBufSize)
	}
	return l
}

// maxLine bounds a line's length after the name: 20+10 digits of time, two
// 20-digit integers and separators.
const maxLine = 128

// Records implements Sink.
func (l *LogWriter) Records(machine int, b []Record) error {
	buf := l.bufs[machine]
	for i := range b {
		name := l.names.Name(b[i].Event)
		if cap(buf)-len(buf) < maxLine+len(name) {
			if _, err := l.ws[machine].Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		buf = append(buf, name...)
		buf = append(buf, ',')
		buf = AppendLine(buf, &b[i])
	}
	l.bufs[machine] = buf
	return nil
}

// Flush writes out everything buffered.
func (l *LogWriter) Flush() error {
	for i, buf := range l.bufs {
		if len(buf) > 0 {
			if _, err := l.ws[i].Write(buf); err != nil {
				return err
			}
		}
		l.bufs[i] = buf[:0]
	}
	return nil
}

// AppendLine appends the part of a log line after the event name and its
// comma: "time,queue_length,logical_clock\n". The line is formatted right
// to left into a small array, two digits at a time, and appended at once.
func AppendLine(dst []byte, r *Record) []byte {
	var b [3*20 + 14]byte
	i := len(b) - 1
	b[i] = '\n'
	i = putUint(&b, i, uint64(r.Clock))
	i--
	b[i] = ','
	i = putUint(&b, i, uint64(r.Queue))
	i--
	b[i] = ','
	i = putSeconds(&b, i, uint64(r.At))
	return append(dst, b[i:]...)
}

// putSeconds writes ns nanoseconds as seconds with 9 decimals so that they
// end just before b[i], and returns the index of the first digit.
func putSeconds(b *[74]byte, i int, ns uint64) int {
	f := ns % 1e9
	i--
	b[i] = byte('0' + f%10)
	f /= 10
	for k := 0; k < 4; k++ {
		d := f % 100 * 2
		f /= 100
		i -= 2
		b[i], b[i+1] = digits2[d], digits2[d+1]
	}
	i--
	b[i] = '.'
	return putUint(b, i, ns/1e9)
}

// putUint writes v in decimal so that it ends just before b[i], and returns
// the index of its first digit.
func putUint(b *[74]byte, i int, v uint64) int {
	for v >= 100 {
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

// digits2 holds "00" to "99".
const digits2 = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// AppendSeconds appends ns nanoseconds (≥ 0) as seconds with exactly 9
// decimals: 166666666 → "0.166666666".
func AppendSeconds(dst []byte, ns int64) []byte {
	var b [74]byte
	i := putSeconds(&b, len(b), uint64(ns))
	return append(dst, b[i:]...)
}
