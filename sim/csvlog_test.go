package sim_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"desim/sim"
)

// Rule 13: the log format.

func TestAppendSeconds(t *testing.T) {
	cases := []struct {
		ns   int64
		want string
	}{
		{0, "0.000000000"},
		{1, "0.000000001"},
		{9, "0.000000009"},
		{10, "0.000000010"},
		{166666666, "0.166666666"},
		{333333333, "0.333333333"},
		{999999999, "0.999999999"},
		{1e9, "1.000000000"},
		{1e9 + 1, "1.000000001"},
		{12_345_678_901, "12.345678901"},
		{60e9, "60.000000000"},
		{3600e9 + 500e6, "3600.500000000"},
		{1e16, "10000000.000000000"}, // MaxDuration
		{1e16 - 1, "9999999.999999999"},
		{math.MaxInt64, "9223372036.854775807"},
	}
	for _, c := range cases {
		if got := string(sim.AppendSeconds(nil, c.ns)); got != c.want {
			t.Errorf("AppendSeconds(%d) = %q, want %q", c.ns, got, c.want)
		}
		if got := string(sim.AppendSeconds([]byte("x,"), c.ns)); got != "x,"+c.want {
			t.Errorf("AppendSeconds appends: %q", got)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100_000 {
		ns := rng.Int64N(1 << uint(rng.IntN(62)+1))
		want := fmt.Sprintf("%d.%09d", ns/1e9, ns%1e9)
		if got := string(sim.AppendSeconds(nil, ns)); got != want {
			t.Fatalf("AppendSeconds(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestAppendLine(t *testing.T) {
	cases := []struct {
		r    sim.Record
		want string
	}{
		{sim.Record{At: 0, Clock: 1, Queue: 0, Event: sim.Internal}, "0.000000000,0,1\n"},
		{sim.Record{At: 166666666, Clock: 2, Queue: 0, Event: sim.SendTo(0)}, "0.166666666,0,2\n"},
		{sim.Record{At: 60e9, Clock: 12345, Queue: 678, Event: sim.Receive}, "60.000000000,678,12345\n"},
		{sim.Record{At: 7, Clock: math.MaxInt64, Queue: 1 << 27, Event: sim.Receive}, "0.000000007,134217728,9223372036854775807\n"},
		{sim.Record{At: 1, Clock: 10, Queue: 99, Event: sim.Receive}, "0.000000001,99,10\n"},
		{sim.Record{At: 1, Clock: 100, Queue: 9, Event: sim.Receive}, "0.000000001,9,100\n"},
	}
	for _, c := range cases {
		if got := string(sim.AppendLine(nil, &c.r)); got != c.want {
			t.Errorf("AppendLine(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

// refLine is a log line formatted with strconv, from docs/model.md:
// event,time,queue_length,logical_clock.
func refLine(r sim.Record, n int) string {
	return r.Event.Name(n) + "," + fmt.Sprintf("%d.%09d", r.At/1e9, r.At%1e9) + "," +
		strconv.FormatInt(r.Queue, 10) + "," + strconv.FormatInt(r.Clock, 10) + "\n"
}

func TestLogWriterFormat(t *testing.T) {
	// Exact lines for N = 3.
	recs := []sim.Record{
		{At: 0, Clock: 1, Queue: 0, Event: sim.Internal},
		{At: 166666666, Clock: 2, Queue: 0, Event: sim.SendTo(0)},
		{At: 333333333, Clock: 3, Queue: 0, Event: sim.SendTo(1)},
		{At: 500000000, Clock: 4, Queue: 0, Event: sim.Broadcast},
		{At: 666666666, Clock: 9, Queue: 2, Event: sim.Receive},
	}
	want := "internal,0.000000000,0,1\n" +
		"send 0  ,0.166666666,0,2\n" +
		"send 1  ,0.333333333,0,3\n" +
		"send 0+1,0.500000000,0,4\n" +
		"receive ,0.666666666,2,9\n"
	var bufs [3]bytes.Buffer
	lw := sim.NewLogWriter([]io.Writer{&bufs[0], &bufs[1], &bufs[2]})
	if err := lw.Records(1, recs[:2]); err != nil {
		t.Fatal(err)
	}
	if err := lw.Records(1, recs[2:]); err != nil {
		t.Fatal(err)
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := bufs[1].String(); got != want {
		t.Errorf("machine 1's log\n got %q\nwant %q", got, want)
	}
	if bufs[0].Len() != 0 || bufs[2].Len() != 0 {
		t.Errorf("other machines' logs are not empty: %q, %q", bufs[0].String(), bufs[2].String())
	}
	// N = 4: single sends "send <p>" padded, broadcast "send all".
	var b4 [4]bytes.Buffer
	lw = sim.NewLogWriter([]io.Writer{&b4[0], &b4[1], &b4[2], &b4[3]})
	if err := lw.Records(3, []sim.Record{
		{At: 1, Clock: 1, Event: sim.SendTo(2)},
		{At: 2, Clock: 2, Event: sim.Broadcast},
	}); err != nil {
		t.Fatal(err)
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := b4[3].String(), "send 2  ,0.000000001,0,1\nsend all,0.000000002,0,2\n"; got != want {
		t.Errorf("N = 4 log %q, want %q", got, want)
	}
}

// A whole run through the LogWriter: every line is the record's reference
// line, including across the writer's buffer boundaries, and every line
// matches SPEC's format.
func TestLogWriterRun(t *testing.T) {
	line := regexp.MustCompile(`^(internal|receive |send 0  |send 1  |send 0\+1),[0-9]+\.[0-9]{9},[0-9]+,[0-9]+$`)
	cfg := sim.Config{Seed: 1, Duration: 3000 * s, Die: 10, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("6", 0), mc("1", 0), mc("1", 500*ms)}}
	e, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var bufs [3]bytes.Buffer
	lw := sim.NewLogWriter([]io.Writer{&bufs[0], &bufs[1], &bufs[2]})
	col := newCollector(3)
	if err := e.Run(sim.Sinks{lw, col}); err != nil {
		t.Fatal(err)
	}
	if err := lw.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var want strings.Builder
		for _, r := range col.recs[i] {
			want.WriteString(refLine(r, 3))
		}
		if got := bufs[i].String(); got != want.String() {
			t.Errorf("machine %d: log differs from the reference lines", i)
		}
		lines := strings.Split(strings.TrimSuffix(bufs[i].String(), "\n"), "\n")
		if len(lines) != len(col.recs[i]) {
			t.Errorf("machine %d: %d lines for %d ticks", i, len(lines), len(col.recs[i]))
		}
		for k, l := range lines {
			if !line.MatchString(l) {
				t.Fatalf("machine %d line %d: %q is not SPEC's format", i, k+1, l)
			}
		}
	}
	if bufs[0].Len() < 128<<10 {
		t.Errorf("vacuous: machine 0's log (%d bytes) did not cross the buffer size", bufs[0].Len())
	}
	// A second Flush writes nothing more.
	n := bufs[0].Len()
	if err := lw.Flush(); err != nil || bufs[0].Len() != n {
		t.Error("a second Flush wrote again")
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// Write errors come back from Records (when the buffer fills) or Flush.
func TestLogWriterErrors(t *testing.T) {
	boom := errors.New("disk full")
	lw := sim.NewLogWriter([]io.Writer{failWriter{boom}, io.Discard})
	if err := lw.Records(0, []sim.Record{{At: 1, Clock: 1}}); err != nil {
		t.Fatalf("Records with room in the buffer: %v", err)
	}
	if err := lw.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush: %v, want %v", err, boom)
	}
	recs := make([]sim.Record, 10000) // ~200 KB of lines: more than the buffer
	if err := lw.Records(0, recs); !errors.Is(err, boom) {
		t.Errorf("Records past the buffer: %v, want %v", err, boom)
	}
	cfg := sim.Config{Seed: 1, Duration: 3000 * s, Die: 10, Latency: 100_000,
		Machines: []sim.MachineConfig{mc("6", 0), mc("6", 0)}}
	e, _ := sim.New(cfg)
	lw = sim.NewLogWriter([]io.Writer{failWriter{boom}, io.Discard})
	if err := e.Run(lw); !errors.Is(err, boom) {
		t.Errorf("Run through a failing LogWriter: %v, want %v", err, boom)
	}
}
