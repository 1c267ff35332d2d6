package sim

import (
	"bufio"
	"io"
	"strconv"
)

// LogWriter writes records as SPEC.md's log lines, one writer per machine:
//
//	event,time,queue_length,logical_clock
//
// with time in seconds since the start of the run and exactly 9 decimals
// (nanoseconds), e.g. "send 0  ,0.166666666,0,1". Lines are formatted with
// integer arithmetic only. It implements Sink; call Flush at the end.
type LogWriter struct {
	ws    []*bufio.Writer
	names [][]byte // by Event
}

// NewLogWriter returns a LogWriter for a run of len(ws) machines; machine i
// writes to ws[i].
func NewLogWriter(ws []io.Writer) *LogWriter {
	n := len(ws)
	l := &LogWriter{ws: make([]*bufio.Writer, n), names: eventNames(n)}
	for i, w := range ws {
		l.ws[i] = bufio.NewWriterSize(w, 64<<10)
	}
	return l
}

// eventNames returns each event's name and a comma, indexed by Event.
func eventNames(n int) [][]byte {
	names := make([][]byte, int(sendBase)+max(n-1, 0))
	for e := range names {
		names[e] = append([]byte(Event(e).Name(n)), ',')
	}
	return names
}

// Records implements Sink.
func (l *LogWriter) Records(machine int, b []Record) error {
	w := l.ws[machine]
	for i := range b {
		if w.Available() < 96 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		line := w.AvailableBuffer()
		line = append(line, l.names[b[i].Event]...)
		line = AppendLine(line, &b[i])
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes out everything buffered.
func (l *LogWriter) Flush() error {
	for _, w := range l.ws {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// AppendLine appends the part of a log line after the event name and its
// comma: "time,queue_length,logical_clock\n".
func AppendLine(dst []byte, r *Record) []byte {
	dst = AppendSeconds(dst, r.At)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, r.Queue, 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, r.Clock, 10)
	return append(dst, '\n')
}

// AppendSeconds appends ns nanoseconds (≥ 0) as seconds with exactly 9
// decimals: 166666666 → "0.166666666".
func AppendSeconds(dst []byte, ns int64) []byte {
	dst = strconv.AppendInt(dst, ns/1e9, 10)
	var frac [10]byte
	frac[0] = '.'
	f := ns % 1e9
	for i := 9; i >= 1; i-- {
		frac[i] = byte('0' + f%10)
		f /= 10
	}
	return append(dst, frac[:]...)
}
