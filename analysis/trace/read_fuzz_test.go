package trace_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"desim/analysis"
	"desim/analysis/trace"
	"desim/sim"
)

// checkLogError fails unless err is an *analysis.LogError of the file
// name at a line.
func checkLogError(t *testing.T, err error, name string) {
	t.Helper()
	var le *analysis.LogError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a *analysis.LogError", err, err)
	}
	if le.File != name || le.Line < 1 || !strings.HasPrefix(err.Error(), fmt.Sprintf("%s:%d: ", name, le.Line)) {
		t.Fatalf("error %q does not start with %s:<line>: ", err, name)
	}
}

// FuzzMessageReader reads arbitrary bytes as messages.csv of a run of 2
// to 9 machines. Nothing panics; every error is an *analysis.LogError
// naming the file and a line; and whatever is accepted is exactly what
// sim.MessageWriter writes for the messages read (the format has one
// spelling per message).
func FuzzMessageReader(f *testing.F) {
	h := sim.MessagesHeader
	f.Add([]byte(h+"0,0,1,0.000000000,0,0.000100000,received,0.166666666,2\n1,1,2,0.500000000,3,0.500100000,queued,,\n"), uint8(3))
	f.Add([]byte(h+"4,2,0,1.000000000,7,1.000000001,received,1.000000001,8\n5,0,2,1.000000000,9,1.000000002,received,1.000000002,10\n3,1,0,0.9,1,4.000000000,in_flight,,\n"), uint8(3))
	f.Add([]byte(h+"9223372036854775807,1,0,9223372036.854775807,9223372036854775807,9223372036.854775807,in_flight,,\n"), uint8(2))
	f.Add([]byte(h+"0,0,1,0.000000000,0,0.000100000,received,0.166666666,2"), uint8(2))
	f.Add([]byte(h+"00,0,1,0.000000000,0,0.000100000,received,0.166666666,2\n"), uint8(2))
	f.Add([]byte(h+"1,0,1,0.000000000,0,0.000100000,queued,0.166666666,2\n0,1,0,1.000000000,0,1.000100000,received,1.1,2\n"), uint8(2))
	f.Add([]byte("seq,from\n"), uint8(2))
	f.Add([]byte(""), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		machines := 2 + int(n%8)
		r := trace.NewMessageReader(bytes.NewReader(data), "messages.csv", machines)
		var msgs []sim.Message
		for {
			var m sim.Message
			err := r.Next(&m)
			if err == io.EOF {
				break
			}
			if err != nil {
				checkLogError(t, err, "messages.csv")
				return
			}
			if m.From < 0 || m.From >= machines || m.To < 0 || m.To >= machines || m.From == m.To || m.Queued < m.Sent {
				t.Fatalf("accepted %+v", m)
			}
			msgs = append(msgs, m)
		}
		var buf bytes.Buffer
		w := sim.NewMessageWriter(&buf)
		w.Messages(msgs)
		w.Flush()
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("accepted input is not desim's spelling of its messages:\n%q\n%q", data, buf.Bytes())
		}
	})
}

// FuzzLogReader reads arbitrary bytes as one machine's log of a run of 2
// to 9 machines, with the same properties: no panic, errors naming file
// and line, and accepted input equal to what sim.LogWriter writes.
func FuzzLogReader(f *testing.F) {
	f.Add([]byte("internal,0.000000000,0,1\nsend 0  ,0.166666666,0,2\nreceive ,0.333333333,3,9\nsend 0+1,1.000000000,0,10\n"), uint8(3))
	f.Add([]byte("send all,12.000000000,0,5\nsend 3  ,12.000000001,0,6\n"), uint8(5))
	f.Add([]byte("internal,0.000000000,0,1\ninternal,0.000000000,0,2\n"), uint8(2))
	f.Add([]byte("internal,0.5,0,1\n"), uint8(2))
	f.Add([]byte("internal,1.000000000,0,0\n"), uint8(2))
	f.Add([]byte("receive ,9223372036.854775807,9223372036854775807,9223372036854775807\n"), uint8(2))
	f.Add([]byte("internal,0.000000000,0,1"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		machines := 2 + int(n%8)
		r := trace.NewLogReader(bytes.NewReader(data), "machine-0.csv", machines)
		var recs []sim.Record
		for {
			var rec sim.Record
			err := r.Next(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				checkLogError(t, err, "machine-0.csv")
				return
			}
			if rec.Clock < 1 || rec.Queue < 0 || len(recs) > 0 && rec.At <= recs[len(recs)-1].At {
				t.Fatalf("accepted %+v", rec)
			}
			recs = append(recs, rec)
		}
		var buf bytes.Buffer
		ws := make([]io.Writer, machines)
		for i := range ws {
			ws[i] = io.Discard
		}
		ws[0] = &buf
		w := sim.NewLogWriter(ws)
		for k := range recs {
			w.Records(0, recs[k:k+1])
		}
		w.Flush()
		if !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("accepted input is not desim's spelling of its records:\n%q\n%q", data, buf.Bytes())
		}
	})
}

// The readers' errors say what is wrong, at the right line.
func TestReaderErrors(t *testing.T) {
	h := sim.MessagesHeader
	ok := "0,0,1,0.000000000,0,0.000100000,received,0.166666666,2\n"
	for _, c := range []struct{ in, want string }{
		{"", "messages.csv:1: empty file"},
		{"seq,from,to\n", "messages.csv:1: header is"},
		{h + "0,0,1\n", "messages.csv:2: 3 fields, want 9"},
		{h + ok + "1,0,1,0.000000000,0,0.000100000,received,0.166666666,2,7\n", "messages.csv:3: 10 fields"},
		{h + "x,0,1,0.000000000,0,0.000100000,received,0.166666666,2\n", "seq \"x\" is not"},
		{h + "0,0,3,0.000000000,0,0.000100000,received,0.166666666,2\n", "not a machine of a run of 3"},
		{h + "0,1,1,0.000000000,0,0.000100000,received,0.166666666,2\n", "the same machine"},
		{h + "0,0,1,0.1,0,0.000100000,received,0.166666666,2\n", "send_time \"0.1\" is not a time"},
		{h + "0,0,1,0.000200000,0,0.000100000,received,0.166666666,2\n", "queue_time 0.000100000 s is before"},
		{h + "0,0,1,0.000000000,0,0.000100000,received,0.000000000,2\n", "receive_time 0.000000000 s is before"},
		{h + "0,0,1,0.000000000,5,0.000100000,received,0.166666666,5\n", "receive_clock 5 is not above"},
		{h + "0,0,1,0.000000000,0,0.000100000,lost,,\n", "state \"lost\""},
		{h + "0,0,1,0.000000000,0,0.000100000,queued,1.000000000,\n", "a message queued has no receive_time"},
		{h + "0,0,1,0.000000000,0,0.000100000,queued,,\n" + ok, "messages.csv:3: a received message after the unreceived"},
		{h + ok + ok, "messages.csv:3: received at 0.166666666 s by machine 1, after"},
		{h + "4,0,1,0.000000000,0,0.000100000,queued,,\n3,0,1,0.000000000,0,0.000100000,queued,,\n", "seq 3 after seq 4"},
		{h + strings.TrimSuffix(ok, "\n"), "messages.csv:2: the last line has no newline"},
		{h + strings.Repeat("1", 2000) + "\n", "longer than 1024 bytes"},
	} {
		r := trace.NewMessageReader(strings.NewReader(c.in), "messages.csv", 3)
		var err error
		for err == nil {
			var m sim.Message
			err = r.Next(&m)
		}
		if err == io.EOF || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"internal,0.000000000,0\n", "machine-0.csv:1: 3 fields, want 4"},
		{"send 2  ,0.000000000,0,1\n", "unknown event \"send 2  \" for 3 machines"},
		{"internal,0.000000000,0,1\ninternal,0.000000000,0,2\n", "machine-0.csv:2: time 0.000000000 s is not after"},
		{"internal,1,0,1\n", "time \"1\" is not a time"},
		{"internal,0.000000000,-1,1\n", "queue_length \"-1\""},
		{"internal,0.000000000,0,0\n", "logical_clock \"0\" is not a positive"},
	} {
		r := trace.NewLogReader(strings.NewReader(c.in), "machine-0.csv", 3)
		var err error
		for err == nil {
			var rec sim.Record
			err = r.Next(&rec)
		}
		if err == io.EOF || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
	}
}
